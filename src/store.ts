// The page's one store: loading, the provider, sampler settings, which tab is shown, the image
// each tab was given, and one run per tab. Every task starts through actions.run, whose one
// event handler fills the tab's run and whose one fallback moves to WASM when WebGPU fails.
import { create } from 'zustand';
import type { RGBAImage } from '../workers/lib/image';
import { WebGpuFailure } from '../workers/engine/errors';
import type { EngineInfo, EpChoice, FileState, LoadEvent, Provider, RunEvent, TaskInfo } from '../workers/engine/protocol';
import type { LoadFailureReason } from '../workers/engine/load-failure';
import type { Manifest } from '../workers/lib/manifest';
import type { PlanInfo } from '../workers/mllm/plan';
import { pageFacts, type PageFacts } from './newcomer/pageFacts';
import { checkGuidance, checkSeed, checkSteps } from './inputValidation';
import { decodeShareHash } from './shareLink';
import { pageHistory, type HistoryEntry } from './resultHistory';
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
/** 'queued': given while the models load; it starts as soon as they are ready */
export type RunStatus = 'idle' | 'queued' | 'running' | 'done' | 'cancelled' | 'error';

/** One model file of the load, from the moment the manifest is read. */
export interface FileStatus {
  model: string;
  file: string;
  bytes: number;
  /** only the MLLM's tasks need it */
  mllm: boolean;
  state: FileState;
  reason?: LoadFailureReason;
  message?: string;
}

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
  /** what the MLLM said it would draw (a model with a plan) */
  plan: PlanInfo | null;
  /** streamed text answer */
  answer: string;
  tokens: number;
  /** a bad-input or failure message shown in the tab */
  message: string | null;
  /** restored from the history: the images are its stored thumbnails */
  fromHistory?: boolean;
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
  return { task: null, status: 'idle', text: '', inputName: null, input: null, source: null, results: {}, recommended: null, mllm: null, plan: null, encodeMs: null, totalMs: null, answer: '', tokens: 0, message: null };
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
  /** every model file's state (queued ... ready / failed), keyed by file */
  fileStates: Record<string, FileStatus>;
  /** the validated manifest, as soon as the worker has read it */
  manifest: Manifest | null;
  /** the few manifest facts the page's own controls need (derived from `manifest`) */
  facts: PageFacts | null;
  /** the text-to-image prompt box (in the store so a link or a history entry can fill it) */
  prompt: string;
  /** a plan the next Generate draws instead of the model's (from a link or the history);
   * cleared when the prompt changes */
  planOverride: string | null;
  history: HistoryEntry[];
  historyMessage: string | null;
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
    /** Loads again after a failed file (Retry, or the browser coming back online). */
    retryLoad(): Promise<void>;
    /** The browser is online again: a failed load tries again (now, or when the one going ends). */
    online(): void;
    loadTaskInfo(): Promise<void>;
    /** Runs a task in a tab; false when it did not finish ('cancelled', refused or failed). */
    run<T extends TaskName>(tab: TabId, task: T, request: TaskRequest<T>, opts?: { text?: string; inputName?: string | null; keep?: Partial<Run> }): Promise<boolean>;
    /** `plan`: draw this plan (a picked candidate, style or tone) instead of the model's */
    generate(prompt: string, plan?: string | null): Promise<void>;
    setPrompt(p: string): void;
    /** a plan for the next Generate (null: the model plans) */
    setPlanOverride(plan: string | null): void;
    /** exact MLLM token count of a text; null until the MLLM is loaded */
    countTokens(text: string): Promise<number | null>;
    pickHistory(e: HistoryEntry): void;
    clearHistory(): void;
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
  let lastEp: EpChoice = 'auto';
  const history = pageHistory();
  /** what the user gave while the models loaded, per tab (the newest wins): started when ready */
  const pending: Partial<Record<TabId, () => Promise<unknown>>> = {};
  let sharedApplied = false;
  /** the network came back while a load was going: retry once it ends, if it failed */
  let retryAfterLoad = false;
  const loadFailed = () => get().phase === 'error' || Object.values(get().fileStates).some((f) => f.state === 'failed');
  const afterLoad = () => {
    if (!retryAfterLoad) return;
    retryAfterLoad = false;
    if (loadFailed()) void get().actions.retryLoad();
  };

  const log = (type: string, extra: Partial<AppState['timeline'][number]> = {}) => set((s) => ({ timeline: [...s.timeline, { t: performance.now(), type, ...extra }] }));

  const onLoadEvent = (e: LoadEvent) => {
    if (e.type !== 'load' && e.type !== 'file' && e.type !== 'manifest') log(e.type, e.type === 'loaded' ? { ms: e.ms, fromCache: e.fromCache } : {});
    switch (e.type) {
      case 'manifest': {
        const f = pageFacts(e.manifest);
        const m = e.manifest;
        // the grid's scales and the sampler's defaults are known before any model file arrives
        // (a reload after a failure keeps what the user set)
        const first = !get().manifest;
        set({
          manifest: m,
          facts: f instanceof Error ? null : f,
          scales: m.scales.map((x) => x.name),
          scaleLabels: Object.fromEntries(m.scales.map((x) => [x.name, x.label])),
          allowedSteps: m.sampler.allowed_steps ?? Object.keys(m.sampler.schedules).map(Number).sort((a, b) => a - b),
          ...(first ? { steps: m.sampler.steps, guidance: m.sampler.guidance } : {}),
        });
        return applySharedLink();
      }
      case 'file':
        return set((s) => ({ fileStates: { ...s.fileStates, [e.file]: { model: e.model, file: e.file, bytes: e.bytes, mllm: e.mllm, state: e.state, reason: e.reason, message: e.message } } }));
      case 'cache':
        return set({ cache: { status: e.status, reason: e.reason } });
      case 'load':
        // no phase change here: after a failed MLLM file the other MLLM files may still report
        // progress once the engine is ready (init sets 'loading')
        return set((s) => ({ files: { ...s.files, [e.file]: { file: e.file, loaded: e.loaded, total: e.total, source: e.source } }, totalLoaded: e.totalLoaded, totalBytes: e.totalBytes }));
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
      case 'plan':
        return setRun(tab, { plan: e.plan });
      case 'recommend':
        return setRun(tab, { recommended: e.scale });
      case 'text':
        return setRun(tab, { answer: e.text, tokens: e.tokens });
      case 'done':
        setRun(tab, { status: 'done', totalMs: e.ms });
        if (tab === 'main') remember(get().runs.main ?? IDLE_RUN);
        return;
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

  /** Keeps what was given during loading; it starts once the models are ready (startPending). */
  const queue = (tab: TabId, start: () => Promise<unknown>, show: Partial<Run>) => {
    pending[tab] = start;
    setRun(tab, { ...idleRun(), ...show, status: 'queued' });
    tell(tab, 'Queued: it runs as soon as the models are ready.');
  };
  const startPending = () => {
    for (const tab of Object.keys(pending) as TabId[]) {
      const start = pending[tab];
      delete pending[tab];
      if (tab === 'main') set({ notice: null });
      else setRun(tab, { message: null });
      void start?.();
    }
  };
  const loading = () => get().phase === 'starting' || get().phase === 'loading';

  /** The settings in the page address (a shared link), checked like typed input, once the
   * manifest says what is allowed. */
  const applySharedLink = () => {
    const f = get().facts;
    if (sharedApplied || !f || typeof location === 'undefined') return;
    sharedApplied = true;
    const h = decodeShareHash(location.hash);
    const patch: Partial<AppState> = {};
    if (h.steps != null && checkSteps(h.steps, f.sampler).ok) patch.steps = h.steps;
    if (h.guidance != null) {
      const g = checkGuidance(h.guidance, f.sampler);
      if (g.ok) patch.guidance = g.value;
    }
    if (h.seed != null && checkSeed(h.seed).ok) patch.seed = h.seed;
    const known = get().manifest?.scales.map((x) => x.name) ?? [];
    const scales = (h.scales ?? []).filter((x) => known.includes(x));
    if (scales.length) patch.t2iScales = scales;
    if (h.prompt) patch.prompt = h.prompt;
    if (h.prompt && h.plan && get().manifest?.mllm?.plan) patch.planOverride = h.plan;
    set(patch);
  };

  /** The engine's sampler facts, without overriding what a shared link set. */
  const engineReady = (r: EngineInfo, extra: Partial<AppState> = {}) => {
    const s = get();
    set({
      phase: 'ready',
      provider: r.provider,
      scales: r.scales.map((x) => x.name),
      scaleLabels: Object.fromEntries(r.scales.map((x) => [x.name, x.label])),
      // the manifest event set the defaults (or a link, or the user, changed them since)
      steps: s.manifest && r.allowedSteps.includes(s.steps) ? s.steps : r.steps,
      allowedSteps: r.allowedSteps,
      guidance: s.manifest ? s.guidance : r.guidance,
      textToImage: r.textToImage,
      ...extra,
    });
    startPending();
  };

  /** A finished first-tab run goes to the history (thumbnails and the settings that made it). */
  const remember = (run: Run) => {
    const s = get();
    const images = Object.values(run.results).flatMap((r) => (r.image ? [{ scale: r.scale, image: r.image }] : []));
    if (!run.task || !images.length || run.fromHistory) return;
    const t2i = run.task !== 'reconstruct';
    const r = history.add({
      task: run.task,
      prompt: t2i ? run.text : undefined,
      inputName: t2i ? undefined : run.inputName ?? undefined,
      seed: t2i ? s.seed : undefined,
      steps: s.steps,
      guidance: t2i ? s.guidance : undefined,
      scales: images.map((i) => i.scale),
      plan: t2i ? run.plan?.text : undefined,
      images,
    });
    set({ history: history.list(), historyMessage: r.message });
  };

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
    fileStates: {},
    manifest: null,
    facts: null,
    prompt: '',
    planOverride: null,
    history: history.list(),
    historyMessage: null,
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
        lastEp = ep;
        log('init');
        set({ phase: 'loading', error: null, fileStates: {}, files: {} });
        try {
          const r = await engine.load({ baseUrl: document.baseURI, ep }, onLoadEvent);
          engineReady(r);
        } catch (e) {
          if (e instanceof WebGpuFailure) await get().actions.fallbackToWasm(e.message);
          else set({ phase: 'error', error: cleanError(e) });
        }
        afterLoad();
      },
      async fallbackToWasm(reason) {
        // a fresh worker: the runtime that used the failed WebGPU device is dropped whole
        engine.terminate();
        log('fallback');
        set({ phase: 'loading', files: {}, taskInfo: null });
        try {
          const r = await engine.load({ baseUrl: document.baseURI, ep: 'wasm' }, onLoadEvent);
          engineReady(r, { providerReason: `fell back from WebGPU: ${reason}` });
          void get().actions.loadTaskInfo();
        } catch (e) {
          set({ phase: 'error', error: cleanError(e) });
        }
      },
      async retryLoad() {
        if (loading()) return;
        // a fresh worker reads every file again: the good ones come from the cache, the failed
        // ones from the network
        engine.terminate();
        set({ phase: 'starting', taskInfo: null, textToImage: false });
        await get().actions.init(lastEp);
      },
      online() {
        if (loading()) retryAfterLoad = true;
        else if (loadFailed()) void get().actions.retryLoad();
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
        if (loading()) {
          queue(tab, () => get().actions.run(tab, task, request, opts), { task, text: opts.text ?? '', inputName: opts.inputName ?? null });
          return false;
        }
        delete pending[tab]; // a newer request replaces what was queued
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

      async generate(prompt, plan) {
        const s = get();
        const text = prompt.trim();
        if (!text) return set({ notice: 'Type a prompt first, e.g. “a red apple”.' });
        if (loading()) return queue('main', () => get().actions.generate(prompt, plan), { task: 'text-to-image', text });
        if (!s.textToImage) {
          const failed = Object.values(s.fileStates).filter((f) => f.mllm && f.state === 'failed');
          if (!failed.length) return set({ notice: 'Text-to-image needs the MLLM, which this deployment does not have.' });
          // kept: it runs once a retry (or coming back online) loads the language model
          pending.main = () => get().actions.generate(prompt, plan);
          setRun('main', { ...idleRun(), task: 'text-to-image', text, status: 'queued' });
          return set({ notice: `Queued: text-to-image waits for the language model, which failed to load (${failed.map((f) => f.file).join(', ')}). Press Retry above.` });
        }
        if (s.phase !== 'ready' && s.phase !== 'running') return set({ notice: 'The models are still loading; try again in a moment.' });
        const chosen = s.t2iScales.length ? s.t2iScales : s.scales;
        const scales = [...s.scales].reverse().filter((sc) => chosen.includes(sc));
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
        const scales = [...s.scales].reverse().filter((sc) => main.results[sc]);
        set({ seed });
        // without a plan the MLLM line of the generation stays (variations reuse its features);
        // with one, variations sample a new plan unless the user fixed it
        const plan = main.plan?.source === 'given' ? main.plan.text : undefined;
        const ok = await get().actions.run('main', 'variations', { prompt, scales, seed, plan }, { text: prompt, keep: { mllm: main.mllm } });
        if (!ok && get().runs.main?.status === 'idle') set({ lastGenerated: null });
      },
      toggleT2IScale(scale) {
        const s = get();
        const cur = s.t2iScales.length ? s.t2iScales : s.scales;
        set({ t2iScales: cur.includes(scale) ? cur.filter((x) => x !== scale) : [...cur, scale] });
      },
      cancel() {
        // whatever the user started: queued requests are dropped, the run in flight stops
        for (const tab of Object.keys(pending) as TabId[]) {
          delete pending[tab];
          setRun(tab, { status: 'cancelled', message: tab === 'main' ? null : 'Cancelled.' });
          if (tab === 'main') set({ notice: null });
        }
        void engine.cancel();
      },
      setPlanOverride: (plan) => set({ planOverride: plan }),
      setPrompt: (p) => set((s) => ({ prompt: p, planOverride: p.trim() === s.prompt.trim() ? s.planOverride : null })),
      countTokens: (text) => (get().textToImage ? engine.countTokens(text) : Promise.resolve(null)),
      pickHistory(e) {
        const s = get();
        const patch: Partial<AppState> = { notice: null, selected: null, lastGenerated: null };
        if (e.prompt != null) patch.prompt = e.prompt;
        patch.planOverride = e.prompt != null && e.plan && s.manifest?.mllm?.plan ? e.plan : null;
        if (e.seed != null && checkSeed(e.seed).ok) patch.seed = e.seed;
        if (e.steps != null && s.allowedSteps.includes(e.steps)) patch.steps = e.steps;
        if (e.guidance != null && s.facts && checkGuidance(e.guidance, s.facts.sampler).ok) patch.guidance = e.guidance;
        const scales = (e.scales ?? []).filter((x) => s.scales.includes(x));
        if (e.task !== 'reconstruct' && scales.length) patch.t2iScales = scales;
        set({ ...patch, tab: 'main' });
        runIds.main = (runIds.main ?? 0) + 1; // a run still reporting no longer owns the grid
        const results: Record<string, ScaleResult> = {};
        for (const t of e.thumbs) results[t.scale] = { scale: t.scale, step: e.steps ?? 0, steps: e.steps ?? 0, image: t.image };
        setRun('main', { ...idleRun(), task: (e.task as TaskName) ?? null, status: 'done', text: e.prompt ?? '', inputName: e.inputName ?? null, results, fromHistory: true, plan: null });
      },
      clearHistory() {
        history.clear();
        set({ history: [], historyMessage: null });
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
