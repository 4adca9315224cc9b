// The pipeline worker: loads the encoder and the five decoders, runs reconstructions and
// streams typed events back to the page. Decoders share this worker (see bench/README.md for
// the measurement behind that choice).
import * as Comlink from 'comlink';
import { Engine, type Sessions } from '../lib/engine';
import { validateManifest, pickVariant, decoderKey, type Manifest } from '../lib/manifest';
import { ModelStore } from '../lib/modelstore';
import { prepareImage, toNCHW, fromNCHW } from '../lib/image';
import { psnr } from '../lib/metrics';
import { chooseProvider, configureWasm, sessionOptions, webgpuDevice, ort, type ProviderChoice } from './providers';
import { WEBGPU_FAILED, type EventSink, type InitOptions, type InitResult, type PipelineApi, type Provider, type ReconstructRequest, type TextToImageRequest, type VariationsRequest } from './protocol';
import { MllmGenerator, MLLM_SESSION_OPTIONS, type MllmSpec } from '../mllm/generate';
import { Tokenizer, type TokenizerJson } from '../mllm/tokenizer';
import { recommendScale, scoreT2I } from '../mllm/scale_choice';
import { runConditional, runUnderstand, taskInfo, TaskInputError, type TaskContext } from './tasks';
import type { ConditionalRequest, UnderstandRequest } from './tasks-protocol';

class CancelledError extends Error {}

ort.env.logLevel = 'error'; // node-assignment warnings are expected (shape ops on CPU)

let manifest: Manifest | null = null;
let engine: Engine | null = null;
let mllm: MllmGenerator | null = null;
// bytes per file across everything init loads, so one total bar covers all of it
const loadedBytes = new Map<string, number>();
let plannedBytes = 0;
function reportLoad(onEvent: EventSink, model: string, file: string, p: { loaded: number; total: number; source: 'network' | 'cache' }) {
  loadedBytes.set(file, p.loaded);
  let totalLoaded = 0;
  loadedBytes.forEach((x) => (totalLoaded += x));
  onEvent({ type: 'load', model, file, loaded: p.loaded, total: p.total, source: p.source, totalLoaded, totalBytes: Math.max(plannedBytes, totalLoaded) });
}
let store: ModelStore | null = null;
let baseUrl = '';
let provider: Provider = 'wasm';
let deviceLost: string | null = null;
// rejects when the GPU device is lost: a run in flight on a lost device may never settle, so
// every model call is raced against it
let lostSignal: Promise<never> = new Promise(() => undefined);
let cancelRequested = false;
let running: Promise<unknown> = Promise.resolve();

async function fetchManifest(url: string): Promise<Manifest> {
  // network first (a redeploy must be seen), cached copy when offline
  let cache: Cache | null = null;
  try {
    cache = await caches.open('puma-manifest-v1');
  } catch {
    cache = null;
  }
  try {
    const res = await fetch(url, { cache: 'no-cache' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    const m = validateManifest(JSON.parse(text));
    try {
      await cache?.put(url, new Response(text, { headers: { 'content-type': 'application/json' } }));
    } catch {
      /* storage refused: reported by the model store */
    }
    return m;
  } catch (e) {
    const hit = await cache?.match(url).catch(() => undefined);
    if (hit) return validateManifest(await hit.json());
    throw new Error(`could not load the model manifest (${url}): ${(e as Error).message}`);
  }
}

function modelNames(m: Manifest): string[] {
  return ['encoder', ...m.scales.map((s) => decoderKey(m, s.name))];
}

async function createSessions(m: Manifest, choice: ProviderChoice, onEvent: EventSink): Promise<{ sessions: Sessions; fromCache: boolean; bytes: number }> {
  const names = modelNames(m);
  const prefer = choice.provider === 'webgpu' ? ['float16', 'float32', 'int8'] : ['float32', 'int8', 'float16'];
  const variants = names.map((n) => pickVariant(m.models[n], choice.features, prefer));
  const totalBytes = variants.reduce((a, v) => a + v.bytes, 0);
  let fromCache = true;
  const buffers = await Promise.all(
    variants.map((v, i) =>
      store!.load(new URL(`models/${v.file}`, baseUrl).href, v.sha256, v.bytes, (p) => {
        if (p.source === 'network') fromCache = false;
        reportLoad(onEvent, names[i], v.file, p);
      }),
    ),
  );
  const opts = sessionOptions(choice.provider);
  const created: ort.InferenceSession[] = [];
  // one at a time: WebGPU shader compilation and wasm memory both prefer it
  for (const b of buffers) created.push(await ort.InferenceSession.create(b, opts));
  const decoders: Record<string, ort.InferenceSession> = {};
  m.scales.forEach((s, i) => (decoders[s.name] = created[i + 1]));
  return { sessions: { encoder: created[0], decoders }, fromCache, bytes: totalBytes };
}

/**
 * The MLLM (prefill + step graphs, int8 weights) and its tokenizer, when the manifest has them.
 * It always runs on WASM: its many small autoregressive calls are latency-bound, and its
 * DequantizeLinear/MatMulNBits path is what the golden vectors were checked on.
 */
async function loadMllm(m: Manifest, onEvent: EventSink): Promise<MllmGenerator | null> {
  const spec = (m as unknown as { mllm?: MllmSpec }).mllm;
  const pre = m.models.mllm_prefill;
  const step = m.models.mllm_step;
  const tok = Object.values(m.models).find((e) => e.role === 'tokenizer');
  if (!spec || !pre || !step || !tok?.file || !tok.sha256) return null;
  const url = (f: string) => new URL(`models/${f}`, baseUrl).href;
  const progress = (model: string, file: string) => (p: { loaded: number; total: number; source: 'network' | 'cache' }) => reportLoad(onEvent, model, file, p);
  const pv = pickVariant(pre, new Set(), ['float32', 'int8']);
  const sv = pickVariant(step, new Set(), ['float32', 'int8']);
  const [pb, sb, tb] = await Promise.all([
    store!.load(url(pv.file), pv.sha256, pv.bytes, progress('mllm_prefill', pv.file)),
    store!.load(url(sv.file), sv.sha256, sv.bytes, progress('mllm_step', sv.file)),
    store!.load(url(tok.file), tok.sha256, tok.bytes ?? 0, progress('tokenizer', tok.file)),
  ]);
  const opts = { ...sessionOptions('wasm'), ...MLLM_SESSION_OPTIONS } as ort.InferenceSession.SessionOptions;
  const prefill = await ort.InferenceSession.create(pb, opts);
  const stepS = await ort.InferenceSession.create(sb, opts);
  const tokenizer = new Tokenizer(JSON.parse(new TextDecoder().decode(tb)) as TokenizerJson);
  return new MllmGenerator(ort as never, spec, tokenizer, { prefill, step: stepS });
}

/** The last prompt's generated features: "variations" decodes them again with other seeds. */
let lastT2I: { prompt: string; generated: Record<string, Float32Array> } | null = null;

async function blankPyramid() {
  const size = manifest!.image.size;
  // the decoders' unconditional branch is the blank image's pyramid, as always
  return (await Promise.race([engine!.encode(new Float32Array(3 * size * size).fill(-1)), lostSignal])).uncond;
}

async function decodeScale(scale: string, cond: Record<string, Float32Array>, uncond: Record<string, Float32Array>,
                           req: { steps: number; guidance: number; seed: number }, onEvent: EventSink) {
  const size = manifest!.image.size;
  const ts = performance.now();
  const stepMs: number[] = [];
  const out = await Promise.race([
    engine!.decode(scale, { cond, uncond }, { steps: req.steps, guidance: req.guidance, seed: req.seed }, {
      checkCancel,
      onStep: (step, steps, ms) => {
        stepMs.push(ms);
        onEvent({ type: 'step', scale, step, steps });
      },
    }),
    lostSignal,
  ]);
  onEvent({ type: 'image', scale, image: fromNCHW(out, size, size), ms: performance.now() - ts, stepMs });
  return out;
}

/** Automatic scale choice: agreement of each decoded image's f4 with the generated f4. */
async function recommend(images: Record<string, Float32Array>, generated: Record<string, Float32Array>, onEvent: EventSink) {
  const scores: Record<string, number> = {};
  for (const scale of Object.keys(images)) {
    await checkCancel();
    scores[scale] = scoreT2I((await engine!.encode(images[scale])).cond, generated);
  }
  if (Object.keys(scores).length) onEvent({ type: 'recommend', scale: recommendScale(scores), scores });
}

async function runTextToImage(req: TextToImageRequest, onEvent: EventSink): Promise<'done' | 'cancelled'> {
  const m = manifest!;
  const t0 = performance.now();
  const total = m.scales.reduce((a, s) => a + s.tokens, 0);
  const blank = await blankPyramid();
  const generatedSoFar: Record<string, Float32Array> = {};
  const ready: string[] = []; // scales the MLLM finished that are still to be decoded
  const images: Record<string, Float32Array> = {};
  const drain = async () => {
    while (ready.length) {
      const scale = ready.shift()!;
      images[scale] = await decodeScale(scale, generatedSoFar, blank, req, onEvent);
    }
  };

  let tokens = 0;
  lastT2I = null;
  const generated = await mllm!.generateImage('t2i', {
    text: req.prompt,
    scales: req.scales, // the MLLM stops after the finest scale asked for
    // Decoding happens here, between two MLLM tokens, as soon as a scale is complete: f4 is
    // drawn after the first token instead of after all 341 (one runtime, nothing concurrent).
    checkCancel: async () => {
      tokens++;
      if (tokens % 8 === 0) onEvent({ type: 'mllm', tokens, total, ms: performance.now() - t0 });
      await checkCancel();
      await drain();
    },
    onScale: (name, feats, info) => {
      generatedSoFar[name] = feats;
      if (req.scales.includes(name)) ready.push(name);
      onEvent({ type: 'mllm', tokens: info.tokensSoFar, total, scale: name, ms: info.ms });
    },
  });
  await drain();
  lastT2I = { prompt: req.prompt, generated };
  await recommend(images, generated, onEvent);
  onEvent({ type: 'done', ms: performance.now() - t0 });
  return 'done';
}

/** The same generated features, decoded again with another seed: the diversity of each scale. */
async function runVariations(req: VariationsRequest, onEvent: EventSink): Promise<'done' | 'cancelled'> {
  const last = lastT2I!;
  const t0 = performance.now();
  const blank = await blankPyramid();
  const images: Record<string, Float32Array> = {};
  for (const scale of req.scales) {
    if (!last.generated[scale]) continue; // not generated for that prompt (fewer scales were asked for)
    await checkCancel();
    images[scale] = await decodeScale(scale, last.generated, blank, req, onEvent);
  }
  await recommend(images, last.generated, onEvent);
  onEvent({ type: 'done', ms: performance.now() - t0 });
  return 'done';
}

async function releaseEngine() {
  if (!engine) return;
  const all = [engine.sessions.encoder, ...Object.values(engine.sessions.decoders)];
  engine = null;
  // not awaited: releasing sessions of a lost device may never settle
  for (const s of all) s.release().catch(() => undefined);
}

async function startProvider(choice: ProviderChoice, onEvent: EventSink, isolated: boolean, threads: number) {
  const t0 = performance.now();
  let r;
  try {
    r = await createSessions(manifest!, choice, onEvent);
  } catch (e) {
    if (choice.provider !== 'webgpu') throw e;
    throw new Error(`${WEBGPU_FAILED}WebGPU session creation failed: ${(e as Error).message}`);
  }
  provider = choice.provider;
  engine = new Engine(ort, manifest!, r.sessions);
  deviceLost = null;
  lostSignal = new Promise(() => undefined);
  if (provider === 'webgpu') {
    const device = await webgpuDevice();
    // reachable from devtools / e2e (Playwright's worker.evaluate) to exercise device loss
    (globalThis as { __pumaGpuDevice?: unknown }).__pumaGpuDevice = device;
    lostSignal = new Promise<never>((_, reject) => {
      device?.lost.then((info) => {
        deviceLost = info.message || info.reason || 'GPU device lost';
        reject(new Error(`GPU device lost: ${deviceLost}`));
      });
    });
    lostSignal.catch(() => undefined); // handled where raced
  }
  onEvent({ type: 'provider', provider, reason: choice.reason, adapter: choice.adapter, threads, isolated, shaderF16: choice.features.has('shader-f16') });
  onEvent({ type: 'loaded', ms: performance.now() - t0, fromCache: r.fromCache, bytes: r.bytes });
}

async function checkCancel() {
  // a macrotask boundary lets comlink deliver a cancel() message that arrived mid-run
  await new Promise((r) => setTimeout(r, 0));
  if (cancelRequested) throw new CancelledError('cancelled');
  if (deviceLost) throw new Error(`GPU device lost: ${deviceLost}`);
}

async function runReconstruct(req: ReconstructRequest, onEvent: EventSink): Promise<'done' | 'cancelled'> {
  const m = manifest!;
  const t0 = performance.now();
  const size = m.image.size;
  const prepared = prepareImage(req.image, size);
  onEvent({ type: 'input', image: prepared });
  const x = toNCHW(prepared);
  const te = performance.now();
  const pyr = await Promise.race([engine!.encode(x), lostSignal]);
  onEvent({ type: 'encoded', ms: performance.now() - te });
  for (const scale of req.scales) {
    await checkCancel();
    const ts = performance.now();
    const stepMs: number[] = [];
    const out = await Promise.race([
      engine!.decode(scale, pyr, { steps: req.steps, guidance: req.guidance, seed: req.seed }, {
        checkCancel,
        onStep: (step, steps, ms) => {
          stepMs.push(ms);
          onEvent({ type: 'step', scale, step, steps });
        },
      }),
      lostSignal,
    ]);
    const image = fromNCHW(out, size, size);
    onEvent({ type: 'image', scale, image, ms: performance.now() - ts, psnr: psnr(image, prepared), stepMs });
  }
  onEvent({ type: 'done', ms: performance.now() - t0 });
  return 'done';
}

/** One job at a time: a new request supersedes (cancels) the running one, and a request that a
 * newer one overtook while both waited is cancelled without running (two requests waiting on the
 * same job must not both start: the sessions take one run at a time). */
let lastTicket = 0;
async function runJob(fn: () => Promise<'done' | 'cancelled'>, onEvent: EventSink): Promise<'done' | 'cancelled'> {
  const ticket = ++lastTicket;
  cancelRequested = true;
  for (let r = running; ; r = running) {
    await r.catch(() => undefined);
    if (running === r) break; // nothing started meanwhile
  }
  if (ticket !== lastTicket) {
    onEvent({ type: 'cancelled' });
    return 'cancelled';
  }
  cancelRequested = false;
  const job = (async () => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof CancelledError) {
        onEvent({ type: 'cancelled' });
        return 'cancelled' as const;
      }
      if (provider === 'webgpu' && !(e instanceof TaskInputError)) {
        // device lost or a WebGPU kernel failed mid-run: the page moves to a fresh WASM worker
        await releaseEngine();
        throw new Error(`${WEBGPU_FAILED}${deviceLost ? `GPU device lost (${deviceLost})` : `WebGPU run failed: ${(e as Error).message}`}`);
      }
      throw e;
    }
  })();
  running = job;
  return job;
}

function taskContext(): TaskContext {
  return { manifest: manifest!, engine: engine!, mllm, checkCancel, race: <T,>(p: Promise<T>) => Promise.race([p, lostSignal]) };
}

const api: PipelineApi = {
  async init(opts: InitOptions, onEvent: EventSink): Promise<InitResult> {
    baseUrl = opts.baseUrl;
    store = new ModelStore(opts.noCache ? { cache: null } : {});
    manifest = await fetchManifest(new URL('models/manifest.json', baseUrl).href);
    const st = await store.getStatus();
    onEvent({ type: 'cache', status: st.cache, reason: st.reason });
    const threads = configureWasm(baseUrl);
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    const choice = await chooseProvider(opts.ep);
    const mllmFiles = ['mllm_prefill', 'mllm_step'].map((k) => manifest!.models[k]).filter(Boolean).map((e) => pickVariant(e, new Set(), ['float32', 'int8']).bytes);
    const tokBytes = Object.values(manifest.models).find((e) => e.role === 'tokenizer')?.bytes ?? 0;
    plannedBytes =
      modelNames(manifest).reduce((a, n) => a + pickVariant(manifest!.models[n], choice.features, choice.provider === 'webgpu' ? ['float16', 'float32', 'int8'] : ['float32', 'int8', 'float16']).bytes, 0) +
      mllmFiles.reduce((a, b) => a + b, 0) +
      tokBytes;
    await startProvider(choice, onEvent, isolated, threads);
    mllm = await loadMllm(manifest, onEvent).catch((e) => {
      // the reconstruction grid works without it; say why text-to-image is missing
      console.warn('MLLM not loaded:', e);
      return null;
    });
    const after = await store.getStatus();
    if (after.cache !== st.cache) onEvent({ type: 'cache', status: after.cache, reason: after.reason });
    const sm = manifest.sampler;
    return {
      provider,
      scales: manifest.scales.map((s) => s.name),
      steps: sm.steps,
      allowedSteps: sm.allowed_steps ?? Object.keys(sm.schedules).map(Number).sort((a, b) => a - b),
      guidance: sm.guidance,
      imageSize: manifest.image.size,
      textToImage: mllm !== null,
    };
  },

  reconstruct(req: ReconstructRequest, onEvent: EventSink) {
    if (!engine) throw new Error('models are not loaded yet');
    return runJob(() => runReconstruct(req, onEvent), onEvent);
  },

  textToImage(req: TextToImageRequest, onEvent: EventSink) {
    if (!engine) throw new Error('models are not loaded yet');
    if (!mllm) throw new Error('text-to-image needs the MLLM, which this build does not have');
    return runJob(() => runTextToImage(req, onEvent), onEvent);
  },

  variations(req: VariationsRequest, onEvent: EventSink) {
    if (!engine) throw new Error('models are not loaded yet');
    if (!lastT2I || lastT2I.prompt !== req.prompt) throw new Error('generate from this prompt first: variations decode its features again with new seeds');
    return runJob(() => runVariations(req, onEvent), onEvent);
  },

  // issue 5: conditional tasks and understanding (workers/pipeline/tasks.ts)
  async taskInfo() {
    return taskInfo(manifest!, mllm);
  },

  conditional(req: ConditionalRequest, onEvent: EventSink) {
    if (!engine) throw new Error('models are not loaded yet');
    return runJob(() => runConditional(taskContext(), req, onEvent), onEvent);
  },

  understand(req: UnderstandRequest, onEvent: EventSink) {
    if (!engine) throw new Error('models are not loaded yet');
    return runJob(() => runUnderstand(taskContext(), req, onEvent), onEvent);
  },

  cancel() {
    cancelRequested = true;
  },
};

Comlink.expose(api);
