// Runs: one per tab, each read from the engine's one ordered stream for it. A request given while
// the models load (or while the MLLM a task needs still loads, after the visual models, or is
// missing after a failed file) is queued per tab, the newest winning, and starts once they are
// ready. The engine runs one task at a time:
// a run asked for while another tab's run is going waits in line (the tab says behind what and
// its place) and starts when the one before it has ended, so no tab's run silently ends another.
// A newer run in the same tab takes its grid over at once; a WebGPU failure moves the page to
// WASM and runs the same request again.
import { WebGpuFailure } from '../../workers/engine/errors';
import type { RunEvent } from '../../workers/engine/protocol';
import { readAll } from '../../workers/engine/stream';
import { TASK_NEEDS } from '../../workers/engine/tasks/needs';
import type { RequestOf, TaskName } from '../../workers/engine/tasks/registry';
import { coarseToFineNames } from '../../workers/lib/manifest';
import { tabSpec, type TabId } from '../tabs';
import { cleanError, type SliceContext } from './context';
import { runLine } from './runLine';
import { idleRun, IDLE_RUN, type AnyRequest, type Run, type RunOptions, type RunsActions, type RunsState, type ScaleResult, type TaskRequest } from './types';

type EventOf<K extends RunEvent['type']> = Extract<RunEvent, { type: K }>;

/** What the events that only report a fact set on their tab's run. */
const RUN_FIELDS: { [K in RunEvent['type']]?: (e: EventOf<K>) => Partial<Run> } = {
  input: (e) => ({ input: e.image }),
  source: (e) => ({ source: e.image }),
  encoded: (e) => ({ encodeMs: e.ms }),
  mllm: ({ tokens, total, ms }) => ({ mllm: { tokens, total, ms } }),
  plan: (e) => ({ plan: e.plan }),
  recommend: (e) => ({ recommended: e.scale }),
  text: (e) => ({ answer: e.text, tokens: e.tokens, alternatives: e.alternatives ?? null }),
};

export function runsSlice(ctx: SliceContext): { state: RunsState; actions: RunsActions } {
  const { set, get, engine, setRun, tell } = ctx;
  /** what the user gave while it could not start, per tab (the newest wins) */
  const pending: Partial<Record<TabId, () => Promise<unknown>>> = {};
  const line = runLine(ctx);

  const queue = (tab: TabId, start: () => Promise<unknown>, show: Partial<Run>, message: string) => {
    pending[tab] = start;
    setRun(tab, { ...idleRun(), ...show, status: 'queued' });
    tell(tab, message);
  };
  ctx.hooks.ready = () => {
    for (const tab of Object.keys(pending) as TabId[]) {
      const start = pending[tab];
      delete pending[tab];
      tell(tab, null);
      void start?.();
    }
  };

  /** Why a run cannot start now, or null. */
  const notReady = (): string | null => {
    const s = get();
    if (s.phase === 'ready' || s.phase === 'running') return null;
    if (s.phase === 'error') return `The models failed to load: ${s.error ?? 'unknown error'}`;
    return 'The models are still loading; try again in a moment.';
  };

  /** Tells the tab why a run cannot start now; true when it cannot. */
  const refusedNow = (tab: TabId): boolean => {
    const why = notReady();
    if (why) tell(tab, why);
    return why !== null;
  };

  /** A task that needs the MLLM while it is not loaded: queued while it still loads (after the
   * visual models) or if a failed file may still come back (Retry, or the network), refused if
   * this deployment has none. True when handled. */
  const withoutMllm = (tab: TabId, task: TaskName, start: () => Promise<unknown>, show: Partial<Run>): boolean => {
    const need = TASK_NEEDS[task];
    if (!need.mllm || get().textToImage) return false;
    if (get().mllmLoading) {
      queue(tab, start, { task, ...show }, `Queued: the language model is still loading; ${need.label.toLowerCase()} runs as soon as it has (reconstruction works already).`);
      return true;
    }
    const failed = Object.values(get().fileStates).filter((f) => f.mllm && f.state === 'failed');
    const why = get().mllmError;
    if (!failed.length && why) queue(tab, start, { task, ...show }, `Queued: ${need.label.toLowerCase()} waits for the language model, which failed to load (${why}). Press Retry above.`);
    else if (!failed.length) tell(tab, `${need.label} needs the MLLM, which this deployment does not have.`);
    else queue(tab, start, { task, ...show }, `Queued: ${need.label.toLowerCase()} waits for the language model, which failed to load (${failed.map((f) => f.file).join(', ')}). Press Retry above.`);
    return true;
  };

  /** The one handler of run events: fills the tab's run (the page's runs also go to the timeline). */
  const onRunEvent = (tab: TabId, live: () => boolean) => (e: RunEvent) => {
    if (tabSpec(tab).page) {
      const rec: RunsState['timeline'][number] = { t: ctx.env.now(), type: e.type };
      if ('scale' in e) rec.scale = e.scale;
      if ('ms' in e) rec.ms = e.ms;
      if (e.type === 'image') Object.assign(rec, { stepMs: e.stepMs, psnr: e.psnr });
      set((s) => ({ timeline: [...s.timeline, rec] }));
    }
    // the engine's state, not the tab's (kept even when the run is no longer shown): the badge
    // says where the MLLM runs from now on
    if (e.type === 'mllm-provider') return set({ mllmProvider: e.provider, mllmReason: e.reason ?? null });
    if (!live()) return;
    const fields = RUN_FIELDS[e.type] as ((e: RunEvent) => Partial<Run>) | undefined;
    if (fields) return setRun(tab, fields(e));
    switch (e.type) {
      case 'step':
      case 'image': {
        // a scale's cell: its step count while it decodes, then its image
        const cell = e.type === 'step' ? { step: e.step, steps: e.steps } : { image: e.image, psnr: e.psnr, ms: e.ms };
        return setRun(tab, (r) => ({ results: { ...r.results, [e.scale]: { ...r.results[e.scale], scale: e.scale, ...cell } } }));
      }
      case 'done':
        setRun(tab, { status: 'done', totalMs: e.ms });
        return ctx.hooks.finished(tab, get().runs[tab] ?? IDLE_RUN);
      case 'cancelled': {
        // the page's grid says "Cancelled." itself; a tab says whether its results stay
        const task = get().runs[tab]?.task;
        const kept = task && TASK_NEEDS[task].output === 'images' ? ' The results so far are kept.' : '';
        return setRun(tab, { status: 'cancelled', message: tabSpec(tab).page ? null : `Cancelled.${kept}` });
      }
    }
  };

  /** Starts a run the line gave its turn: the engine gets it now. */
  const start = async <T extends TaskName>(tab: TabId, task: T, request: TaskRequest<T>, opts: RunOptions = {}): Promise<boolean> => {
    const show = { task, text: opts.text ?? '', inputName: opts.inputName ?? null, pickSeq: opts.pickSeq };
    // the line waited for another tab's run: what it waited through may have changed
    if (refusedNow(tab)) return false;
    const s = get();
    const page = tabSpec(tab).page;
    // coarse to fine: f4 (one token) first, the scale a user sees soonest
    const scales = (request as { scales?: string[] }).scales ?? coarseToFineNames(s.scales);
    const req = { scales, steps: s.steps, guidance: s.guidance, seed: s.seed, ...request } as RequestOf<typeof task>;
    const empty: Record<string, ScaleResult> = {};
    if (TASK_NEEDS[task].output === 'images') for (const sc of scales) empty[sc] = { scale: sc, step: 0, steps: s.steps };
    const live = ctx.claim(tab);
    const fresh = (): Partial<Run> => ({ ...idleRun(), ...show, status: 'running', results: empty, request: req as AnyRequest, ...opts.keep });
    if (page) ctx.log('start');
    setRun(tab, fresh());
    set((s) => ({ inFlight: { ...s.inFlight, [tab]: true } }));
    if (page) set({ phase: 'running', notice: null, selected: null });
    const onEvent = onRunEvent(tab, live);
    let last: RunEvent | undefined;
    try {
      try {
        last = await readAll(engine.run(task, req), onEvent);
      } catch (e) {
        if (!(e instanceof WebGpuFailure)) throw e;
        // the one WebGPU -> WASM fallback: a fresh WASM engine, then the same request again
        await get().actions.fallbackToWasm(e.message);
        if (get().phase !== 'ready') throw new Error(`WebGPU failed and WASM could not start: ${get().error ?? ''}`);
        if (live()) setRun(tab, fresh());
        if (page) set({ phase: 'running' });
        last = await readAll(engine.run(task, req), onEvent);
      }
    } catch (e) {
      if (live()) {
        // the page's grid keeps what it had; a tab shows its failure
        setRun(tab, { status: page ? 'idle' : 'error' });
        tell(tab, page ? `${TASK_NEEDS[task].label} failed: ${cleanError(e)}` : cleanError(e));
      }
    } finally {
      // the page is ready again (the tab's run no longer in flight) unless a newer run of the tab took over (it
      // says when it ends); a run the history's pick took the grid from has no newer run after it
      const ended = live() || get().runs[tab]?.status !== 'running';
      if (ended) set((s) => ({ inFlight: { ...s.inFlight, [tab]: false } }));
      if (page && get().phase === 'running' && ended) set({ phase: 'ready' });
    }
    return last?.type === 'done';
  };

  return {
    state: { notice: null, runs: {}, inFlight: {}, lastGenerated: null, timeline: [] },
    actions: {
      async run(tab, task, request, opts = {}) {
        const show = { task, text: opts.text ?? '', inputName: opts.inputName ?? null, pickSeq: opts.pickSeq };
        const again = () => get().actions.run(tab, task, request, opts);
        if (ctx.loading()) {
          queue(tab, again, show, 'Queued: it runs as soon as the models are ready.');
          return false;
        }
        delete pending[tab]; // a newer request replaces what was queued
        if (refusedNow(tab)) return false;
        if (withoutMllm(tab, task, again, show)) return false;
        const turn = await line.turn(tab, task, show);
        if (turn == null) return false; // cancelled, or a newer request of this tab took its place
        try {
          return await start(tab, task, request, opts);
        } finally {
          line.release(turn);
        }
      },

      async again(tab, task, change) {
        const last = get().runs[tab];
        if (!last?.request || last.task !== task) return false;
        // the same image and text as the run used, so the same pick learns what its plan says
        // (last.task === task: its request is this task's, which the types cannot follow)
        const request = { ...last.request, ...(change as object) } as unknown as TaskRequest<typeof task>;
        return get().actions.run(tab, task, request, { text: last.text, inputName: last.inputName, pickSeq: last.pickSeq });
      },

      async generate(prompt, plan) {
        const s = get();
        const text = prompt.trim();
        if (!text) return set({ notice: 'Type a prompt first, e.g. “a red apple”.' });
        const again = () => get().actions.generate(prompt, plan);
        const show = { task: 'text-to-image' as const, text };
        if (ctx.loading()) return queue('main', again, show, 'Queued: it runs as soon as the models are ready.');
        if (withoutMllm('main', 'text-to-image', again, show)) return;
        const why = notReady();
        if (why) return set({ notice: why });
        const chosen = s.t2iScales.length ? s.t2iScales : s.scales;
        const scales = coarseToFineNames(s.scales).filter((sc) => chosen.includes(sc));
        if (!scales.length) return set({ notice: 'Pick at least one scale to generate.' });
        set({ lastGenerated: null });
        // a plan picked here, else one a link or the history brought, else the model's own
        const chosenPlan = (plan === undefined ? s.planOverride : plan) ?? undefined;
        if (await get().actions.run('main', 'text-to-image', { prompt: text, scales, plan: chosenPlan }, { text })) set({ lastGenerated: text });
      },

      async variations() {
        const s = get();
        const prompt = s.lastGenerated;
        if (!prompt || s.phase !== 'ready') return;
        const seed = s.seed + 1; // a new seed each click; the seed box shows which
        const main = s.runs.main ?? IDLE_RUN;
        const scales = coarseToFineNames(s.scales).filter((sc) => main.results[sc]);
        set({ seed });
        // without a plan the MLLM line of the generation stays (variations reuse its features);
        // with one, variations sample a new plan unless the user fixed it
        const plan = main.plan?.source === 'given' ? main.plan.text : undefined;
        const ok = await get().actions.run('main', 'variations', { prompt, scales, seed, plan }, { text: prompt, keep: { mllm: main.mllm } });
        if (!ok && get().runs.main?.status === 'idle') set({ lastGenerated: null });
      },

      cancel(only) {
        // a tab's Cancel: its request waiting for the models or in line is dropped, its run in
        // flight stops; other tabs' runs go on. Without a tab: everything the user started.
        const dropped = (tab: TabId) => {
          setRun(tab, { status: 'cancelled', message: tabSpec(tab).page ? null : 'Cancelled.' });
          if (tabSpec(tab).page) set({ notice: null });
        };
        for (const tab of Object.keys(pending) as TabId[]) {
          if (only && tab !== only) continue;
          delete pending[tab];
          dropped(tab);
        }
        for (const tab of line.waiting()) if ((!only || tab === only) && line.leave(tab)) dropped(tab);
        if (!only || line.holder() === only) void engine.cancel();
      },
      setMessage: (tab, message) => tell(tab, message),
      dismissNotice: () => set({ notice: null }),
    },
  };
}
