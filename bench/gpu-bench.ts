// The WebGPU path on a real GPU, without a browser: Dawn (npm `webgpu`, the WebGPU of Chrome)
// in Node through ../shared/tools/webgpu-device/shim.mjs, onnxruntime-web's WebGPU provider, and
// the page's own engine (workers/engine/puma-engine.ts) running the reconstruct task. Bundled by
// bench/build-gpu.mjs to run on the GPU machine, where only node, Dawn and onnxruntime-web are
// available.
//   node bench/out/gpu/gpu-bench.mjs MODELS_DIR [steps] [runs] > result.json
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PumaEngine } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import { coarseToFine, validateManifest } from '../workers/lib/manifest';
import { timeReconstruction } from './time-reconstruction';

const [modelsDir, stepsArg, runsArg] = process.argv.slice(2);
const shim = await import(new URL('./shim.mjs', import.meta.url).href);
const ort = await import('onnxruntime-web/webgpu');
ort.env.logLevel = 'error';
const adapter = await shim.describeAdapter();
const m = validateManifest(JSON.parse(readFileSync(resolve(modelsDir, 'manifest.json'), 'utf8')));
const steps = Number(stepsArg ?? m.sampler.steps);
const runs = Number(runsArg ?? 3);
const features = new Set<string>(adapter?.shaderF16 ? ['shader-f16'] : []);
const t0 = performance.now();
const engine = await PumaEngine.load({ ort, manifest: m, files: filesFromFolder(modelsDir), provider: 'webgpu', features, mllm: false, yieldAtCheckpoints: false });
const loadMs = performance.now() - t0;
// a deterministic non-trivial input (a gradient), the same size the page feeds
const size = m.image.size;
const data = new Uint8ClampedArray(size * size * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.round(((Math.floor(i / 4) % (size * size)) / (size * size)) * 255)));
const out = [];
for (let r = 0; r < runs; r++) out.push(await timeReconstruction(engine, { width: size, height: size, data }, coarseToFine(m), steps));
console.log(JSON.stringify({ where: 'node + Dawn (onnxruntime-web WebGPU)', adapter, steps, loadColdMs: loadMs, runs: out }));
process.exit(0);
