// App state and the only ways to change it (explicit actions). Components read slices of it.
import { create } from 'zustand';
import type { RGBAImage } from '../workers/lib/image';
import { WEBGPU_FAILED, type EpChoice, type PipelineEvent, type Provider } from '../workers/pipeline/protocol';
import { pipeline } from './pipelineClient';
import { blobToRGBA, InputError, urlToRGBA } from './imageInput';

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

export type Phase = 'starting' | 'loading' | 'ready' | 'running' | 'error';

export interface AppState {
  phase: Phase;
  error: string | null;
  notice: string | null; // bad-input messages: the page stays usable
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
  steps: number;
  allowedSteps: number[];
  guidance: number;
  seed: number;
  inputName: string | null;
  input: RGBAImage | null; // the 64x64 image as the model sees it
  results: Record<string, ScaleResult>;
  encodeMs: number | null;
  totalMs: number | null;
  runStatus: 'idle' | 'running' | 'done' | 'cancelled';
  selected: string | null; // scale in the large view
  mode: 'reconstruct' | 't2i';
  textToImage: boolean; // the MLLM is loaded
  prompt: string | null;
  t2iScales: string[]; // which scales text-to-image asks for (the MLLM stops after the finest)
  lastGenerated: string | null; // the prompt whose features "variations" can decode again
  mllm: { tokens: number; total: number; ms: number } | null;
  recommended: string | null;
  /** Every pipeline event with its page time (ms), images left out: read by bench/ and e2e. */
  timeline: { t: number; type: string; scale?: string; ms?: number; stepMs?: number[]; psnr?: number; fromCache?: boolean }[];
  actions: {
    init(ep: EpChoice): Promise<void>;
    fallbackToWasm(reason: string): Promise<void>;
    useFile(file: Blob, name: string): Promise<void>;
    useSample(url: string, name: string): Promise<void>;
    run(image: RGBAImage, name: string): Promise<void>;
    generate(prompt: string): Promise<void>;
    variations(): Promise<void>;
    toggleT2IScale(scale: string): void;
    cancel(): void;
    setSteps(n: number): void;
    setGuidance(g: number): void;
    setSeed(s: number): void;
    select(scale: string | null): void;
    dismissNotice(): void;
  };
}

export const useApp = create<AppState>()((set, get) => {
  let runId = 0; // only the latest run may flip the phase back
  /** Runs a job; if WebGPU failed under it, moves to WASM and runs the same job again there.
   *  false: the fallback left the page not ready (its notice says why). */
  const withWasmFallback = async (empty: Record<string, ScaleResult>, job: () => Promise<unknown>) => {
    try {
      await job();
    } catch (e) {
      const msg = (e as Error).message || String(e);
      if (!msg.startsWith(WEBGPU_FAILED)) throw e;
      await get().actions.fallbackToWasm(msg.slice(WEBGPU_FAILED.length));
      if (get().phase !== 'ready') return false;
      set({ phase: 'running', runStatus: 'running', results: empty });
      await job(); // the same request, now on WASM
    }
    return true;
  };
  const onEvent = (e: PipelineEvent) => {
    if (e.type !== 'load') {
      const rec: AppState['timeline'][number] = { t: performance.now(), type: e.type };
      if ('scale' in e) rec.scale = e.scale;
      if ('ms' in e) rec.ms = e.ms;
      if (e.type === 'image') Object.assign(rec, { stepMs: e.stepMs, psnr: e.psnr });
      if (e.type === 'loaded') rec.fromCache = e.fromCache;
      set((s) => ({ timeline: [...s.timeline, rec] }));
    }
    switch (e.type) {
      case 'cache':
        set({ cache: { status: e.status, reason: e.reason } });
        break;
      case 'load':
        set((s) => ({ phase: 'loading', files: { ...s.files, [e.file]: { file: e.file, loaded: e.loaded, total: e.total, source: e.source } }, totalLoaded: e.totalLoaded, totalBytes: e.totalBytes }));
        break;
      case 'provider':
        set({ provider: e.provider, providerReason: e.reason ?? null, adapter: e.adapter ?? null, threads: e.threads, isolated: e.isolated });
        break;
      case 'fallback':
        set({ provider: e.to, providerReason: `fell back from ${e.from}: ${e.reason}` });
        break;
      case 'loaded':
        set({ loadMs: e.ms, loadedFromCache: e.fromCache });
        break;
      case 'input':
        set({ input: e.image });
        break;
      case 'encoded':
        set({ encodeMs: e.ms });
        break;
      case 'step':
        set((s) => ({ results: { ...s.results, [e.scale]: { ...s.results[e.scale], scale: e.scale, step: e.step, steps: e.steps } } }));
        break;
      case 'image':
        set((s) => ({ results: { ...s.results, [e.scale]: { ...s.results[e.scale], scale: e.scale, image: e.image, psnr: e.psnr, ms: e.ms } } }));
        break;
      case 'mllm':
        set({ mllm: { tokens: e.tokens, total: e.total, ms: e.ms } });
        break;
      case 'recommend':
        set({ recommended: e.scale });
        break;
      case 'done':
        set({ totalMs: e.ms, runStatus: 'done' });
        break;
      case 'cancelled':
        set({ runStatus: 'cancelled' });
        break;
    }
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
    totalLoaded: 0,
    totalBytes: 0,
    loadMs: null,
    loadedFromCache: false,
    scales: [],
    steps: 10,
    allowedSteps: [],
    guidance: 2,
    seed: 1234,
    inputName: null,
    input: null,
    results: {},
    encodeMs: null,
    totalMs: null,
    runStatus: 'idle',
    selected: null,
    timeline: [],
    mode: 'reconstruct',
    textToImage: false,
    t2iScales: [],
    lastGenerated: null,
    prompt: null,
    mllm: null,
    recommended: null,
    actions: {
      async init(ep) {
        if (get().phase !== 'starting' && get().phase !== 'error') return; // StrictMode calls effects twice
        set((st) => ({ timeline: [...st.timeline, { t: performance.now(), type: 'init' }] }));
        set({ phase: 'loading', error: null });
        try {
          const r = await pipeline.init({ baseUrl: document.baseURI, ep }, onEvent);
          set({ phase: 'ready', provider: r.provider, scales: r.scales, steps: r.steps, allowedSteps: r.allowedSteps, guidance: r.guidance, textToImage: r.textToImage });
        } catch (e) {
          const msg = (e as Error).message || String(e);
          if (msg.startsWith(WEBGPU_FAILED)) await get().actions.fallbackToWasm(msg.slice(WEBGPU_FAILED.length));
          else set({ phase: 'error', error: msg });
        }
      },
      async fallbackToWasm(reason) {
        // a fresh worker: the runtime that used the failed WebGPU device is dropped whole
        pipeline.terminate();
        set((st) => ({ timeline: [...st.timeline, { t: performance.now(), type: 'fallback' }], phase: 'loading', files: {} }));
        try {
          const r = await pipeline.init({ baseUrl: document.baseURI, ep: 'wasm' }, onEvent);
          set({ phase: 'ready', provider: r.provider, providerReason: `fell back from WebGPU: ${reason}`, scales: r.scales, allowedSteps: r.allowedSteps, textToImage: r.textToImage });
        } catch (e) {
          set({ phase: 'error', error: (e as Error).message || String(e) });
        }
      },
      async useFile(file, name) {
        try {
          const img = await blobToRGBA(file, name);
          await get().actions.run(img, name);
        } catch (e) {
          if (e instanceof InputError) set({ notice: e.message });
          else set({ notice: `Could not use ${name}: ${(e as Error).message}` });
        }
      },
      async useSample(url, name) {
        try {
          await get().actions.run(await urlToRGBA(url), name);
        } catch (e) {
          set({ notice: (e as Error).message });
        }
      },
      async run(image, name) {
        const s = get();
        if (s.phase !== 'ready' && s.phase !== 'running') {
          set({ notice: 'The models are still loading; try again in a moment.' });
          return;
        }
        // coarse to fine: f4 (one token) first, the scale a user sees soonest
        const order = [...s.scales].reverse();
        const empty: Record<string, ScaleResult> = {};
        for (const sc of order) empty[sc] = { scale: sc, step: 0, steps: s.steps };
        const id = ++runId;
        set((st) => ({ timeline: [...st.timeline, { t: performance.now(), type: 'start' }] }));
        set({ mode: 'reconstruct', phase: 'running', runStatus: 'running', inputName: name, input: null, results: empty, encodeMs: null, totalMs: null, notice: null, selected: null, recommended: null, mllm: null });
        const req = { image, scales: order, steps: s.steps, guidance: s.guidance, seed: s.seed };
        try {
          if (!(await withWasmFallback(empty, () => pipeline.reconstruct(req, onEvent)))) return;
        } catch (e) {
          set({ notice: `The run failed: ${(e as Error).message}`, runStatus: 'idle' });
        } finally {
          if (id === runId && get().phase === 'running') set({ phase: 'ready' });
        }
      },
      async generate(prompt) {
        const s = get();
        const text = prompt.trim();
        if (!text) {
          set({ notice: 'Type a prompt first, e.g. “a red apple”.' });
          return;
        }
        if (!s.textToImage) {
          set({ notice: 'Text-to-image needs the MLLM, which is not loaded.' });
          return;
        }
        if (s.phase !== 'ready' && s.phase !== 'running') {
          set({ notice: 'The models are still loading; try again in a moment.' });
          return;
        }
        const chosen = s.t2iScales.length ? s.t2iScales : s.scales;
        const order = [...s.scales].reverse().filter((sc) => chosen.includes(sc));
        if (!order.length) {
          set({ notice: 'Pick at least one scale to generate.' });
          return;
        }
        const empty: Record<string, ScaleResult> = {};
        for (const sc of order) empty[sc] = { scale: sc, step: 0, steps: s.steps };
        const id = ++runId;
        set((st) => ({ timeline: [...st.timeline, { t: performance.now(), type: 'start' }] }));
        set({ lastGenerated: null, mode: 't2i', prompt: text, phase: 'running', runStatus: 'running', inputName: null, input: null, results: empty, encodeMs: null, totalMs: null, notice: null, selected: null, recommended: null, mllm: null });
        const req = { prompt: text, scales: order, steps: s.steps, guidance: s.guidance, seed: s.seed };
        try {
          let outcome: 'done' | 'cancelled' | undefined;
          const job = async () => void (outcome = await pipeline.textToImage(req, onEvent));
          if (!(await withWasmFallback(empty, job))) return;
          // the job's own result, not runStatus: event callbacks and the return value travel on
          // different channels, so the 'done' event may not have been handled yet
          if (outcome === 'done') set({ lastGenerated: text });
        } catch (e) {
          set({ notice: `Generation failed: ${(e as Error).message}`, runStatus: 'idle' });
        } finally {
          if (id === runId && get().phase === 'running') set({ phase: 'ready' });
        }
      },
      async variations() {
        const s = get();
        if (!s.lastGenerated || s.phase !== 'ready') return;
        const seed = s.seed + 1; // a new seed each click; the seed box shows which
        const order = [...s.scales].reverse().filter((sc) => s.results[sc]);
        const empty: Record<string, ScaleResult> = {};
        for (const sc of order) empty[sc] = { scale: sc, step: 0, steps: s.steps };
        const id = ++runId;
        set((st) => ({ timeline: [...st.timeline, { t: performance.now(), type: 'start' }] }));
        set({ seed, phase: 'running', runStatus: 'running', results: empty, totalMs: null, notice: null, selected: null, recommended: null });
        try {
          await pipeline.variations({ prompt: s.lastGenerated, scales: order, steps: s.steps, guidance: s.guidance, seed }, onEvent);
        } catch (e) {
          set({ notice: `Variations failed: ${(e as Error).message}`, runStatus: 'idle', lastGenerated: null });
        } finally {
          if (id === runId && get().phase === 'running') set({ phase: 'ready' });
        }
      },
      toggleT2IScale(scale) {
        const s = get();
        const cur = s.t2iScales.length ? s.t2iScales : s.scales;
        set({ t2iScales: cur.includes(scale) ? cur.filter((x) => x !== scale) : [...cur, scale] });
      },
      cancel() {
        void pipeline.cancel();
      },
      setSteps: (n) => set({ steps: n }),
      setGuidance: (g) => set({ guidance: g }),
      setSeed: (x) => set({ seed: x }),
      select: (scale) => set({ selected: scale }),
      dismissNotice: () => set({ notice: null }),
    },
  };
});

// The benchmark and e2e read the timeline from here (state only; no actions are exposed).
(globalThis as unknown as { __pumaTimeline: () => AppState['timeline'] }).__pumaTimeline = () => useApp.getState().timeline;
(globalThis as unknown as { __pumaRuntime: () => object }).__pumaRuntime = () => {
  const s = useApp.getState();
  return { provider: s.provider, adapter: s.adapter, threads: s.threads, isolated: s.isolated, reason: s.providerReason, steps: s.steps, totalBytes: s.totalBytes };
};
