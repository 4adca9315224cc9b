// The page's tabs as data (no components, so the store and the panels both import it without a
// circle; src/tasks.tsx adds each tab's panel). An entry says which tasks the tab starts and how
// its runs behave in the page; what each task needs comes from the engine's task list
// (workers/engine/tasks/needs.ts).
import { TASK_NEEDS, type TaskName } from '../workers/engine/tasks/needs';

export interface TabSpec {
  id: string;
  label: string;
  /** the tasks its panel starts */
  tasks: readonly TaskName[];
  /**
   * The first tab's runs are the page's: the page phase says 'running', the page timeline
   * (bench/, e2e) records them, their messages go to the page notice (the grid stays usable
   * around them), a failure leaves the grid as it was, and finished runs join the history.
   * The other tabs' messages and failures stay in the tab.
   */
  page: boolean;
}

export const TABS = [
  { id: 'main', label: 'Generate & compare', tasks: ['reconstruct', 'text-to-image', 'variations'], page: true },
  { id: 'edit', label: 'Edit', tasks: ['edit'], page: false },
  { id: 'canvas', label: 'Canvas', tasks: ['colorize', 'inpaint', 'sketch'], page: false },
  { id: 'understand', label: 'Understand', tasks: ['understand'], page: false },
] as const satisfies readonly TabSpec[];

export type TabId = (typeof TABS)[number]['id'];

/** Tabs that take an image from the shared image source (upload / sample / sent here): all but
 * the first, which reconstructs an image the moment it is chosen. */
export type ImageTab = Exclude<TabId, 'main'>;

export function tabSpec(id: TabId): TabSpec {
  return TABS.find((t) => t.id === id)!;
}

/** The tab whose panel starts `task` (null: no tab does, e.g. a task name from another version). */
export function tabOfTask(task: string): TabId | null {
  return TABS.find((t) => (t.tasks as readonly string[]).includes(task))?.id ?? null;
}

/** The sampler settings (steps, guidance, seed) apply: some task of the tab decodes images. */
export function usesSampler(id: TabId): boolean {
  return tabSpec(id).tasks.some((t) => TASK_NEEDS[t].sampler);
}

/** What an image given to the shown tab (a paste) is for: the first tab reconstructs it at once,
 * a tab whose tasks take an image keeps it as their input, any other has no use for it. */
export function imageUse(id: TabId): 'reconstruct' | 'input' | null {
  if (id === 'main') return 'reconstruct';
  return tabSpec(id).tasks.some((t) => TASK_NEEDS[t].inputs.includes('image')) ? 'input' : null;
}

/** Where a result can be sent: every tab that takes an image. */
export const SEND_TARGETS = TABS.filter((t) => t.id !== 'main').map((t) => ({ id: t.id as ImageTab, label: t.label }));

/** What a failed MLLM file takes away, in words: the tasks that need it, tab by tab. */
export function mllmDisables(): string {
  const only = TABS.filter((t) => t.tasks.every((k) => TASK_NEEDS[k].mllm)).map((t) => t.label);
  const some = TABS.flatMap((t) => (only.includes(t.label) ? [] : t.tasks.filter((k) => TASK_NEEDS[k].mllm).map((k) => TASK_NEEDS[k].label)));
  const rest = TABS.flatMap((t) => t.tasks.filter((k) => !TASK_NEEDS[k].mllm && TASK_NEEDS[k].inputs.includes('image')).map((k) => TASK_NEEDS[k].label.toLowerCase()));
  return `${some.join(', ')} and the ${only.join(', ')} tabs are disabled; ${rest.join(', ')} works.`;
}
