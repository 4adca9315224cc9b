// Models and loading: the engine's load stream read into the state (the manifest's facts first,
// then each file's state, the provider, 'ready' when the visual tasks can run, then the MLLM's
// background load to 'mllm-loaded'), the WebGPU -> WASM fallback, Retry, and a retry when the
// network comes back.
import { WebGpuFailure } from '../../workers/engine/errors';
import type { EngineInfo, EpChoice, LoadEvent, Provider, TaskInfo } from '../../workers/engine/protocol';
import { allowedSteps, scaleLabels } from '../../workers/lib/manifest';
import { pageFacts } from '../newcomer/pageFacts';
import { cleanError, type SliceContext } from './context';
import type { AppState, LoadActions, LoadState } from './types';

const NO_TASK_INFO: Omit<TaskInfo, 'reason'> = { available: false, instructions: [], questions: [], taskPrompts: { colorize: '', inpaint: '', sketch: '', caption: '' }, maxInstructionTokens: 0, maxQuestionTokens: 0 };

export function loadSlice(ctx: SliceContext): { state: LoadState; actions: LoadActions } {
  const { set, get, engine, env } = ctx;
  let lastEp: EpChoice = 'auto';
  /** the network came back while a load was going: retry once it ends, if it failed */
  let retryAfterLoad = false;
  /** the load stream being read (a newer load, Retry or the WASM fallback, makes older ones' events stale) */
  let loadSeq = 0;
  /** a load stream is open: loading, or the MLLM loading after 'ready' */
  let streaming = false;
  const busy = () => ctx.loading() || streaming;
  const loadFailed = () => get().phase === 'error' || Object.values(get().fileStates).some((f) => f.state === 'failed');

  const onLoadEvent = (e: LoadEvent) => {
    if (e.type === 'cache' || e.type === 'provider') ctx.log(e.type);
    if (e.type === 'loaded') ctx.log(e.type, { ms: e.ms, fromCache: e.fromCache, phases: e.phases, runtimeStart: e.runtimeStart });
    switch (e.type) {
      case 'manifest': {
        const m = e.manifest;
        // the grid's scales and the sampler's defaults are known before any model file arrives
        // (a reload after a failure keeps what the user set)
        const first = !get().manifest;
        set({
          manifest: m,
          facts: pageFacts(m),
          scales: m.scales.map((x) => x.name),
          scaleLabels: scaleLabels(m),
          allowedSteps: allowedSteps(m.sampler),
          ...(first ? { steps: m.sampler.steps, guidance: m.sampler.guidance } : {}),
        });
        return ctx.hooks.manifestRead();
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
        return set({ provider: e.provider, providerReason: e.reason ?? null, adapter: e.adapter ?? null, threads: e.threads, isolated: e.isolated, mllmProvider: e.mllm?.provider ?? null, mllmReason: e.mllm?.reason ?? null });
      case 'loaded':
        return set({ loadMs: e.ms, loadedFromCache: e.fromCache });
      case 'mllm-loaded':
        return mllmLoaded(e);
      case 'ready':
        return;
    }
  };

  /** The MLLM's background load ended: its tasks (and what was queued for them) go on, or say why not. */
  const mllmLoaded = (e: { ok: boolean; reason?: string; ms?: number; fromCache?: boolean; phases?: Record<string, number>; mllm?: { provider: Provider; reason?: string } }) => {
    ctx.log('mllm-loaded', { ms: e.ms, fromCache: e.fromCache, phases: e.phases, ok: e.ok });
    set({
      textToImage: e.ok,
      mllmLoading: false,
      mllmError: e.ok ? null : (e.reason ?? 'unknown error'),
      mllmLoadMs: e.ms ?? null,
      ...(e.fromCache != null ? { loadedFromCache: e.fromCache } : {}),
      ...(e.mllm ? { mllmProvider: e.mllm.provider, mllmReason: e.mllm.reason ?? null } : {}),
    });
    if (e.ok) void get().actions.loadTaskInfo();
    ctx.hooks.ready(); // what waited for the language model starts, or says why it cannot
  };

  /** Reads one load stream: every event is in the state before 'ready' is acted on (`onReady`),
   * when the promise resolves (the visual tasks can run); the stream is read on in the background
   * to its end (the MLLM's load). A failure before 'ready' rejects; after it, it is the MLLM's. */
  const load = (ep: EpChoice, onReady: (info: EngineInfo) => void): Promise<void> =>
    new Promise((resolve, reject) => {
      const seq = ++loadSeq;
      const live = () => seq === loadSeq;
      let ready = false;
      streaming = true;
      void (async () => {
        try {
          for await (const e of engine.load({ baseUrl: env.baseUrl, ep, threads: env.threads, warmUp: env.warmUp })) {
            if (!live()) return; // a newer load replaced this one
            onLoadEvent(e);
            if (e.type === 'ready') {
              ready = true;
              onReady(e.info);
              resolve();
            }
          }
          if (!ready) throw new Error('the engine stopped loading without an answer');
        } catch (err) {
          if (!ready) reject(err);
          else if (live() && get().mllmLoading) mllmLoaded({ ok: false, reason: cleanError(err) });
        } finally {
          if (live()) streaming = false;
          if (live() && ready) afterLoad();
        }
      })();
    });

  /** The engine is loaded: its facts, without overriding what a shared link or the user set. */
  const engineReady = (r: EngineInfo, extra: Partial<AppState> = {}) => {
    const s = get();
    set({
      phase: 'ready',
      provider: r.provider,
      steps: r.allowedSteps.includes(s.steps) ? s.steps : r.steps,
      allowedSteps: r.allowedSteps,
      textToImage: r.textToImage,
      mllmLoading: r.mllmLoading ?? false,
      mllmError: null,
      ...extra,
    });
    ctx.log('ready'); // the visual tasks run from here (bench/run.mjs: page ready)
    ctx.hooks.ready();
  };

  const afterLoad = () => {
    if (!retryAfterLoad) return;
    retryAfterLoad = false;
    if (loadFailed()) void get().actions.retryLoad();
  };

  return {
    state: {
      phase: 'starting',
      error: null,
      provider: null,
      providerReason: null,
      mllmProvider: null,
      mllmReason: null,
      adapter: null,
      threads: 1,
      isolated: false,
      cache: null,
      files: {},
      fileStates: {},
      manifest: null,
      facts: null,
      totalLoaded: 0,
      totalBytes: 0,
      loadMs: null,
      loadedFromCache: false,
      scales: [],
      scaleLabels: {},
      allowedSteps: [],
      textToImage: false,
      mllmLoading: false,
      mllmError: null,
      mllmLoadMs: null,
      taskInfo: null,
    },
    actions: {
      async init(ep) {
        if (get().phase !== 'starting' && get().phase !== 'error') return; // StrictMode calls effects twice
        lastEp = ep;
        ctx.log('init');
        set({ phase: 'loading', error: null, fileStates: {}, files: {}, mllmLoading: false });
        try {
          await load(ep, (info) => engineReady(info));
        } catch (e) {
          if (e instanceof WebGpuFailure) await get().actions.fallbackToWasm(e.message);
          else set({ phase: 'error', error: cleanError(e) });
          afterLoad();
        }
      },
      async fallbackToWasm(reason) {
        // a fresh worker: the runtime that used the failed WebGPU device is dropped whole
        engine.terminate();
        ctx.log('fallback');
        set({ phase: 'loading', files: {}, taskInfo: null, textToImage: false, mllmLoading: false });
        try {
          await load('wasm', (info) => engineReady(info, { providerReason: `fell back from WebGPU: ${reason}` }));
          void get().actions.loadTaskInfo();
        } catch (e) {
          set({ phase: 'error', error: cleanError(e) });
        }
      },
      async retryLoad() {
        if (busy()) return;
        // a fresh worker reads every file again: the good ones come from the cache, the failed
        // ones from the network
        engine.terminate();
        set({ phase: 'starting', taskInfo: null, textToImage: false, mllmLoading: false });
        await get().actions.init(lastEp);
      },
      online() {
        if (busy()) retryAfterLoad = true;
        else if (loadFailed()) void get().actions.retryLoad();
      },
      async loadTaskInfo() {
        if (get().taskInfo?.available) return;
        try {
          set({ taskInfo: await engine.taskInfo() });
        } catch (e) {
          set({ taskInfo: { ...NO_TASK_INFO, reason: cleanError(e) } });
        }
      },
      countTokens: (text) => (get().textToImage ? engine.countTokens(text) : Promise.resolve(null)),
    },
  };
}
