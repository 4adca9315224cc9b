// The WebGPU path on a real GPU, without a browser: Dawn (npm `webgpu`, the WebGPU of Chrome)
// in Node through ../shared/tools/webgpu-device/shim.mjs, onnxruntime-web's WebGPU provider, and
// the page's own pipeline code (workers/lib/engine.ts). Bundled by bench/build-gpu.mjs to run on
// the GPU machine, where only node, Dawn and onnxruntime-web are available.
//   node bench/out/gpu/gpu-bench.mjs MODELS_DIR [steps] [runs] > result.json
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Engine } from '../workers/lib/engine';
import { decoderKey, pickVariant, validateManifest } from '../workers/lib/manifest';
import { blankNCHW, fromNCHW } from '../workers/lib/image';

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
const create = async (key: string) => {
  const v = pickVariant(m.models[key], features, ['float16', 'float32']);
  return ort.InferenceSession.create(new Uint8Array(readFileSync(resolve(modelsDir, v.file))), { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
};
const encoder = await create('encoder');
const decoders: Record<string, Awaited<ReturnType<typeof create>>> = {};
for (const s of m.scales) decoders[s.name] = await create(decoderKey(m, s.name));
const loadMs = performance.now() - t0;
const engine = new Engine(ort as never, m, { encoder, decoders } as never);
// a deterministic non-trivial input (a gradient), the same shape the page feeds
const size = m.image.size;
const x = blankNCHW(size).map((_, i) => ((i % (size * size)) / (size * size)) * 2 - 1);
const order = [...m.scales].reverse().map((s) => s.name);
const out = [];
for (let r = 0; r < runs; r++) {
  const start = performance.now();
  const pyr = await engine.encode(x);
  const encodeMs = performance.now() - start;
  const scales: Record<string, { doneAt: number; stepMs: number[] }> = {};
  for (const sc of order) {
    const stepMs: number[] = [];
    const img = await engine.decode(sc, pyr, { steps, guidance: m.sampler.guidance, seed: 1234 }, { onStep: (_a, _b, ms) => stepMs.push(ms) });
    fromNCHW(img, size, size);
    scales[sc] = { doneAt: performance.now() - start, stepMs };
  }
  out.push({ encodeMs, firstImageMs: scales[order[0]].doneAt, allFiveMs: performance.now() - start, scales });
}
console.log(JSON.stringify({ where: 'node + Dawn (onnxruntime-web WebGPU)', adapter, steps, loadColdMs: loadMs, runs: out }));
process.exit(0);
