// Does the GPU-resident decode loop draw the same image as the CPU loop? One pyramid (the
// encoder on a fixed gradient) is decoded on one WebGPU device by three engines: DDIM on the CPU
// (v read back every step), the ddim_step graph on the GPU, and the same with graph capture
// (decoded twice: the capture run, then a replay). The GPU-loop engines also encode the image
// again (their encoder one image a run, captured with the decoders) against the CPU-loop engine's
// features. Prints JSON; exits 1 when any image differs from the CPU loop's by more than the
// tolerance (or the features by more than theirs). Bundled by bench/build-gpu.mjs.
//   node bench/out/gpu/gpu-loop-parity.mjs MODELS_DIR [steps] [scales] > parity.json
// ORT_LOG_LEVEL=verbose prints onnxruntime's node placements (which nodes run on the CPU).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PumaEngine } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import { coarseToFine, validateManifest } from '../workers/lib/manifest';
import { prepareImage, toNCHW } from '../workers/lib/image';
import type { GpuDecodeChoice, InferenceSession } from '../workers/engine/ort';

/** Max |GPU loop - CPU loop| on x0 in [-1,1]: a quarter of one 8-bit level (2/255). Both loops
 * run the same decoder kernels; only the DDIM update's float rounding differs (fp32 on the GPU,
 * doubles rounded to fp32 in JS), and the decoder carries that through the later steps. */
const TOLERANCE = 0.5 / 255;
/** Max |difference| of the encoder's features (roughly unit scale) between its GPU-loop session (batch
 * fixed at one, captured with the decoders: gpu-encoder.ts) and the CPU-loop engine's (batch free):
 * the same fp32 graph, kernels summing in another order */
const ENCODER_TOLERANCE = 1e-3;

const [modelsDir, stepsArg, scalesArg] = process.argv.slice(2);
const shim = await import(new URL('./shim.mjs', import.meta.url).href);
const ort = await import('onnxruntime-web/webgpu');
const logLevel = (process.env.ORT_LOG_LEVEL as typeof ort.env.logLevel) ?? 'error';
ort.env.logLevel = logLevel;
const adapter = await shim.describeAdapter();
const m = validateManifest(JSON.parse(readFileSync(resolve(modelsDir, 'manifest.json'), 'utf8')));
const steps = Number(stepsArg ?? m.sampler.steps);
const scales = scalesArg ? scalesArg.split(',') : coarseToFine(m);
const features = new Set<string>(adapter?.shaderF16 ? ['shader-f16'] : []);
const sessionOptions: InferenceSession.SessionOptions = logLevel === 'verbose' ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {};
// every decoder created before the script decodes: it calls the codec directly, outside the engine's
// runs, so the engine's own creation of the later decoders (one job at a time, outside runs) would
// otherwise overlap its decodes, and onnxruntime-web does not take a session creation beside a run
// (2026-12-02 on the H200: "memory access out of bounds" creating f3)
const load = async (gpuDecode: GpuDecodeChoice) => {
  const engine = await PumaEngine.load({ ort, manifest: m, files: filesFromFolder(modelsDir), provider: 'webgpu', features, mllm: false, yieldAtCheckpoints: false, gpuDecode, sessionOptions });
  for (const s of coarseToFine(m)) await engine.codec.decoder(s);
  return engine;
};

const size = m.image.size;
const data = new Uint8ClampedArray(size * size * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.round(((Math.floor(i / 4) % (size * size)) / (size * size)) * 255)));
const cpu = await load({ loop: 'cpu', graphCapture: false });
const pyr = await cpu.codec.encode(toNCHW(prepareImage({ width: size, height: size, data }, size)));
const sampler = { steps, guidance: m.sampler.guidance, seed: 1234 };
const results: { scale: string; config: string; maxAbs: number; ms: number; ok: boolean; captured?: boolean; captureFailure?: string | null }[] = [];
const refs: Record<string, Float32Array> = {};
for (const s of scales) {
  const t0 = performance.now();
  refs[s] = await cpu.codec.decode(s, pyr, sampler);
  results.push({ scale: s, config: 'cpu (reference)', maxAbs: 0, ms: performance.now() - t0, ok: true });
  console.error(`[parity] ${s} cpu loop ${(performance.now() - t0).toFixed(0)} ms`);
}
cpu.release();
for (const [config, choice, repeats] of [
  ['gpu', { loop: 'gpu', graphCapture: false }, 1],
  ['gpu+capture', { loop: 'gpu', graphCapture: true }, 2],
] as const) {
  const engine = await load(choice);
  if (!engine.codec.gpuLoop) throw new Error(`${config}: the GPU loop is not active (no ddim_step graph in the manifest?)`);
  if (!engine.codec.gpuEncoder) throw new Error(`${config}: the encoder does not run one image a run (gpu-encoder.ts)`);
  for (let r = 0; r < repeats; r++) {
    // the same image as the reference pyramid: the first encode also runs the blank image, in a run of its own
    const t0 = performance.now();
    const p = await engine.codec.encode(toNCHW(prepareImage({ width: size, height: size, data }, size)));
    const ms = performance.now() - t0;
    let maxAbs = 0;
    for (const s of scales) for (const k of ['cond', 'uncond'] as const) for (let i = 0; i < p[k][s].length; i++) maxAbs = Math.max(maxAbs, Math.abs(p[k][s][i] - pyr[k][s][i]));
    const name = repeats > 1 ? `${config} run ${r}` : config;
    results.push({ scale: 'encoder', config: name, maxAbs, ms, ok: maxAbs <= ENCODER_TOLERANCE, captured: engine.codec.gpuEncoder.captured, captureFailure: engine.codec.gpuEncoder.captureFailure });
    console.error(`[parity] encoder ${name}: max |diff| ${maxAbs.toExponential(2)} (${ms.toFixed(0)} ms)`);
  }
  for (const s of scales) {
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      const x = await engine.codec.decode(s, pyr, sampler);
      const ms = performance.now() - t0;
      let maxAbs = 0;
      for (let i = 0; i < x.length; i++) maxAbs = Math.max(maxAbs, Math.abs(x[i] - refs[s][i]));
      const name = repeats > 1 ? `${config} run ${r}` : config;
      // captured: whether capture was still on after this decode (the loop falls back without it)
      results.push({ scale: s, config: name, maxAbs, ms, ok: maxAbs <= TOLERANCE && x.length === refs[s].length, captured: engine.codec.gpuLoop.captured, captureFailure: engine.codec.gpuLoop.captureFailure });
      console.error(`[parity] ${s} ${name}: max |diff| ${maxAbs.toExponential(2)} (${ms.toFixed(0)} ms)`);
    }
  }
  engine.release();
}
const ok = results.every((r) => r.ok);
console.log(JSON.stringify({ adapter, steps, tolerance: TOLERANCE, encoderTolerance: ENCODER_TOLERANCE, ok, results }));
process.exit(ok ? 0 : 1);
