// PumaEngine: owns the sessions (encoder, five decoders, the MLLM) and runs every task, one run
// at a time. Nothing here needs a worker or a DOM: the page's worker (pipeline.worker.ts), the
// benchmarks and the tests all drive this same class.
//
//   const engine = await PumaEngine.load({ ort, manifest, files, provider: 'wasm' });
//   for await (const e of engine.run('text-to-image', { prompt, scales, steps, guidance, seed }, signal)) ...
import { allowedSteps, decoderKey, ManifestError, mllmGraphNames, modelText, pickVariant, variantFiles, type Manifest, type ModelFile, type ModelVariant } from '../lib/manifest';
import { readModel } from './model-bytes';
import { MllmGenerator } from '../mllm/generate';
import { MllmGpuFailure, placeMllm, type MllmWhere, type PlacedMllmSession } from './mllm-placement';
import { classifyLoadFailure, describeLoadFailure } from './load-failure';
import { RunCancelled, TaskInputError, WebGpuFailure } from './errors';
import { DEFAULT_GPU_DECODE, decodeSessionOptions, ortDevice, sessionOptions, type GpuDecodeChoice, type InferenceSession, type OrtLike } from './ort';
import { createDecodeSessions, GpuDecodeLoop, type GpuDeviceLike, type OrtGpuLike } from './gpu-decode-loop';
import type { LoadFailureReason } from './load-failure';
import type { EngineInfo, FileState, LoadSink, Provider, RunEvent, RunSink, TaskInfo } from './protocol';
import { streamOf } from './stream';
import { PyramidCodec } from './pyramid-codec';
import type { RunContext } from './steps';
import { taskInfo } from './task-info';
import { isTaskName, TASKS, type RequestOf, type TaskName } from './tasks/registry';

/** Where model files come from: the browser's model store, or a folder in Node. */
export interface ModelFiles {
  /** the bytes of one file the manifest names; `onProgress` as they arrive */
  read(file: { file: string; sha256: string; bytes: number }, onProgress: (p: { loaded: number; total: number; source: 'network' | 'cache'; verifying?: boolean }) => void): Promise<Uint8Array>;
}

export interface EngineLoadOptions {
  ort: OrtLike;
  manifest: Manifest;
  files: ModelFiles;
  /** execution provider of the encoder and decoders ('cpu' = onnxruntime-node) */
  provider: Provider | 'cpu';
  /** adapter features (e.g. shader-f16): which model variants can run */
  features?: ReadonlySet<string>;
  /** load the MLLM when the manifest has one (default true) */
  mllm?: boolean;
  /** merged into the encoder's and decoders' session options (e.g. intraOpNumThreads) */
  sessionOptions?: InferenceSession.SessionOptions;
  /** Where the MLLM runs (default: WASM, or 'cpu' with onnxruntime-node), with the reason when it
   * is not WebGPU although the decoders are. 'webgpu' keeps its KV cache on the GPU and falls
   * back to WASM if its session cannot be created or a call fails. */
  mllmAt?: MllmWhere;
  /** WebGPU only: the decode loop on the GPU or the CPU, graph capture (default: GPU loop with capture, falling back without) */
  gpuDecode?: GpuDecodeChoice;
  /** Yield to the event loop at every checkpoint (default true), so a cancel message can arrive
   * mid-run. A caller that cancels only through the AbortSignal may turn it off. */
  yieldAtCheckpoints?: boolean;
  onEvent?: LoadSink;
}

// WASM takes the int8 decoders where the manifest has them (ConvInteger: 2.2-2.7x its fp32 decoder call,
// training/int8_decoders.py, bench/int8-decoders.mjs); WebGPU's EP has no ConvInteger, so it keeps float
// (fp16 where the adapter has shader-f16), and native onnxruntime ('cpu') runs fp32 convolutions faster
const VISUAL_PREFERENCE: Record<string, string[]> = { webgpu: ['float16', 'float32', 'int8'], wasm: ['int8', 'float32', 'float16'], cpu: ['float32', 'int8', 'float16'] };
const MLLM_PREFERENCE = ['float32', 'int8'];

/** The files a load reads, chosen once so the progress bar knows the total up front. */
function plan(m: Manifest, provider: string, features: ReadonlySet<string>, withMllm: boolean) {
  const visual = ['encoder', ...m.scales.map((s) => decoderKey(m, s.name))].map((name) => ({ name, variant: pickVariant(m.models[name], features, VISUAL_PREFERENCE[provider]) }));
  const tok = Object.entries(m.models).find(([, e]) => e.role === 'tokenizer');
  // the MLLM ships as one graph ("mllm") or as the older prefill + step pair
  const graphNames = m.mllm ? mllmGraphNames(m.mllm) : [];
  const hasMllm = withMllm && m.mllm && graphNames.every((n) => m.models[n]) && tok?.[1].file && tok[1].sha256;
  const mllm = hasMllm
    ? {
        graphs: graphNames.map((name) => ({ name, variant: pickVariant(m.models[name], new Set(), MLLM_PREFERENCE) })),
        tokenizer: { name: tok[0], file: tok[1].file!, sha256: tok[1].sha256!, bytes: tok[1].bytes ?? 0 },
      }
    : null;
  // the decoders' sessions are created (and re-created, for graph capture) from one buffer each
  for (const v of visual) if (v.variant.external_data?.length) throw new ManifestError(`${v.name}: external data is read for the MLLM only`);
  const served = (v: ModelVariant) => variantFiles(v).reduce((a, f) => a + f.bytes, 0);
  const bytes = visual.reduce((a, v) => a + served(v.variant), 0) + (mllm ? mllm.graphs.reduce((a, g) => a + served(g.variant), 0) + mllm.tokenizer.bytes : 0);
  return { visual, mllm, bytes };
}

// moved to mllm-placement.ts; the MLLM tests and bench/mllm.mjs import it from here
export { createMllmSessions } from './mllm-placement';

export class PumaEngine {
  private current: { controller: AbortController; done: Promise<unknown> } | null = null;
  private lastTicket = 0;
  private deviceLost: string | null = null;
  private lost: Promise<never> = new Promise(() => undefined);
  private lastGeneration: RunContext['lastGeneration'] = null;

  private constructor(
    readonly manifest: Manifest,
    readonly provider: Provider | 'cpu',
    readonly codec: PyramidCodec,
    readonly mllm: MllmGenerator | null,
    /** every model file came from a cache (no network) */
    readonly fromCache: boolean,
    readonly bytes: number,
    /** the file loaded for each model (encoder, decoder_f0, ..., mllm or mllm_prefill + mllm_step) */
    readonly variants: Readonly<Record<string, ModelVariant>>,
    private readonly yieldAtCheckpoints: boolean,
    /** the single MLLM graph's session: where it runs, and its move to WASM */
    private readonly mllmSession: PlacedMllmSession | null,
    private mllmPlace: MllmWhere | null,
  ) {}

  /** Where the load's time went, in ms, in order: the visual files read, the encoder's session, the
   * decoders' (and step graph's) sessions, the MLLM's files and session (bench/run.mjs records them) */
  loadPhases: Record<string, number> = {};

  /** Reads the files, creates every session (one at a time: WebGPU shader compilation and wasm
   * memory both prefer it). A WebGPU session that cannot be created throws WebGpuFailure. */
  static async load(o: EngineLoadOptions): Promise<PumaEngine> {
    const m = o.manifest;
    const p = plan(m, o.provider, o.features ?? new Set(), o.mllm !== false);
    const loaded = new Map<string, number>();
    let fromCache = true;
    const mllmFiles = new Set(p.mllm ? [...p.mllm.graphs.flatMap((g) => variantFiles(g.variant).map((f) => f.file)), p.mllm.tokenizer.file] : []);
    const fileState = (model: string, v: { file: string; bytes: number }, state: FileState, extra: { reason?: LoadFailureReason; message?: string } = {}) =>
      o.onEvent?.({ type: 'file', model, file: v.file, bytes: v.bytes, mllm: mllmFiles.has(v.file), state, ...extra });
    // every file is listed (queued) before any is read, so the page shows the whole load at once
    for (const v of p.visual) fileState(v.name, v.variant, 'queued');
    if (p.mllm) {
      for (const { name, variant } of p.mllm.graphs) for (const f of variantFiles(variant)) fileState(name, f, 'queued');
      fileState(p.mllm.tokenizer.name, p.mllm.tokenizer, 'queued');
    }
    const read = async (model: string, v: ModelFile) => {
      let state: FileState = 'queued';
      try {
        const bytes = await o.files.read(v, (pr) => {
          if (pr.source === 'network') fromCache = false;
          const next: FileState = pr.verifying ? 'verifying' : 'downloading';
          if (next !== state) fileState(model, v, (state = next));
          loaded.set(v.file, pr.loaded);
          let totalLoaded = 0;
          loaded.forEach((x) => (totalLoaded += x));
          o.onEvent?.({ type: 'load', model, file: v.file, loaded: pr.loaded, total: pr.total, source: pr.source, totalLoaded, totalBytes: Math.max(p.bytes, totalLoaded) });
        });
        fileState(model, v, 'ready');
        return bytes;
      } catch (e) {
        const f = classifyLoadFailure(e, (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine);
        fileState(model, v, 'failed', { reason: f.reason, message: describeLoadFailure(v.file, f) });
        throw e;
      }
    };

    const phases: Record<string, number> = {};
    let mark = performance.now();
    const phase = (name: string) => {
      const now = performance.now();
      phases[name] = now - mark;
      mark = now;
    };
    const visualBytes = await Promise.all(p.visual.map((v) => read(v.name, v.variant)));
    const opts = { ...sessionOptions(o.provider), ...o.sessionOptions };
    // the GPU loop needs the ddim_step graph; a manifest without one decodes on the CPU
    const stepEntry = o.provider === 'webgpu' ? Object.values(m.models).find((e) => e.role === 'sampler' && e.variants?.length) : undefined;
    const requested: GpuDecodeChoice = o.provider === 'webgpu' && stepEntry ? (o.gpuDecode ?? DEFAULT_GPU_DECODE) : { loop: 'cpu', graphCapture: false };
    const batchDim = m.models[decoderKey(m, m.scales[0].name)].inputs?.[0].shape[0];
    const decOptsFor = (choice: GpuDecodeChoice) => ({ ...decodeSessionOptions(o.provider, choice, typeof batchDim === 'string' ? batchDim : undefined), ...o.sessionOptions });
    const stepBytes = requested.loop === 'gpu' && stepEntry ? await read('ddim_step', stepEntry.variants![0]) : null;
    const created: InferenceSession[] = [];
    let gpuLoop: GpuDecodeLoop | null = null;
    try {
      phase('visual files');
      created.push(await o.ort.InferenceSession.create(visualBytes[0], opts));
      phase('encoder session');
      // the decoders (and the step graph) with graph capture where asked; a session that refuses
      // it (e.g. a node left on the CPU) gets them all created again without
      const decodeBytes = [...visualBytes.slice(1), ...(stepBytes ? [stepBytes] : [])];
      const { sessions, gpuDecode, failure } = await createDecodeSessions(o.ort, decodeBytes, requested, decOptsFor);
      phase('decoder sessions');
      created.push(...sessions);
      if (gpuDecode.loop === 'gpu' && stepEntry) {
        const stepSession = sessions[sessions.length - 1];
        const dec = m.models[decoderKey(m, m.scales[0].name)];
        const [x, t, cond] = dec.inputs!.map((i) => i.name);
        const [sv, sx, coef] = stepEntry.inputs!.map((i) => i.name);
        // the bytes of each captured session (kept, ~10 MB), to create it uncaptured if capture fails mid-run
        const bytesOf = new Map(sessions.map((s, i) => [s, decodeBytes[i]]));
        const uncapturedOpts = decOptsFor({ loop: 'gpu', graphCapture: false });
        const capture = gpuDecode.graphCapture ? { fallback: { uncaptured: (s: InferenceSession) => o.ort.InferenceSession.create(bytesOf.get(s)!, uncapturedOpts) } } : null;
        gpuLoop = new GpuDecodeLoop(o.ort as unknown as OrtGpuLike, (await ortDevice(o.ort)) as GpuDeviceLike, stepSession, { decoder: { x, t, cond, v: dec.outputs![0].name }, step: { v: sv, x: sx, coef, out: stepEntry.outputs![0].name } }, stepEntry.inputs![1].shape as number[], capture, failure);
      }
    } catch (e) {
      for (const s of created) s.release().catch(() => undefined);
      if (o.provider === 'webgpu') throw new WebGpuFailure(`WebGPU session creation failed: ${(e as Error).message}`);
      throw e;
    }
    const decoders: Record<string, InferenceSession> = {};
    m.scales.forEach((s, i) => (decoders[s.name] = created[i + 1]));
    const codec = new PyramidCodec(o.ort, m, { encoder: created[0], decoders, extra: created.slice(1 + m.scales.length) }, gpuLoop);

    let mllm: MllmGenerator | null = null;
    let mllmSession: PlacedMllmSession | null = null;
    let mllmPlace: MllmWhere | null = null;
    if (p.mllm) {
      // WASM unless the caller asks for WebGPU (load-in-browser.ts does on a real GPU): on the CPU
      // its int8 path is what the golden vectors were checked on, and on an emulated adapter
      // (SwiftShader) WASM is far faster
      try {
        const pm = p.mllm;
        const [tb, ...got] = await Promise.all([read(pm.tokenizer.name, pm.tokenizer), ...pm.graphs.map((g) => readModel((f) => read(g.name, f), g.variant))]);
        const graphs = Object.fromEntries(pm.graphs.map((g, i) => [g.name, got[i]]));
        const want: MllmWhere = o.mllmAt ?? { provider: o.provider === 'cpu' ? 'cpu' : 'wasm' };
        const placed = await placeMllm(o.ort, want, graphs, tb, m.mllm!);
        mllm = new MllmGenerator(o.ort, m.mllm!, placed.tokenizer, placed.sessions);
        mllmSession = placed.placed;
        mllmPlace = placed.where;
      } catch (e) {
        // reconstruction works without it; the page says why the MLLM tasks are missing
        console.warn('MLLM not loaded:', e);
      }
      phase('mllm files + session');
    }
    const variants: Record<string, ModelVariant> = Object.fromEntries(p.visual.map((v) => [v.name, v.variant]));
    if (mllm && p.mllm) for (const g of p.mllm.graphs) variants[g.name] = g.variant;
    const engine = new PumaEngine(m, o.provider, codec, mllm, fromCache, p.bytes, variants, o.yieldAtCheckpoints !== false, mllmSession, mllmPlace);
    engine.loadPhases = phases;
    return engine;
  }

  /** What the page needs to build its controls. */
  info(): EngineInfo {
    const m = this.manifest;
    const sm = m.sampler;
    return {
      provider: this.provider === 'webgpu' ? 'webgpu' : 'wasm',
      scales: m.scales.map((s) => ({ name: s.name, label: s.label })),
      steps: sm.steps,
      allowedSteps: allowedSteps(sm),
      guidance: sm.guidance,
      imageSize: m.image.size,
      textToImage: this.mllm !== null,
    };
  }

  /** Where the MLLM runs now (null without one); it may move from WebGPU to WASM during a run. */
  mllmWhere(): MllmWhere | null {
    return this.mllmSession?.where ?? this.mllmPlace;
  }

  /** Tokens the MLLM reads for a prompt, instruction or question (null without the MLLM). */
  countTokens(text: string): number | null {
    return this.mllm ? this.mllm.tok.encode(modelText(text)).length : null;
  }

  taskInfo(): TaskInfo {
    return taskInfo(this.manifest, this.mllm);
  }

  /** From now on every run fails with WebGpuFailure once `lost` settles (the GPU device is gone). */
  watchDeviceLoss(lost: Promise<{ message: string; reason?: string }>) {
    this.lost = new Promise<never>((_, reject) => {
      void lost.then((info) => {
        this.deviceLost = info.message || info.reason || 'GPU device lost';
        reject(new WebGpuFailure(`GPU device lost (${this.deviceLost})`));
      });
    });
    this.lost.catch(() => undefined); // handled where raced
  }

  /**
   * Runs one task: one ordered stream of its events, whose last is 'done' or 'cancelled'. One run
   * at a time: a new run supersedes (cancels) the one in flight, and a run that a newer one
   * overtook while both waited is cancelled without starting. Cancelling (the signal, a newer
   * run, cancel(), or the reader leaving the stream) ends it 'cancelled'; results so far stay.
   * A bad request throws TaskInputError; a WebGPU failure throws WebGpuFailure (the engine is
   * then released: the caller loads a WASM one).
   */
  run<T extends TaskName>(task: T, request: RequestOf<T>, signal?: AbortSignal): AsyncGenerator<RunEvent, void, undefined> {
    return streamOf<RunEvent>((push, readerLeft) => {
      const abort = new AbortController();
      for (const s of [signal, readerLeft]) {
        if (s?.aborted) abort.abort();
        s?.addEventListener('abort', () => abort.abort(), { once: true });
      }
      return this.start(task, request, push, abort.signal);
    });
  }

  private async start<T extends TaskName>(task: T, request: RequestOf<T>, onEvent: RunSink, signal: AbortSignal): Promise<void> {
    if (!isTaskName(task)) throw new TaskInputError(`unknown task "${String(task)}" (known: ${Object.keys(TASKS).join(', ')})`);
    const ticket = ++this.lastTicket;
    this.current?.controller.abort();
    for (let c = this.current; c; c = this.current) {
      await c.done.catch(() => undefined);
      if (this.current === c) break; // nothing started meanwhile
    }
    if (ticket !== this.lastTicket || signal.aborted) return onEvent({ type: 'cancelled' });
    const controller = new AbortController();
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    const job = this.runNow(task, request, onEvent, controller.signal);
    this.current = { controller, done: job };
    await job;
  }

  /** Cancels the run in flight, if any. */
  cancel() {
    // runs still waiting for the one in flight to stop are cancelled too: Cancel stops whatever
    // the user started, not only the oldest of it
    this.lastTicket++;
    this.current?.controller.abort();
  }

  private async runNow<T extends TaskName>(task: T, request: RequestOf<T>, onEvent: RunSink, signal: AbortSignal): Promise<void> {
    const t0 = performance.now();
    for (;;) {
      const ctx = this.context(signal);
      try {
        await (TASKS[task].run as (c: RunContext, r: RequestOf<T>, s: RunSink) => Promise<void>)(ctx, request, onEvent);
        this.lastGeneration = ctx.lastGeneration;
        onEvent({ type: 'done', ms: performance.now() - t0 });
        return;
      } catch (e) {
        this.lastGeneration = ctx.lastGeneration;
        if (e instanceof RunCancelled) {
          onEvent({ type: 'cancelled' });
          return;
        }
        // an MLLM call failed on WebGPU (device still there): the MLLM moves to WASM, says so,
        // and the task runs again from its start (its KV cache lived in the failed session)
        const s = this.mllmSession;
        if (e instanceof MllmGpuFailure && !this.deviceLost && s?.movable) {
          await s.moveToWasm(e.message);
          onEvent({ type: 'mllm-provider', provider: 'wasm', reason: e.message });
          continue;
        }
        if (this.provider === 'webgpu' && !(e instanceof TaskInputError)) {
          // device lost or a WebGPU kernel failed mid-run: this engine is done for
          this.release();
          if (e instanceof WebGpuFailure) throw e;
          throw new WebGpuFailure(this.deviceLost ? `GPU device lost (${this.deviceLost})` : `WebGPU run failed: ${(e as Error).message}`);
        }
        throw e;
      }
    }
  }

  private context(signal: AbortSignal): RunContext {
    const engine = this;
    return {
      manifest: this.manifest,
      codec: this.codec,
      mllm: this.mllm,
      lastGeneration: this.lastGeneration,
      async checkpoint() {
        // a macrotask boundary lets a cancel message (comlink, or any event) arrive mid-run
        if (engine.yieldAtCheckpoints) await new Promise((r) => setTimeout(r, 0));
        if (signal.aborted) throw new RunCancelled();
        if (engine.deviceLost) throw new WebGpuFailure(`GPU device lost (${engine.deviceLost})`);
      },
      guard: <R,>(p: Promise<R>) => Promise.race([p, engine.lost]),
    };
  }

  /** Releases every session (not awaited: releasing sessions of a lost device may never settle). */
  release() {
    const s = this.codec.sessions;
    for (const x of [s.encoder, ...Object.values(s.decoders), ...(s.extra ?? [])]) x.release().catch(() => undefined);
    this.codec.gpuLoop?.release();
    this.mllmSession?.release();
  }
}

