// Loading a PumaEngine in a browser (worker or page): the manifest from the site (network first,
// cached copy when offline), model files through the verified ModelStore cache, the execution
// provider chosen from the adapter, and GPU device loss watched.
import { validateManifest, type Manifest } from '../lib/manifest';
import { ModelStore } from '../lib/modelstore';
import { chooseProvider, configureWasm, startRuntime, wasmThreads, webgpuDevice, webOrtFor, type ProviderChoice, type WebOrt } from './ort';
import type { LoadOptions, LoadSink, MllmPlace, RuntimeStartTimes } from './protocol';
import type { EngineLoaded } from './engine-api';
import { PumaEngine, type ModelFiles } from './puma-engine';

async function fetchManifest(url: string): Promise<Manifest> {
  let cache: Cache | null = null;
  try {
    cache = await caches.open('puma-manifest-v1');
  } catch {
    cache = null;
  }
  try {
    // network first: a redeploy must be seen
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

/** The page's view of where the MLLM runs (the engine's 'cpu' is onnxruntime-node's, not the page's). */
function mllmPlaceOf(engine: PumaEngine): MllmPlace | undefined {
  const w = engine.mllmWhere();
  return w ? { provider: w.provider === 'webgpu' ? 'webgpu' : 'wasm', reason: w.reason } : undefined;
}

interface Started {
  choice: ProviderChoice;
  ort: WebOrt;
  threads: number;
  /** onnxruntime's runtime starting (startRuntime): the engine's first session waits for it */
  runtime: Promise<RuntimeStartTimes>;
}

let started: { key: string; value: Promise<Started> } | null = null;

/**
 * The provider for `ep`, its onnxruntime build and that runtime's start (a one-node session), begun
 * at most once per worker and choice: by the page's `prepare` while it boots (before it asks for the
 * load), or by the load itself. Either way it goes on beside the manifest's fetch and the model
 * files' reads, so the encoder's session no longer starts the runtime. A start that failed is
 * forgotten (the next load tries again); the load it was for reports it.
 */
export function startProvider(opts: Pick<LoadOptions, 'ep' | 'baseUrl' | 'threads'>): Promise<Started> {
  const key = `${opts.ep} ${opts.threads ?? ''} ${opts.baseUrl}`;
  if (started?.key === key) return started.value;
  const at = performance.now();
  const value = chooseProvider(opts.ep).then(async (choice) => {
    const chosen = performance.now();
    // the build the provider needs (WASM alone: the WASM-only build, ~3x faster kernels than JSEP's)
    const ort = await webOrtFor(choice.provider);
    const imported = performance.now();
    const threads = wasmThreads(opts.threads);
    configureWasm(ort, opts.baseUrl, choice, threads);
    const runtime = startRuntime(ort, choice.provider).then((parts) => ({ at, adapterMs: chosen - at, importMs: imported - chosen, ...parts }));
    return { choice, ort, threads, runtime };
  });
  const entry = { key, value };
  started = entry;
  const forget = () => {
    if (started === entry) started = null;
  };
  value.then((s) => s.runtime.catch(forget), forget);
  return value;
}

/** The engine, once its encoder and the first image's decoder exist (the other decoders follow,
 * PumaEngine.load); `rest` is the MLLM's load, which goes on after (its end is the stream's last
 * event, 'mllm-loaded'). */
export async function loadEngineInBrowser(opts: LoadOptions, onEvent: LoadSink): Promise<EngineLoaded> {
  const t0 = performance.now();
  const store = new ModelStore(opts.noCache ? { cache: null } : {});
  const starting = startProvider(opts);
  const manifest = await fetchManifest(new URL('models/manifest.json', opts.baseUrl).href);
  onEvent({ type: 'manifest', manifest });
  const st = await store.getStatus();
  onEvent({ type: 'cache', status: st.cache, reason: st.reason });
  const { choice, ort, threads, runtime } = await starting;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const files: ModelFiles = { read: (v, onProgress) => store.load(new URL(`models/${v.file}`, opts.baseUrl).href, v.sha256, v.bytes, onProgress) };
  // the MLLM on WebGPU only on a real GPU: on a CPU-emulated adapter (forced with ep=webgpu) its
  // many small calls are far slower than WASM
  const mllmAt = choice.provider !== 'webgpu' ? { provider: 'wasm' as const } : choice.emulated ? { provider: 'wasm' as const, reason: 'the WebGPU adapter is CPU-emulated; WASM is faster for it' } : { provider: 'webgpu' as const };
  const engine = await PumaEngine.load({ ort, manifest, files, provider: choice.provider, features: choice.features, mllmAt, mllm: 'background', runtime, onEvent, warmUp: opts.warmUp !== false && choice.provider === 'webgpu' && !choice.emulated });
  if (choice.provider === 'webgpu') {
    const device = await webgpuDevice(ort);
    // reachable from devtools / e2e (Playwright's worker.evaluate) to exercise device loss
    (globalThis as { __pumaGpuDevice?: unknown }).__pumaGpuDevice = device;
    if (device) engine.watchDeviceLoss(device.lost);
  }
  onEvent({ type: 'provider', provider: choice.provider, reason: choice.reason, adapter: choice.adapter, threads, isolated, shaderF16: choice.features.has('shader-f16'), mllm: mllmPlaceOf(engine) });
  onEvent({ type: 'loaded', ms: performance.now() - t0, fromCache: engine.fromCache, bytes: engine.bytes, phases: { ...engine.loadPhases }, runtimeStart: await runtime });
  return {
    engine,
    async rest() {
      if (engine.mllmStatus() !== 'none') {
        const r = await engine.mllmLoaded();
        onEvent({ type: 'mllm-loaded', ok: r.ok, reason: r.reason, ms: performance.now() - t0, mllm: mllmPlaceOf(engine), fromCache: engine.fromCache, phases: { ...engine.loadPhases } });
      }
      const after = await store.getStatus();
      if (after.cache !== st.cache) onEvent({ type: 'cache', status: after.cache, reason: after.reason });
    },
  };
}
