// The page's engine (workers/engine/puma-engine.ts, loaded through Vite's SSR loader so the
// TypeScript is the very code the browser runs) under onnxruntime-node (native CPU: the floor)
// and onnxruntime-web's WASM backend in Node.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer } from 'vite';

const ROOT = resolve(import.meta.dirname, '..');

export async function loadLib() {
  const vite = await createServer({ root: ROOT, configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false }, appType: 'custom', optimizeDeps: { noDiscovery: true } });
  const lib = {
    engine: await vite.ssrLoadModule('/workers/engine/puma-engine.ts'),
    files: await vite.ssrLoadModule('/workers/engine/folder-files.ts'),
    timing: await vite.ssrLoadModule('/bench/time-reconstruction.ts'),
    manifest: await vite.ssrLoadModule('/workers/lib/manifest.ts'),
    image: await vite.ssrLoadModule('/workers/lib/image.ts'),
    metrics: await vite.ssrLoadModule('/workers/lib/metrics.ts'),
  };
  return { lib, close: () => vite.close() };
}

function decodePng(file) {
  // samples are PNGs; decoded without a browser by a tiny zlib-based decoder
  return import('./png.mjs').then((m) => m.decodePng(readFileSync(file)));
}

/** Loads the engine and reconstructs `sample` `runs` times; returns timings in ms. */
export async function benchNode({ ort, name, modelsDir, sample, steps, runs = 2, lib, concurrency = 'sequential', sessionOptions = {} }) {
  const m = lib.manifest.validateManifest(JSON.parse(readFileSync(resolve(modelsDir, 'manifest.json'), 'utf8')));
  const t0 = performance.now();
  const engine = await lib.engine.PumaEngine.load({
    ort,
    manifest: m,
    files: lib.files.filesFromFolder(modelsDir),
    provider: name.includes('node') ? 'cpu' : 'wasm',
    mllm: false,
    sessionOptions,
    yieldAtCheckpoints: false,
  });
  const loadMs = performance.now() - t0;
  const rgba = await decodePng(sample);
  const order = lib.manifest.coarseToFine(m);
  const out = [];
  for (let r = 0; r < runs; r++) {
    if (concurrency === 'parallel') out.push(await allDecodersAtOnce(engine, lib, rgba, order, steps));
    else out.push(await lib.timing.timeReconstruction(engine, rgba, order, steps));
  }
  engine.release();
  return { loadMs, runs: out };
}

/** The worker-sharing experiment: the five decoders run concurrently on the engine's codec
 * (the engine itself runs one scale at a time, as the page does). */
async function allDecodersAtOnce(engine, lib, rgba, order, steps) {
  const m = engine.manifest;
  const prepared = lib.image.prepareImage(rgba, m.image.size);
  const start = performance.now();
  const pyr = await engine.codec.encode(lib.image.toNCHW(prepared));
  const encodeMs = performance.now() - start;
  const scales = {};
  await Promise.all(
    order.map(async (sc) => {
      const stepMs = [];
      const img = await engine.codec.decode(sc, pyr, { steps, guidance: m.sampler.guidance, seed: 1234 }, { onStep: (_s, _n, ms) => stepMs.push(ms) });
      scales[sc] = { doneAt: performance.now() - start, stepMs, psnr: lib.metrics.psnr(lib.image.fromNCHW(img, m.image.size, m.image.size), prepared) };
    }),
  );
  return { encodeMs, firstImageMs: scales[order[0]].doneAt, allFiveMs: performance.now() - start, scales };
}
