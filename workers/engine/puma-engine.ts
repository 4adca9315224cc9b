// PumaEngine: owns the sessions (encoder, five decoders, the MLLM) and runs every task, one run
// at a time. Nothing here needs a worker or a DOM: the page's worker (pipeline.worker.ts), the
// benchmarks and the tests all drive this same class.
//
//   const engine = await PumaEngine.load({ ort, manifest, files, provider: 'wasm' });
//   for await (const e of engine.run('text-to-image', { prompt, scales, steps, guidance, seed }, signal)) ...
import { allowedSteps, coarseToFine, decoderKey, ManifestError, editorModels, mllmGraphNames, mllmReader, modelText, pickGallery, pickKeyModel, pickVariant, variantFiles, wordsEntry, type Manifest, type ModelEntry, type ModelFile, type ModelVariant } from '../lib/manifest';
import type { MllmGenerator } from '../mllm/generate';
import { MllmGpuFailure, type MllmWhere, type PlacedMllmSession } from './mllm-placement';
import { loadMllm, readMllmFiles, type MllmLoaded, type MllmPlan } from './mllm-load';
import type { ReaderEncoder } from './reader';
import type { KeyEncoder } from './pick-key';
import type { LocalEditor } from './local-editor';
import { classifyLoadFailure, describeLoadFailure } from './load-failure';
import { RunCancelled, TaskInputError, WebGpuFailure } from './errors';
import { DEFAULT_GPU_DECODE, decodeSessionOptions, ortDevice, sessionOptions, type GpuDecodeChoice, type InferenceSession, type OrtLike } from './ort';
import { createDecodeSessions, GpuDecodeLoop, type GpuDeviceLike, type OrtGpuLike } from './gpu-decode-loop';
import { GpuEncoder } from './gpu-encoder';
import type { LoadFailureReason } from './load-failure';
import type { EngineInfo, FileState, LoadSink, MllmStatus, Provider, RunEvent, RunSink, TaskInfo } from './protocol';
import { streamOf } from './stream';
import { PyramidCodec } from './pyramid-codec';
import type { RunContext } from './steps';
import { taskInfo } from './task-info';
import { isTaskName, TASKS, type RequestOf, type TaskName } from './tasks/registry';
import { TASK_NEEDS } from './tasks/needs';

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
  /** load the MLLM when the manifest has one (default true). 'background': load() returns as soon
   * as the encoder and the first decoder exist and the MLLM goes on loading (mllmStatus(), mllmLoaded())
   * after the other decoders; its events keep arriving on onEvent until then. */
  mllm?: boolean | 'background';
  /** onnxruntime's runtime being started by the caller (ort.ts startRuntime), begun before the
   * manifest and files were in: the first session is created once it has settled, and its failure
   * is the first session's */
  runtime?: Promise<unknown>;
  /** merged into the encoder's and decoders' session options (e.g. intraOpNumThreads) */
  sessionOptions?: InferenceSession.SessionOptions;
  /** Where the MLLM runs (default: WASM, or 'cpu' with onnxruntime-node), with the reason when it
   * is not WebGPU although the decoders are. 'webgpu' keeps its KV cache on the GPU and falls
   * back to WASM if its session cannot be created or a call fails. */
  mllmAt?: MllmWhere;
  /** WebGPU only: the decode loop on the GPU or the CPU, graph capture (default: GPU loop with capture, falling back without) */
  gpuDecode?: GpuDecodeChoice;
  /** The MLLM's plan drafted ahead and verified several tokens a call (default true; the same plan
   * either way: false is what drafting is measured against, bench/gpu-bench.ts --no-drafts) */
  planDrafts?: boolean;
  /** The MLLM on WebGPU run with graph capture (default true; workers/mllm/captured-graph.ts, falling
   * back to the plain WebGPU session if a captured call fails; false is what capture is measured
   * against, bench/gpu-bench.ts --no-mllm-capture) */
  mllmCapture?: boolean;
  /** WebGPU's GPU loop: run the encoder and the first image's decoder once during the load, results
   * unread, so their shaders compile (in the browser's GPU process) and their graphs are captured while
   * the load goes on, not in the first image's run (GpuEncoder.warm, GpuDecodeLoop.warm). Default
   * false: on a CPU-emulated adapter a run takes seconds, which the first real run would wait for;
   * load-in-browser.ts asks for it on a real GPU. */
  warmUp?: boolean;
  /** Yield to the event loop at every checkpoint (default true), so a cancel message can arrive
   * mid-run. A caller that cancels only through the AbortSignal may turn it off. */
  yieldAtCheckpoints?: boolean;
  onEvent?: LoadSink;
}

// WASM takes the int8 decoders where the manifest has them (ConvInteger: 2.2-2.7x its fp32 decoder call,
// training/int8_decoders.py, bench/int8-decoders.mjs); WebGPU's EP has no ConvInteger, so it keeps float
// (fp16 where the adapter has shader-f16), and native onnxruntime ('cpu') runs fp32 convolutions faster
const VISUAL_PREFERENCE: Record<string, string[]> = { webgpu: ['float16', 'float32', 'int8'], wasm: ['int8', 'float32', 'float16'], cpu: ['float32', 'int8', 'float16'] };
const MLLM_PREFERENCE = ['float32', 'int8', 'int4'];   // one variant today; int4: the trunk as MatMulNBits (training/quantize.py nbits_onnx)

/** A single-file model entry (tokenizer, word list, gallery) as the load reads it. */
function singleFile([name, e]: [string, ModelEntry]): { name: string; file: string; sha256: string; bytes: number } {
  return { name, file: e.file!, sha256: e.sha256!, bytes: e.bytes ?? 0 };
}

/** The files a load reads, chosen once so the progress bar knows the total up front. */
function plan(m: Manifest, provider: string, features: ReadonlySet<string>, withMllm: boolean) {
  const visual = ['encoder', ...m.scales.map((s) => decoderKey(m, s.name))].map((name) => ({ name, variant: pickVariant(m.models[name], features, VISUAL_PREFERENCE[provider]) }));
  const tok = Object.entries(m.models).find(([, e]) => e.role === 'tokenizer');
  const words = wordsEntry(m);
  // the MLLM ships as one graph ("mllm") or as the older prefill + step pair
  const graphNames = m.mllm ? mllmGraphNames(m.mllm) : [];
  const hasMllm = withMllm && m.mllm && graphNames.every((n) => m.models[n]) && tok?.[1].file && tok[1].sha256;
  // a model with a reader reads given images through a second encoder: chosen as the encoder is, read as the MLLM's
  const reader = hasMllm ? mllmReader(m) : null;
  // a model that picks its captions and plans' concepts among retrieved names reads its gallery with it, and the
  // key model the gallery is asked with where it is in key space (chosen and read as the reader is)
  const gallery = hasMllm ? pickGallery(m) : null;
  const key = hasMllm ? pickKeyModel(m) : null;
  // the local editors the MLLM's rules name (its tone edits', its colour sketches') are read with it too (chosen and
  // read as the key model is)
  const editors = hasMllm ? editorModels(m) : [];
  const mllm: MllmPlan | null = hasMllm
    ? {
        graphs: graphNames.map((name) => ({ name, variant: pickVariant(m.models[name], new Set(), MLLM_PREFERENCE) })),
        tokenizer: singleFile(tok),
        ...(reader ? { reader: { name: reader.name, variant: pickVariant(reader.entry, features, VISUAL_PREFERENCE[provider]) } } : {}),
        ...(words ? { words: singleFile(words) } : {}),
        ...(gallery ? { gallery: { ...singleFile(gallery), entry: gallery[1] } } : {}),
        ...(key ? { key: { name: key.name, variant: pickVariant(key.entry, features, VISUAL_PREFERENCE[provider]) } } : {}),
        ...(editors.length ? { editors: editors.map((e) => ({ name: e.name, variant: pickVariant(e.entry, features, VISUAL_PREFERENCE[provider]) })) } : {}),
      }
    : null;
  // the decoders' sessions are created (and re-created, for graph capture) from one buffer each
  for (const v of visual) if (v.variant.external_data?.length) throw new ManifestError(`${v.name}: external data is read for the MLLM only`);
  const served = (v: ModelVariant) => variantFiles(v).reduce((a, f) => a + f.bytes, 0);
  const bytes = visual.reduce((a, v) => a + served(v.variant), 0) + (mllm ? mllmModelsOf(mllm).reduce((a, g) => a + served(g.variant), 0) + mllm.tokenizer.bytes + (mllm.words?.bytes ?? 0) + (mllm.gallery?.bytes ?? 0) : 0);
  return { visual, mllm, bytes };
}

/** How long the session creations after the load (the later decoders', then the MLLM's) wait, once
 * the engine is usable with the MLLM in the background, for a run to be asked for: a creation holds
 * the thread (WASM creates a session synchronously: 350 ms for the MLLM on an H200 host, seconds on
 * 2 loaded cores), and what the page queued during the load reaches the worker a round trip after
 * 'ready', behind the page's render of the ready state. 100 ms was too short on the 2-core VM under
 * load (the page's 'loaded' to its run's start alone took 13-66 ms, and the run still waited:
 * bench/results/cold-start-vm-2026-12-01-05-02-partial.log). A run asked for later, while a session
 * is being created, waits for that one; with nothing asked the sessions are ready this much later. */
export const MLLM_GRACE_MS = 250;

// moved to mllm-placement.ts; the MLLM tests and bench/mllm.mjs import it from here
export { createMllmSessions } from './mllm-placement';

export class PumaEngine {
  private current: { controller: AbortController; done: Promise<unknown> } | null = null;
  private lastTicket = 0;
  private deviceLost: string | null = null;
  private lost: Promise<never> = new Promise(() => undefined);
  private lastGeneration: RunContext['lastGeneration'] = null;
  private released = false;
  /** the MLLM, once loaded (it may load after the engine is usable: mllm 'background') */
  private mllmGen: MllmGenerator | null = null;
  /** the single MLLM graph's session: where it runs, and its move to WASM */
  private mllmSession: PlacedMllmSession | null = null;
  /** a model with a reader (manifest mllm.reader): its encoder, loaded with the MLLM */
  private mllmReader: ReaderEncoder | null = null;
  /** a pick whose gallery is in key space: its key model, loaded with the MLLM */
  private pickKey: KeyEncoder | null = null;
  /** the local editors the MLLM's rules name (manifest mllm.tone_edit, mllm.sketch_edit), loaded with it, by models key */
  private editors: Readonly<Record<string, LocalEditor>> = {};
  private mllmPlace: MllmWhere | null = null;
  private mllmState: MllmStatus = 'none';
  private mllmWhy: string | undefined;
  private mllmDone: Promise<void> = Promise.resolve();
  /** a session being created outside a run (a later decoder's or the MLLM's, after the load): runs wait for it */
  private creating: Promise<unknown> | null = null;
  /** outsideRuns' jobs, one after another: one session created at a time */
  private outsideQueue: Promise<unknown> = Promise.resolve();
  /** settles once the caller has had its chance to ask for a first run (allowFirstRun): outsideRuns' jobs wait for it */
  private firstRunChance: Promise<void> = Promise.resolve();
  /** ends that wait when the caller's first run is asked for (set while it waits) */
  private runAsked: (() => void) | null = null;

  private constructor(
    readonly manifest: Manifest,
    readonly provider: Provider | 'cpu',
    readonly codec: PyramidCodec,
    private readonly cached: { fromCache: boolean },
    readonly bytes: number,
    /** the file loaded for each model (encoder, decoder_f0, ..., mllm or mllm_prefill + mllm_step) */
    readonly variants: Record<string, ModelVariant>,
    private readonly yieldAtCheckpoints: boolean,
  ) {}

  /** Where the load's time went, in ms, in order. Until load() resolves: the encoder's file read, what
   * was left of the runtime's start once it was in ('runtime start', with o.runtime), the encoder's
   * session (without o.runtime the first: it starts the runtime), what was left of the decoders' reads, the
   * first scale's decoder session (with the step graph's on the GPU loop). Then, added as they happen
   * and named 'after ready: ...': each later decoder's session creation (its own time; ', in a run'
   * when the run that needed it first created it) and the MLLM's files and session (the time from
   * ready to the MLLM's readiness, the later decoders' creations included), and 'after ready: the first
   * run waited' when the first run asked for waited for a session being created between runs (the
   * cold start's first image pays it). bench/run.mjs records them. */
  loadPhases: Record<string, number> = {};
  /** a run has been asked for (the first one records its wait in loadPhases) */
  private runAskedOnce = false;

  /** every model file read so far came from a cache (no network) */
  get fromCache(): boolean {
    return this.cached.fromCache;
  }

  /** the MLLM (null until it is loaded, and without one) */
  get mllm(): MllmGenerator | null {
    return this.mllmGen;
  }

  /** Reads the files and creates the sessions, one at a time (WebGPU shader compilation and wasm
   * memory both prefer it). It returns once every visual file is read and the encoder and the first
   * scale's decoder (the coarsest: the first image's; on the GPU loop the step graph too) exist: the
   * other decoders are created after, one a job outside runs, coarse to fine, and a run that needs
   * one first creates it (PyramidCodec.decoder). A WebGPU session that cannot be created throws
   * WebGpuFailure (a later decoder's: the run that needs it). With mllm 'background' it also
   * returns before the MLLM exists; the MLLM's files are read from the moment the visual ones are,
   * and its session is created after the decoders'. */
  static async load(o: EngineLoadOptions): Promise<PumaEngine> {
    const m = o.manifest;
    const p = plan(m, o.provider, o.features ?? new Set(), o.mllm !== false);
    const loaded = new Map<string, number>();
    const cached = { fromCache: true };
    // the MLLM's files, each listed as the MLLM's (the reader's and the key model's too: the MLLM's tasks need them,
    // reconstruction does not)
    const mllmModels = p.mllm ? mllmModelsOf(p.mllm) : [];
    const mllmFiles = new Set(p.mllm ? [...mllmModels.flatMap((g) => variantFiles(g.variant).map((f) => f.file)), p.mllm.tokenizer.file, ...[p.mllm.words, p.mllm.gallery].flatMap((x) => (x ? [x.file] : []))] : []);
    const fileState = (model: string, v: { file: string; bytes: number }, state: FileState, extra: { reason?: LoadFailureReason; message?: string } = {}) =>
      o.onEvent?.({ type: 'file', model, file: v.file, bytes: v.bytes, mllm: mllmFiles.has(v.file), state, ...extra });
    // every file is listed (queued) before any is read, so the page shows the whole load at once
    for (const v of p.visual) fileState(v.name, v.variant, 'queued');
    if (p.mllm) {
      for (const { name, variant } of mllmModels) for (const f of variantFiles(variant)) fileState(name, f, 'queued');
      fileState(p.mllm.tokenizer.name, p.mllm.tokenizer, 'queued');
      for (const x of [p.mllm.words, p.mllm.gallery]) if (x) fileState(x.name, x, 'queued');
    }
    const read = async (model: string, v: ModelFile) => {
      let state: FileState = 'queued';
      try {
        const bytes = await o.files.read(v, (pr) => {
          if (pr.source === 'network') cached.fromCache = false;
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
    // every visual file read at once; the encoder's session is created as soon as its own file is
    // in (the first session starts onnxruntime's runtime: its wasm module and threads, on WebGPU its
    // backend), beside the decoders' reads. A file that failed is said as such (the page names it), never as a WebGPU failure
    const readErrors = new Set<unknown>();
    const readVisual = (model: string, v: ModelFile) =>
      read(model, v).catch((e: unknown) => {
        readErrors.add(e);
        throw e;
      });
    const visualReads = p.visual.map((v) => readVisual(v.name, v.variant));
    const visual = Promise.all(visualReads);
    visual.catch(() => undefined); // awaited below, where what was created is released on failure
    // the MLLM's files from here on: behind the visual ones (a first visit downloads those first),
    // beside the visual sessions' creation
    const mllmBytes = p.mllm ? visual.then(() => readMllmFiles(p.mllm!, read)) : null;
    mllmBytes?.catch(() => undefined); // its failure is the MLLM's, handled by loadMllm
    const opts = { ...sessionOptions(o.provider), ...o.sessionOptions };
    // the GPU loop needs the ddim_step graph; a manifest without one decodes on the CPU
    const stepEntry = o.provider === 'webgpu' ? Object.values(m.models).find((e) => e.role === 'sampler' && e.variants?.length) : undefined;
    const requested: GpuDecodeChoice = o.provider === 'webgpu' && stepEntry ? (o.gpuDecode ?? DEFAULT_GPU_DECODE) : { loop: 'cpu', graphCapture: false };
    const batchDim = m.models[decoderKey(m, m.scales[0].name)].inputs?.[0].shape[0];
    const decOptsFor = (choice: GpuDecodeChoice) => ({ ...decodeSessionOptions(o.provider, choice, typeof batchDim === 'string' ? batchDim : undefined), ...o.sessionOptions });
    // the encoder's batch fixed at one image where the GPU loop runs (gpu-encoder.ts), captured where the decoders are
    const encBatch = m.models.encoder.inputs?.[0].shape[0];
    const encoderFixed = o.provider === 'webgpu' && requested.loop === 'gpu' && typeof encBatch === 'string';
    const encChoice: GpuDecodeChoice = encoderFixed ? requested : { loop: 'cpu', graphCapture: false };
    const encOptsFor = (choice: GpuDecodeChoice) => ({ ...(encoderFixed ? decodeSessionOptions(o.provider, choice, encBatch as string, 1) : sessionOptions(o.provider)), ...o.sessionOptions });
    const stepRead = requested.loop === 'gpu' && stepEntry ? readVisual('ddim_step', stepEntry.variants![0]) : null;
    // the first image's scale: its decoder is created before load() returns, the others after
    const [firstScale, ...laterScales] = coarseToFine(m);
    // every decoder's bytes by scale, kept until its session exists (the later ones are created after the load)
    const decoderBytes = new Map<string, Uint8Array>();
    // the bytes of each GPU-loop session (kept, ~10 MB), to create it uncaptured if capture fails mid-run
    const bytesOf = new Map<InferenceSession, Uint8Array>();
    stepRead?.catch(() => undefined); // awaited below, as the decoders' files are
    const created: InferenceSession[] = [];
    let gpuLoop: GpuDecodeLoop | null = null;
    let gpuEncoder: GpuEncoder | null = null;
    try {
      const encoderBytes = await visualReads[0];
      phase('encoder file');
      if (o.runtime) {
        await o.runtime;
        phase('runtime start'); // what was left of it once the encoder's bytes were in
      }
      // the first session: it starts onnxruntime's runtime (and on WebGPU its backend) unless o.runtime did
      const encoder = await createDecodeSessions(o.ort, [encoderBytes], encChoice, encOptsFor);
      created.push(encoder.sessions[0]);
      phase('encoder session');
      if (encoderFixed) {
        const e = m.models.encoder;
        const uncaptured = { fallback: { uncaptured: () => o.ort.InferenceSession.create(encoderBytes, encOptsFor({ loop: 'gpu', graphCapture: false })) } };
        gpuEncoder = new GpuEncoder(o.ort as unknown as OrtGpuLike, (await ortDevice(o.ort)) as GpuDeviceLike, encoder.sessions[0], { input: e.inputs![0].name, output: e.outputs![0].name }, [1, 3, m.image.size, m.image.size], m.scales[0].tokens * m.feature_dim, encoder.gpuDecode.graphCapture ? uncaptured : null, encoder.failure);
        if (o.warmUp) {
          // its shaders compile in the GPU process while the decoders' sessions are created here
          await gpuEncoder.warm();
          phase('encoder warm-up');
        }
      }
      const visualBytes = await visual;
      visualBytes.forEach((b, i) => i > 0 && decoderBytes.set(m.scales[i - 1].name, b));
      const stepBytes = stepRead ? await stepRead : null;
      phase('decoder files'); // what was left of their reads once the encoder's session existed
      // the first image's decoder (and the step graph) with graph capture where asked; a session
      // that refuses it (e.g. a node left on the CPU) gets both created again without. The other
      // decoders follow the same rule one at a time after the load (createLater below)
      const firstBytes = [decoderBytes.get(firstScale)!, ...(stepBytes ? [stepBytes] : [])];
      const { sessions, gpuDecode, failure } = await createDecodeSessions(o.ort, firstBytes, requested, decOptsFor);
      phase(stepBytes ? 'first decoder + step graph sessions' : 'first decoder session');
      created.push(...sessions);
      decoderBytes.delete(firstScale);
      if (gpuDecode.loop === 'gpu' && stepEntry) {
        sessions.forEach((s, i) => bytesOf.set(s, firstBytes[i]));
        const stepSession = sessions[sessions.length - 1];
        const dec = m.models[decoderKey(m, m.scales[0].name)];
        const [x, t, cond] = dec.inputs!.map((i) => i.name);
        const [sv, sx, coef] = stepEntry.inputs!.map((i) => i.name);
        const uncapturedOpts = decOptsFor({ loop: 'gpu', graphCapture: false });
        const capture = gpuDecode.graphCapture ? { fallback: { uncaptured: (s: InferenceSession) => o.ort.InferenceSession.create(bytesOf.get(s)!, uncapturedOpts) } } : null;
        gpuLoop = new GpuDecodeLoop(o.ort as unknown as OrtGpuLike, (await ortDevice(o.ort)) as GpuDeviceLike, stepSession, { decoder: { x, t, cond, v: dec.outputs![0].name }, step: { v: sv, x: sx, coef, out: stepEntry.outputs![0].name } }, stepEntry.inputs![1].shape as number[], capture, failure);
        if (o.warmUp) {
          // the first image's decoder and the step graph compile and capture now, not in the first run
          await gpuLoop.warm(sessions[0], [2, m.scales.find((x) => x.name === firstScale)!.tokens, m.feature_dim]);
          phase('first decoder warm-up');
        }
      }
    } catch (e) {
      for (const s of created) s.release().catch(() => undefined);
      gpuLoop?.release();
      gpuEncoder?.release();
      if (o.provider === 'webgpu' && !readErrors.has(e)) throw new WebGpuFailure(`WebGPU session creation failed: ${(e as Error).message}`);
      throw e;
    }
    const loop: GpuDecodeLoop | null = gpuLoop; // as loaded, for the creations after the load
    /** A later scale's decoder, as the first one was created (the GPU loop: with capture while it
     * captures). PyramidCodec.decoder calls it once a scale, from a run or from the jobs below. */
    const createLater = async (scale: string): Promise<InferenceSession> => {
      const t0 = performance.now();
      const inRun = engine.current !== null;
      let session: InferenceSession | undefined;
      try {
        const bytes = decoderBytes.get(scale)!;
        const made = await createDecodeSessions(o.ort, [bytes], loop?.choice ?? requested, decOptsFor);
        session = made.sessions[0];
        if (engine.released) throw new Error('the engine was released');
        if (loop) {
          bytesOf.set(session, bytes);
          await loop.adopt(session, made);
        }
      } catch (e) {
        session?.release().catch(() => undefined);
        const why = (e as Error)?.message ?? String(e);
        // as the load says it: on WebGPU the page answers WebGpuFailure with a WASM engine
        if (o.provider === 'webgpu' && !engine.released) throw new WebGpuFailure(`WebGPU session creation failed (the ${scale} decoder's, after the load): ${why}`);
        throw new Error(`the ${scale} decoder's session could not be created: ${why}`);
      }
      decoderBytes.delete(scale);
      engine.loadPhases[`after ready: decoder ${scale} session${inRun ? ', in a run' : ''}`] = performance.now() - t0;
      return session;
    };
    const codec = new PyramidCodec(o.ort, m, { encoder: created[0], decoders: { [firstScale]: created[1] }, createDecoder: createLater, extra: created.slice(2) }, gpuLoop, gpuEncoder);
    const variants: Record<string, ModelVariant> = Object.fromEntries(p.visual.map((v) => [v.name, v.variant]));
    const engine = new PumaEngine(m, o.provider, codec, cached, p.bytes, variants, o.yieldAtCheckpoints !== false);
    engine.loadPhases = phases;
    // what the caller asks for first goes before any session created from here on (MLLM_GRACE_MS)
    engine.allowFirstRun(o.mllm === 'background' ? MLLM_GRACE_MS : 0);
    // the other decoders, coarse to fine, one session a job outside runs (a run that needs one first
    // creates it itself: the same promise, PyramidCodec.decoder). A failure here is not reported:
    // the decoder stays missing and the run that needs it tries again and says why.
    for (const scale of laterScales) {
      engine.outsideRuns(() => (engine.released ? Promise.resolve(null) : codec.decoder(scale))).catch((e: unknown) => {
        if (!engine.released) console.warn(`decoder ${scale} not created after the load (a run that needs it tries again):`, e);
      });
    }
    if (p.mllm && mllmBytes) {
      // WASM unless the caller asks for WebGPU (load-in-browser.ts does on a real GPU): on the CPU
      // its int8 path is what the golden vectors were checked on, and on an emulated adapter
      // (SwiftShader) WASM is far faster
      const want: MllmWhere = o.mllmAt ?? { provider: o.provider === 'cpu' ? 'cpu' : 'wasm' };
      const pm = p.mllm;
      engine.mllmState = 'loading';
      // the reader's and the key model's sessions as the encoder's: same provider and options
      engine.mllmDone = loadMllm(o.ort, m.mllm!, want, mllmBytes, (job) => engine.outsideRuns(job), { manifest: m, options: opts }, o.planDrafts ?? true, o.mllmCapture ?? true).then((r) => {
        phase('after ready: mllm files + session (from ready)');
        engine.mllmLoadedAs(r, mllmModelsOf(pm));
      });
    }
    if (o.mllm !== 'background') await engine.mllmDone;
    return engine;
  }

  /** The MLLM's load ended: its generator (or why there is none) becomes the engine's. */
  private mllmLoadedAs(r: MllmLoaded, graphs: { name: string; variant: ModelVariant }[]) {
    if (this.released) {
      // the engine was dropped while the MLLM loaded
      r.placed?.release();
      r.reader?.release();
      r.key?.release();
      for (const e of Object.values(r.editors)) e.release();
    }
    if (!r.mllm || this.released) {
      this.mllmState = 'failed';
      this.mllmWhy = this.released ? 'the engine was released' : r.reason;
      return;
    }
    this.mllmGen = r.mllm;
    this.mllmSession = r.placed;
    this.mllmReader = r.reader;
    this.pickKey = r.key;
    this.editors = r.editors;
    this.mllmPlace = r.where;
    for (const g of graphs) this.variants[g.name] = g.variant;
    this.mllmState = 'ready';
    // a captured MLLM (WebGPU): each call length's session made and captured between runs, one at a
    // time, so the first text to image does not pay for them (~1.3 s of its first run on an H200)
    const gen = r.mllm;
    for (const len of gen.captureLengths()) {
      this.outsideRuns(() => (this.released || this.mllmGen !== gen ? Promise.resolve() : gen.warmCapture(len))).catch(() => undefined);
    }
  }

  /** outsideRuns' jobs wait `graceMs` after the load, or until the caller asks for a run (start()
   * ends the wait), before the first of them: what the page queued during the load goes first. */
  private allowFirstRun(graceMs: number) {
    this.firstRunChance = new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.runAsked?.(), graceMs);
      this.runAsked = () => {
        clearTimeout(timer);
        this.runAsked = null;
        resolve();
      };
    });
  }

  /** Settles when the session creations queued between runs so far (later decoders, the MLLM's load and
   * its captured sessions) are done: what a user who types for a moment before the first run gets. */
  async backgroundDone(): Promise<void> {
    await this.mllmDone;
    for (let q = this.outsideQueue; ; q = this.outsideQueue) {
      await q;
      if (q === this.outsideQueue) return;
    }
  }

  /** Runs `job` (a session creation outside any run) after the jobs given before it, once the caller
   * has had its chance to ask for a first run (allowFirstRun) and no run is in flight; runs asked for
   * while it goes wait for it (start), so at most one creation. onnxruntime-web is not made for a
   * session created while another session runs in the same runtime, and WASM creates a session
   * synchronously, holding this thread. */
  private outsideRuns<T>(job: () => Promise<T>): Promise<T> {
    const turn = this.outsideQueue.then(async () => {
      await this.firstRunChance;
      // a macrotask before each job: what was pushed before (the load's 'ready', posted in
      // microtasks) leaves the thread, and a run asked for during the previous creation (a message:
      // a macrotask) starts before the next one, which then waits for it
      await new Promise((r) => setTimeout(r, 0));
      for (let c = this.current, waited = null as typeof c; c && c !== waited; c = this.current) {
        await c.done.catch(() => undefined);
        waited = c;
      }
      const p = job();
      this.creating = p;
      try {
        return await p;
      } finally {
        this.creating = null;
      }
    });
    this.outsideQueue = turn.catch(() => undefined);
    return turn;
  }

  /** Where the MLLM's load is: 'loading' (background), 'ready', 'failed' (mllmLoaded's reason), 'none' (none asked for or in the manifest). */
  mllmStatus(): MllmStatus {
    return this.mllmState;
  }

  /** Resolves when the MLLM's load has ended (at once without one): ready, or why not. */
  async mllmLoaded(): Promise<{ ok: boolean; reason?: string }> {
    await this.mllmDone;
    return { ok: this.mllmState === 'ready', reason: this.mllmWhy };
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
      mllmLoading: this.mllmState === 'loading',
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
    return taskInfo(this.manifest, this.mllm, this.mllmMissing());
  }

  /** Why the MLLM's tasks cannot run now, in words (undefined: the default, none loaded). */
  private mllmMissing(): string | undefined {
    if (this.mllmState === 'loading') return 'the language model is still loading';
    if (this.mllmState === 'failed') return `the language model failed to load (${this.mllmWhy ?? 'unknown error'})`;
    return undefined;
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
    this.runAsked?.(); // a background session creation waiting for the caller's first run: this one goes first
    this.current?.controller.abort();
    const first = !this.runAskedOnce;
    this.runAskedOnce = true;
    const asked = performance.now();
    const creatingWhenAsked = this.creating !== null;
    let waited: PumaEngine['current'] = null;
    for (;;) {
      const c = this.current;
      if (c && c !== waited) {
        await c.done.catch(() => undefined);
        waited = c;
      }
      // a session created outside runs (the MLLM's, in the background) ends first; a task that
      // needs the MLLM waits for its load to end (the page queues such input itself)
      else if (this.creating) await this.creating.catch(() => undefined);
      else if (TASK_NEEDS[task].mllm && this.mllmState === 'loading') await this.mllmDone;
      else break;
      if (ticket !== this.lastTicket || signal.aborted) break;
    }
    if (first && creatingWhenAsked) this.loadPhases['after ready: the first run waited'] = performance.now() - asked;
    if (ticket !== this.lastTicket || signal.aborted) return onEvent({ type: 'cancelled' });
    if (TASK_NEEDS[task].mllm && this.mllmState === 'failed') throw new TaskInputError(`${TASK_NEEDS[task].label} needs the language model, which failed to load (${this.mllmWhy ?? 'unknown error'}).`);
    const controller = new AbortController();
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    const job = this.runNow(task, request, onEvent, controller.signal);
    const current = (this.current = { controller, done: job });
    try {
      await job;
    } finally {
      if (this.current === current) this.current = null; // no run in flight
    }
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
      reader: this.mllmReader,
      pickKey: this.pickKey,
      editors: this.editors,
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
    this.released = true;
    const s = this.codec.sessions;
    for (const x of [s.encoder, ...Object.values(s.decoders), ...(s.extra ?? [])]) x.release().catch(() => undefined);
    this.codec.gpuLoop?.release();
    this.codec.gpuEncoder?.release();
    this.mllmSession?.release();
    this.mllmReader?.release();
    this.pickKey?.release();
    for (const e of Object.values(this.editors)) e.release();
  }
}

/** The MLLM's models as loaded: its graph(s), the reader where it has one, the pick's key model where its gallery is
 * in key space, the local editors its rules name (engine.variants lists them; each of their files is listed and
 * counted as the MLLM's). */
function mllmModelsOf(p: MllmPlan): { name: string; variant: ModelVariant }[] {
  return [...p.graphs, ...(p.reader ? [p.reader] : []), ...(p.key ? [p.key] : []), ...(p.editors ?? [])];
}

