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
import { WEBGPU_FAILED, type EventSink, type InitOptions, type InitResult, type PipelineApi, type Provider, type ReconstructRequest } from './protocol';

class CancelledError extends Error {}

ort.env.logLevel = 'error'; // node-assignment warnings are expected (shape ops on CPU)

let manifest: Manifest | null = null;
let engine: Engine | null = null;
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
  const done = new Map<string, number>();
  let fromCache = true;
  const buffers = await Promise.all(
    variants.map((v, i) =>
      store!.load(new URL(`models/${v.file}`, baseUrl).href, v.sha256, v.bytes, (p) => {
        if (p.source === 'network') fromCache = false;
        done.set(v.file, p.loaded);
        let totalLoaded = 0;
        done.forEach((x) => (totalLoaded += x));
        onEvent({ type: 'load', model: names[i], file: v.file, loaded: p.loaded, total: p.total, source: p.source, totalLoaded, totalBytes });
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
    await startProvider(choice, onEvent, isolated, threads);
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
    };
  },

  async reconstruct(req: ReconstructRequest, onEvent: EventSink) {
    if (!engine) throw new Error('models are not loaded yet');
    cancelRequested = true; // a second request supersedes the first
    await running.catch(() => undefined);
    cancelRequested = false;
    const job = (async () => {
      try {
        return await runReconstruct(req, onEvent);
      } catch (e) {
        if (e instanceof CancelledError) {
          onEvent({ type: 'cancelled' });
          return 'cancelled' as const;
        }
        if (provider === 'webgpu') {
          // device lost or a WebGPU kernel failed mid-run: the page moves to a fresh WASM worker
          await releaseEngine();
          throw new Error(`${WEBGPU_FAILED}${deviceLost ? `GPU device lost (${deviceLost})` : `WebGPU run failed: ${(e as Error).message}`}`);
        }
        throw e;
      }
    })();
    running = job;
    return job;
  },

  cancel() {
    cancelRequested = true;
  },
};

Comlink.expose(api);
