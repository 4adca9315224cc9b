// The same pipeline (workers/lib/engine.ts, loaded through Vite's SSR loader so the TypeScript
// is the very code the browser runs) under onnxruntime-node (native CPU: the floor) and
// onnxruntime-web's WASM backend in Node.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer } from 'vite';

const ROOT = resolve(import.meta.dirname, '..');

export async function loadLib() {
  const vite = await createServer({ root: ROOT, configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false }, appType: 'custom', optimizeDeps: { noDiscovery: true } });
  const lib = {
    engine: await vite.ssrLoadModule('/workers/lib/engine.ts'),
    manifest: await vite.ssrLoadModule('/workers/lib/manifest.ts'),
    image: await vite.ssrLoadModule('/workers/lib/image.ts'),
    metrics: await vite.ssrLoadModule('/workers/lib/metrics.ts'),
  };
  return { lib, close: () => vite.close() };
}

function decodePng(file) {
  // samples are PNGs; decode with the browser-free path: use onnx-free tiny decoder via zlib
  return import('./png.mjs').then((m) => m.decodePng(readFileSync(file)));
}

/** Runs load + encoder + five decoders; returns timings in ms. */
export async function benchNode({ ort, name, modelsDir, sample, steps, runs = 2, lib, concurrency = 'sequential', sessionOptions = {} }) {
  const m = lib.manifest.validateManifest(JSON.parse(readFileSync(resolve(modelsDir, 'manifest.json'), 'utf8')));
  const t0 = performance.now();
  const pick = (key) => lib.manifest.pickVariant(m.models[key], new Set(), ['float32', 'int8']);
  const create = async (key) => ort.InferenceSession.create(new Uint8Array(readFileSync(resolve(modelsDir, pick(key).file))), { executionProviders: [name.includes('node') ? 'cpu' : 'wasm'], graphOptimizationLevel: 'all', ...sessionOptions });
  const encoder = await create('encoder');
  const decoders = {};
  for (const s of m.scales) decoders[s.name] = await create(lib.manifest.decoderKey(m, s.name));
  const loadMs = performance.now() - t0;
  const eng = new lib.engine.Engine(ort, m, { encoder, decoders });
  const rgba = await decodePng(sample);
  const prepared = lib.image.prepareImage(rgba, m.image.size);
  const x = lib.image.toNCHW(prepared);
  const order = [...m.scales].reverse().map((s) => s.name);
  const out = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const te = performance.now();
    const pyr = await eng.encode(x);
    const encodeMs = performance.now() - te;
    const scales = {};
    const decodeOne = async (sc) => {
      const stepMs = [];
      const img = await eng.decode(sc, pyr, { steps, guidance: m.sampler.guidance, seed: 1234 }, { onStep: (_s, _n, ms) => stepMs.push(ms) });
      const im = lib.image.fromNCHW(img, m.image.size, m.image.size);
      scales[sc] = { doneAt: performance.now() - start, stepMs, psnr: lib.metrics.psnr(im, prepared) };
    };
    if (concurrency === 'parallel') await Promise.all(order.map(decodeOne));
    else for (const sc of order) await decodeOne(sc);
    out.push({ encodeMs, firstImageMs: scales[order[0]].doneAt, allFiveMs: performance.now() - start, scales });
  }
  for (const s of [encoder, ...Object.values(decoders)]) await s.release?.();
  return { loadMs, runs: out };
}
