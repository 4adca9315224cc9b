// The line of runs: the engine runs one task at a time and a new run supersedes the one in flight,
// so a run asked for on one tab while another tab's run is going would silently end it. Instead
// it waits here, shown as queued on its own tab with what it waits for and its place in line,
// and gets its turn when the run before it has ended (the engine never holds two). A newer
// request of the tab whose run is going takes over at once (the engine supersedes its own run);
// a newer request of a waiting tab takes the older one's place in line.
import { TASK_NEEDS } from '../../workers/engine/tasks/needs';
import type { TaskName } from '../../workers/engine/tasks/registry';
import { tabSpec, type TabId } from '../tabs';
import type { SliceContext } from './context';
import { idleRun, type Run } from './types';

interface Waiter {
  tab: TabId;
  task: TaskName;
  /** the ticket when its turn comes, null when it leaves the line */
  go(ticket: number | null): void;
}

export interface RunLine {
  /** Waits for the tab's turn: a ticket to release when its run ends, or null when the request
   * left the line (cancelled, or a newer request of the same tab took its place). */
  turn(tab: TabId, task: TaskName, show: Partial<Run>): Promise<number | null>;
  /** The run with this ticket ended: the next in line gets the engine. */
  release(ticket: number): void;
  /** Takes the tab's request out of the line; false when it had none there. */
  leave(tab: TabId): boolean;
  /** The tab whose run the engine has, if any. */
  holder(): TabId | null;
  /** The tabs waiting, first in line first. */
  waiting(): TabId[];
}

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

export function runLine(ctx: Pick<SliceContext, 'setRun' | 'tell'>): RunLine {
  let holder: { tab: TabId; task: TaskName; ticket: number } | null = null;
  let tickets = 0;
  const line: Waiter[] = [];

  /** Every waiting tab says what it waits for and its place. */
  const say = () => {
    if (!holder) return;
    const what = `the ${TASK_NEEDS[holder.task].label.toLowerCase()} run on ${tabSpec(holder.tab).label}`;
    line.forEach((w, i) => ctx.tell(w.tab, `Waits for ${what} (${ordinal(i + 1)} in line); it starts when that run ends.`));
  };
  const take = (tab: TabId, task: TaskName) => (holder = { tab, task, ticket: ++tickets }).ticket;

  return {
    turn(tab, task, show) {
      if (!holder || holder.tab === tab) return Promise.resolve(take(tab, task));
      return new Promise((go) => {
        const w: Waiter = { tab, task, go };
        const i = line.findIndex((x) => x.tab === tab);
        if (i >= 0) line.splice(i, 1, w)[0].go(null);
        else line.push(w);
        ctx.setRun(tab, { ...idleRun(), ...show, status: 'queued' });
        say();
      });
    },
    release(ticket) {
      if (holder?.ticket !== ticket) return; // superseded by a newer run of its tab, which holds on
      const next = line.shift();
      holder = null;
      if (!next) return;
      next.go(take(next.tab, next.task));
      say();
    },
    leave(tab) {
      const i = line.findIndex((x) => x.tab === tab);
      if (i < 0) return false;
      line.splice(i, 1)[0].go(null);
      say();
      return true;
    },
    holder: () => holder?.tab ?? null,
    waiting: () => line.map((w) => w.tab),
  };
}
