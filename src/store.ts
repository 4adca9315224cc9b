// The page's one store: loading, the provider, sampler settings, which tab is shown, the image
// each tab was given, and one run per tab. Every task starts through actions.run, whose one
// event handler fills the tab's run and whose one fallback moves to WASM when WebGPU fails.
import { create } from 'zustand';
import type { RGBAImage } from '../workers/lib/image';
import { WebGpuFailure } from '../workers/engine/errors';
import type { EpChoice, LoadEvent, Provider, RunEvent, TaskInfo } from '../workers/engine/protocol';
import type { RequestOf, TaskName } from '../workers/engine/tasks/registry';
import type { TabId } from './tasks';
import { engine } from './engineClient';

export interface FileLoad {
  file: string;
  loaded: number;
  total: number;
  source: 'network' | 'cache';
}

export interface ScaleResult {
  scale: string;
  step: number;
  steps: number;
  image?: RGBAImage;
  psnr?: number;
  ms?: number;
}

/** Tabs that take an image from the shared image source (upload / sample / sent here): all
 * but the first, which reconstructs an image the moment it is chosen. */
export type ImageTab = Exclude<TabId, 'main'>;
export type { TabId };

export type Phase = 'starting' | 'loading' | 'ready' | 'running' | 'error';
export type RunStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

/** One tab's run: the last task started there and everything it reported. */
export interface Run {
  task: TaskName | null;
  status: RunStatus;
  /** the prompt, instruction or question (what the grid's caption repeats) */
  text: string;
  /** the file or sample the input came from */
  inputName: string | null;
  /** the image as the model sees it */
  input: RGBAImage | null;
  /** what the encoder was given (grayscale / masked / edge map / the image) */
  source: RGBAImage | null;
  results: Record<string, ScaleResult>;
  recommended: string | null;
  mllm: { tokens: number; total: number; ms: number } | null;
  encodeMs: number | null;
  totalMs: number | null;
  /** streamed text answer */
  answer: string;
  tokens: number;
  /** a bad-input or failure message shown in the tab */
  message: string | null;
}

export interface Picked {
  image: RGBAImage;
  name: string;
  /** bumps on every pick so a tab can react to the same image sent twice */
  seq: number;
}

export const IDLE_RUN: Readonly<Run> = Object.freeze(idleRun());

/** A tab's run (idle until its first task starts). */
export function useRun(tab: TabId): Run {
  return useApp((s) => s.runs[tab] ?? IDLE_RUN);
}

function idleRun(): Run {
  return { task: null, status: 'idle', text: '', inputName: null, input: null, source: null, results: {}, recommended: null, mllm: null, encodeMs: null, totalMs: null, answer: '', tokens: 0, message: null };
}

/** A task's request without the sampler settings, which the store adds. */
type SamplerKeys = 'scales' | 'steps' | 'guidance' | 'seed';
export type TaskRequest<T extends TaskName> = Omit<RequestOf<T>, SamplerKeys> & Partial<Pick<RequestOf<T>, Extract<keyof RequestOf<T>, SamplerKeys>>>;

export interface AppState {
  phase: Phase;
  error: string | null;
  notice: string | null; // the first tab's bad-input messages: the page stays usable
  provider: Provider | null;
  providerReason: string | null;
  adapter: string | null;
  threads: number;
  isolated: boolean;
  cache: { status: 'ok' | 'unavailable'; reason?: string } | null;
  files: Record<string, FileLoad>;
  totalLoaded: number;
  totalBytes: number;
  loadMs: number | null;
  loadedFromCache: boolean;
  scales: string[]; // finest first, from the manifest
  scaleLabels: Record<string, string>; // from the manifest
  steps: number;
  allowedSteps: number[];
  guidance: number;
  seed: number;
  textToImage: boolean; // the MLLM is loaded
  taskInfo: TaskInfo | null;
  tab: TabId;
  picked: Partial<Record<ImageTab, Picked>>;
  /** one run per tab, created when the tab's first task starts */
  runs: Partial<Record<TabId, Run>>;
  t2iScales: string[]; // which scales text-to-image asks for (the MLLM stops after the finest)
  lastGenerated: string | null; // the prompt whose features "variations" can decode again
  selected: string | null; // scale of the first tab's grid in the large view
  /** Every event with its page time (ms), images left out: read by bench/ and e2e. */
  timeline: { t: number; type: string; scale?: string; ms?: number; stepMs?: number[]; psnr?: number; fromCache?: boolean }[];
  actions: {
    init(ep: EpChoice): Promise<void>;
    fallbackToWasm(reason: string): Promise<void>;
    loadTaskInfo(): Promise<void>;
    /** Runs a task in a tab; false when it did not finish ('cancelled', refused or failed). */
    run<T extends TaskName>(tab: TabId, task: T, request: TaskRequest<T>, opts?: { text?: string; inputName?: string | null; keep?: Partial<Run> }): Promise<boolean>;
    generate(prompt: string): Promise<void>;
    variations(): Promise<void>;
    toggleT2IScale(scale: string): void;
    cancel(): void;
    setTab(t: TabId): void;
    pick(tab: ImageTab, image: RGBAImage, name: string): void;
    /** one-click hand-over of any result to another tab (switches to it) */
    sendTo(tab: ImageTab, image: RGBAImage, name: string): void;
    setMessage(tab: TabId, message: string | null): void;
    setSteps(n: number): void;
    setGuidance(g: number): void;
    setSeed(s: number): void;
    select(scale: string | null): void;
    dismissNotice(): void;
  };
}

function cleanError(e: unknown): string {
  // comlink re-throws worker errors with the worker's message; strip a leading "Error: "
  return ((e as Error)?.message || String(e)).replace(/^Error:\s*/, '');
}

export const useApp = create<AppState>()((set, get) => {
  const runIds: Partial<Record<TabId, number>> = {};
  let pickSeq = 0;

  const log = (type: string, extra: Partial<AppState['timeline'][number]> = {}) => set((s) => ({ timeline: [...s.timeline, { t: performance.now(), type, ...extra }] }));

  const onLoadEvent = (e: LoadEvent) => {
    if (e.type !== 'load') log(e.type, e.type === 'loaded' ? { ms: e.ms, fromCache: e.fromCache } : {});
    switch (e.type) {
      case 'cache':
        return set({ cache: { status: e.status, reason: e.reason } });
      case 'load':
        return set((s) => ({ phase: 'loading', files: { ...s.files, [e.file]: { file: e.file, loaded: e.loaded, total: e.total, source: e.source } }, totalLoaded: e.totalLoaded, totalBytes: e.totalBytes }));
      case 'provider':
        return set({ provider: e.provider, providerReason: e.reason ?? null, adapter: e.adapter ?? null, threads: e.threads, isolated: e.isolated });
      case 'loaded':
        return set({ loadMs: e.ms, loadedFromCache: e.fromCache });
    }
  };

  const setRun = (tab: TabId, patch: Partial<Run> | ((r: Run) => Partial<Run>)) =>
    set((s) => {
      const run = s.runs[tab] ?? idleRun();
      return { runs: { ...s.runs, [tab]: { ...run, ...(typeof patch === 'function' ? patch(run) : patch) } } };
    });

  /** The one handler of run events: fills the tab's run. */
  const runEventHandler = (tab: TabId, live: () => boolean) => (e: RunEvent) => {
    if (tab === 'main') {
      const rec: AppState['timeline'][number] = { t: performance.now(), type: e.type };
      if ('scale' in e) rec.scale = e.scale;
      if ('ms' in e) rec.ms = e.ms;
      if (e.type === 'image') Object.assign(rec, { stepMs: e.stepMs, psnr: e.psnr });
      set((s) => ({ timeline: [...s.timeline, rec] }));
    }
    if (!live()) return;
    switch (e.type) {
      case 'input':
        return setRun(tab, { input: e.image });
      case 'source':
        return setRun(tab, { source: e.image });
      case 'encoded':
        return setRun(tab, { encodeMs: e.ms });
      case 'step':
        return setRun(tab, (r) => ({ results: { ...r.results, [e.scale]: { ...r.results[e.scale], scale: e.scale, step: e.step, steps: e.steps } } }));
      case 'image':
        return setRun(tab, (r) => ({ results: { ...r.results, [e.scale]: { ...r.results[e.scale], scale: e.scale, image: e.image, psnr: e.psnr, ms: e.ms } } }));
      case 'mllm':
        return setRun(tab, { mllm: { tokens: e.tokens, total: e.total, ms: e.ms } });
      case 'recommend':
        return setRun(tab, { recommended: e.scale });
      case 'text':
        return setRun(tab, { answer: e.text, tokens: e.tokens });
      case 'done':
        return setRun(tab, { status: 'done', totalMs: e.ms });
      case 'cancelled':
        return setRun(tab, { status: 'cancelled', message: tab === 'main' ? null : tab === 'understand' ? 'Cancelled.' : 'Cancelled. The results so far are kept.' });
    }
  };

  /** Why a run cannot start now, or null. */
  const notReady = (): string | null => {
    const s = get();
    if (s.phase === 'ready' || s.phase === 'running') return null;
    if (s.phase === 'error') return `The models failed to load: ${s.error ?? 'unknown error'}`;
    return 'The models are still loading; try again in a moment.';
  };

  /** The first tab reports through the page notice; the others in their own message line. */
  const tell = (tab: TabId, message: string) => (tab === 'main' ? set({ notice: message }) : setRun(tab, { message }));

  return {
    phase: 'starting',
    error: null,
    notice: null,
    provider: null,
    providerReason: null,
    adapter: null,
    threads: 1,
    isolated: false,
    cache: null,
    files: {},
    totalLoaded: 0,
    totalBytes: 0,
    loadMs: null,
    loadedFromCache: false,
    scales: [],
    scaleLabels: {},
    steps: 10,
    allowedSteps: [],
    guidance: 2,
    seed: 1234,
    textToImage: false,
    taskInfo: null,
    tab: 'main',
    picked: {},
    runs: {},
    t2iScales: [],
    lastGenerated: null,
    selected: null,
    timeline: [],
    actions: {
      async init(ep) {
        if (get().phase !== 'starting' && get().phase !== 'error') return; // StrictMode calls effects twice
        log('init');
        set({ phase: 'loading', error: null });
        try {
          const r = await engine.load({ baseUrl: document.baseURI, ep }, onLoadEvent);
          set({ phase: 'ready', provider: r.provider, scales: r.scales.map((s) => s.name), scaleLabels: Object.fromEntries(r.scales.map((s) => [s.name, s.label])), steps: r.steps, allowedSteps: r.allowedSteps, guidance: r.guidance, textToImage: r.textToImage });
        } catch (e) {
          if (e instanceof WebGpuFailure) await get().actions.fallbackToWasm(e.message);
          else set({ phase: 'error', error: cleanError(e) });
        }
      },
      async fallbackToWasm(reason) {
        // a fresh worker: the runtime that used the failed WebGPU device is dropped whole
        engine.terminate();
        log('fallback');
        set({ phase: 'loading', files: {}, taskInfo: null });
        try {
          const r = await engine.load({ baseUrl: document.baseURI, ep: 'wasm' }, onLoadEvent);
          set({ phase: 'ready', provider: r.provider, providerReason: `fell back from WebGPU: ${reason}`, scales: r.scales.map((s) => s.name), scaleLabels: Object.fromEntries(r.scales.map((s) => [s.name, s.label])), allowedSteps: r.allowedSteps, textToImage: r.textToImage });
          void get().actions.loadTaskInfo();
        } catch (e) {
          set({ phase: 'error', error: cleanError(e) });
        }
      },
      async loadTaskInfo() {
        if (get().taskInfo?.available) return;
        try {
          set({ taskInfo: await engine.taskInfo() });
        } catch (e) {
          set({ taskInfo: { available: false, reason: cleanError(e), instructions: [], questions: [], taskPrompts: { colorize: '', inpaint: '', sketch: '', caption: '' }, maxInstructionTokens: 0, maxQuestionTokens: 0 } });
        }
      },

      async run(tab, task, request, opts = {}) {
        const why = notReady();
        if (why) {
          tell(tab, why);
          return false;
        }
        const s = get();
        // coarse to fine: f4 (one token) first, the scale a user sees soonest
        const scales = (request as { scales?: string[] }).scales ?? [...s.scales].reverse();
        const req = { scales, steps: s.steps, guidance: s.guidance, seed: s.seed, ...request } as RequestOf<typeof task>;
        const empty: Record<string, ScaleResult> = {};
        if (task !== 'understand') for (const sc of scales) empty[sc] = { scale: sc, step: 0, steps: s.steps };
        const id = (runIds[tab] = (runIds[tab] ?? 0) + 1);
        const live = () => runIds[tab] === id;
        const fresh = (): Partial<Run> => ({ ...idleRun(), task, status: 'running', text: opts.text ?? '', inputName: opts.inputName ?? null, results: empty, ...opts.keep });
        if (tab === 'main') log('start');
        setRun(tab, fresh());
        if (tab === 'main') set({ phase: 'running', notice: null, selected: null });
        const onEvent = runEventHandler(tab, live);
        let outcome: 'done' | 'cancelled' | undefined;
        try {
          try {
            outcome = await engine.run(task, req, onEvent);
          } catch (e) {
            if (!(e instanceof WebGpuFailure)) throw e;
            // the one WebGPU -> WASM fallback: a fresh WASM engine, then the same request again
            await get().actions.fallbackToWasm(e.message);
            if (get().phase !== 'ready') throw new Error(`WebGPU failed and WASM could not start: ${get().error ?? ''}`);
            if (live()) setRun(tab, fresh());
            if (tab === 'main') set({ phase: 'running' });
            outcome = await engine.run(task, req, onEvent);
          }
        } catch (e) {
          if (live()) {
            setRun(tab, { status: tab === 'main' ? 'idle' : 'error' });
            tell(tab, tab === 'main' ? `${task === 'reconstruct' ? 'The run' : task === 'variations' ? 'Variations' : 'Generation'} failed: ${cleanError(e)}` : cleanError(e));
          }
        } finally {
          if (tab === 'main' && live() && get().phase === 'running') set({ phase: 'ready' });
        }
        // the run's own result, not its status: events and the return value travel on different
        // channels, so the 'done' event may not have been handled yet
        return outcome === 'done';
      },

      async generate(prompt) {
        const s = get();
        const text = prompt.trim();
        if (!text) return set({ notice: 'Type a prompt first, e.g. “a red apple”.' });
        if (!s.textToImage) return set({ notice: 'Text-to-image needs the MLLM, which is not loaded.' });
        if (s.phase !== 'ready' && s.phase !== 'running') return set({ notice: 'The models are still loading; try again in a moment.' });
        const chosen = s.t2iScales.length ? s.t2iScales : s.scales;
        const scales = [...s.scales].reverse().filter((sc) => chosen.includes(sc));
        if (!scales.length) return set({ notice: 'Pick at least one scale to generate.' });
        set({ lastGenerated: null });
        if (await get().actions.run('main', 'text-to-image', { prompt: text, scales }, { text })) set({ lastGenerated: text });
      },
      async variations() {
        const s = get();
        const prompt = s.lastGenerated;
        if (!prompt || s.phase !== 'ready') return;
        const seed = s.seed + 1; // a new seed each click; the seed box shows which
        const main = s.runs.main ?? IDLE_RUN;
        const scales = [...s.scales].reverse().filter((sc) => main.results[sc]);
        set({ seed });
        // the MLLM line of the generation stays: variations reuse its features
        const ok = await get().actions.run('main', 'variations', { prompt, scales, seed }, { text: prompt, keep: { mllm: main.mllm } });
        if (!ok && get().runs.main?.status === 'idle') set({ lastGenerated: null });
      },
      toggleT2IScale(scale) {
        const s = get();
        const cur = s.t2iScales.length ? s.t2iScales : s.scales;
        set({ t2iScales: cur.includes(scale) ? cur.filter((x) => x !== scale) : [...cur, scale] });
      },
      cancel() {
        void engine.cancel();
      },
      setTab: (t) => set({ tab: t }),
      pick(tab, image, name) {
        set((s) => ({ picked: { ...s.picked, [tab]: { image, name, seq: ++pickSeq } } }));
      },
      sendTo(tab, image, name) {
        get().actions.pick(tab, image, name);
        set({ tab });
      },
      setMessage(tab, message) {
        if (tab === 'main') set({ notice: message });
        else setRun(tab, { message });
      },
      setSteps: (n) => set({ steps: n }),
      setGuidance: (g) => set({ guidance: g }),
      setSeed: (x) => set({ seed: x }),
      select: (scale) => set({ selected: scale }),
      dismissNotice: () => set({ notice: null }),
    },
  };
});

// The benchmark and e2e read state from here (state only; no actions are exposed).
Object.assign(globalThis, {
  __pumaTimeline: () => useApp.getState().timeline,
  __pumaRuntime: () => {
    const s = useApp.getState();
    return { provider: s.provider, adapter: s.adapter, threads: s.threads, isolated: s.isolated, reason: s.providerReason, steps: s.steps, totalBytes: s.totalBytes };
  },
  __pumaTasks: () => {
    const s = useApp.getState();
    return { panel: s.tab, runs: { edit: s.runs.edit ?? IDLE_RUN, canvas: s.runs.canvas ?? IDLE_RUN }, understand: { ...(s.runs.understand ?? IDLE_RUN), source: null } };
  },
});
