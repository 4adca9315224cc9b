// The WebGPU path on a real GPU, without a browser: Dawn (npm `webgpu`, the WebGPU of Chrome)
// in Node through ../shared/tools/webgpu-device/shim.mjs, onnxruntime-web's WebGPU provider, and
// the page's own engine (workers/engine/puma-engine.ts) running the reconstruct task. Bundled by
// bench/build-gpu.mjs to run on the GPU machine, where only node, Dawn and onnxruntime-web are
// available.
//   node bench/out/gpu/gpu-bench.mjs MODELS_DIR [steps] [runs] [options] > result.json
// Options (each a separate process gives a fresh cold start):
//   --configs cpu,gpu,gpu+capture   decode loops to measure, one engine each, in this order
//                                   (cpu: DDIM on the CPU, v read back every step; gpu: the
//                                   ddim_step graph keeps the loop on the GPU; +capture: graph capture)
//   --threads N        ort.env.wasm.numThreads (default: onnxruntime-web's choice)
//   --opt-level L      graphOptimizationLevel: disabled | basic | extended | all (default all)
//   --scales f4,f3     decode only these (default: all, coarse to fine; a quick check on SwiftShader)
//   --tiny-first       create and run the 1 KB ddim_step graph before anything else, so the cold
//                      start splits into the once-per-process cost (the first GPU read-back) and
//                      per-model cost
//   --t2i              text-to-image instead of reconstruction (issue 19 item 2): the engine loads
//                      the MLLM too, on WebGPU with its KV cache in GPU buffers (--mllm wasm: on
//                      WASM, for comparison); each run reports the MLLM's own time (its calls),
//                      the first image and all five, and the plan it wrote
//   --prompt TEXT      the text-to-image prompt (default "red apple", as bench/gpu_torch.py --t2i)
//   --plan TEXT        draw this plan (fed in one call, as after a chip click) instead of writing one
//                      token by token: fewer MLLM calls, for a quick end-to-end check on SwiftShader
//   --no-drafts        the plan written one call per token (PumaEngine planDrafts: false), the
//                      baseline of the drafted plan the engine writes by default (the same plan)
//   --settle           before the first run, wait for the engine's background session creations
//                      (later decoders, the captured MLLM's sessions): a user who types first
//   --no-warm-up       no warm-up runs of the encoder and first decoder during the load (PumaEngine warmUp:
//                      the page's default on a real GPU is on)
//   --no-mllm-capture  the MLLM's WebGPU graph run without graph capture (PumaEngine mllmCapture:
//                      false), the baseline of the captured MLLM (workers/mllm/captured-graph.ts);
//                      a captured call's MLLM time counts its session run, not the copies and the
//                      read-back after it (allFiveMs counts everything)
// The first engine's load is the cold start, broken down per model: file read, session creation;
// every run is timed, so run 0 (shader compilation, capture) shows apart from the steady state.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { PumaEngine, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import { coarseToFine, validateManifest } from '../workers/lib/manifest';
import type { GpuDecodeChoice, InferenceSession, OrtLike } from '../workers/engine/ort';
import { timeReconstruction } from './time-reconstruction';
import { timeTextToImage } from './time-text-to-image';

const argv = process.argv.slice(2);
const flag = (k: string) => argv.includes(k);
const opt = (k: string) => (flag(k) ? argv[argv.indexOf(k) + 1] : undefined);
const firstFlag = argv.findIndex((a) => a.startsWith('--'));
const [modelsDir, stepsArg, runsArg] = firstFlag < 0 ? argv : argv.slice(0, firstFlag);
const configs = (opt('--configs') ?? 'gpu').split(',').map((c): [string, GpuDecodeChoice] => {
  if (!['cpu', 'gpu', 'gpu+capture'].includes(c)) throw new Error(`--configs: unknown "${c}" (cpu, gpu, gpu+capture)`);
  return [c, { loop: c === 'cpu' ? 'cpu' : 'gpu', graphCapture: c === 'gpu+capture' }];
});
const t2i = flag('--t2i');
const prompt = opt('--prompt') ?? 'red apple';
const givenPlan = opt('--plan');
const planDrafts = !flag('--no-drafts');
const mllmCapture = !flag('--no-mllm-capture');
const mllmOn = (opt('--mllm') ?? 'webgpu') as 'webgpu' | 'wasm';
if (!['webgpu', 'wasm'].includes(mllmOn)) throw new Error(`--mllm: webgpu or wasm, not "${mllmOn}"`);
const optLevel = opt('--opt-level') as 'disabled' | 'basic' | 'extended' | 'all' | undefined;

const tStart = performance.now();
const shimUrl = new URL('./shim.mjs', import.meta.url);
const shim = await import(shimUrl.href);
// which shim ran (it changed how the cold start behaves: issue 19)
const shimSha256 = createHash('sha256').update(readFileSync(shimUrl)).digest('hex').slice(0, 12);
const ort = await import('onnxruntime-web/webgpu');
ort.env.logLevel = (process.env.ORT_LOG_LEVEL as typeof ort.env.logLevel) ?? 'error';
if (opt('--threads')) ort.env.wasm.numThreads = Number(opt('--threads'));
const importMs = performance.now() - tStart;
const adapter = await shim.describeAdapter();
const m = validateManifest(JSON.parse(readFileSync(resolve(modelsDir, 'manifest.json'), 'utf8')));
const steps = Number(stepsArg ?? m.sampler.steps);
const runs = Number(runsArg ?? 3);
const features = new Set<string>(adapter?.shaderF16 ? ['shader-f16'] : []);
const sessionOptions: InferenceSession.SessionOptions = optLevel ? { graphOptimizationLevel: optLevel } : {};

// the cold start, per model: reading the file, creating its session
interface ModelTiming { file: string; readMs?: number; createMs?: number }
let timings: ModelTiming[] = [];
const files = filesFromFolder(modelsDir);
const timedFiles: ModelFiles = {
  async read(v, onProgress) {
    const t0 = performance.now();
    const b = await files.read(v, onProgress);
    timings.push({ file: v.file, readMs: performance.now() - t0 });
    fileBySize.set(b.byteLength, v.file);
    return b;
  },
};
const fileBySize = new Map<number, string>();
// the MLLM's own time: every call of a session made with the MLLM's options (ort.ts
// mllmSessionOptions, the only ones with this key), a WASM one after a fallback included
const mllmTotals = { ms: 0, calls: 0 };
const isMllm = (o?: InferenceSession.SessionOptions) => !!(o?.extra as { session?: Record<string, string> } | undefined)?.session?.qdq_matmulnbits_accuracy_level;
function timeMllmCalls(s: InferenceSession): InferenceSession {
  const run = s.run.bind(s);
  return Object.assign(s, {
    run: (async (...a: Parameters<typeof run>) => {
      const t0 = performance.now();
      try {
        return await run(...a);
      } finally {
        mllmTotals.ms += performance.now() - t0;
        mllmTotals.calls++;
      }
    }) as typeof s.run,
  });
}
const timedOrt: OrtLike = Object.assign(Object.create(null), ort, {
  InferenceSession: {
    async create(bytes: Uint8Array, o?: InferenceSession.SessionOptions) {
      const t0 = performance.now();
      const made = await ort.InferenceSession.create(bytes, o);
      const s = isMllm(o) ? timeMllmCalls(made) : made;
      const entry = timings.find((t) => t.file === fileBySize.get(bytes.byteLength) && t.createMs === undefined);
      if (entry) entry.createMs = performance.now() - t0;
      else timings.push({ file: `${bytes.byteLength} bytes`, createMs: performance.now() - t0 });
      return s;
    },
  },
});

let tinyFirstMs: number | undefined;
if (flag('--tiny-first')) {
  const entry = Object.values(m.models).find((e) => e.role === 'sampler')!;
  const t0 = performance.now();
  const s = await ort.InferenceSession.create(new Uint8Array(readFileSync(resolve(modelsDir, entry.variants![0].file))), { executionProviders: ['webgpu'] });
  const feeds = Object.fromEntries(entry.inputs!.map((i) => {
    const dims = i.shape as number[];
    return [i.name, new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims)];
  }));
  await (await s.run(feeds))[entry.outputs![0].name].getData();
  tinyFirstMs = performance.now() - t0;
  console.error(`[gpu-bench] tiny-first: ${tinyFirstMs.toFixed(0)} ms`);
  await s.release();
}

// a deterministic non-trivial input (a gradient), the same size the page feeds
const size = m.image.size;
const data = new Uint8ClampedArray(size * size * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.round(((Math.floor(i / 4) % (size * size)) / (size * size)) * 255)));
const records = [];
for (const [name, gpuDecode] of configs) {
  timings = [];
  const t0 = performance.now();
  const engine = await PumaEngine.load({ ort: timedOrt, manifest: m, files: timedFiles, provider: 'webgpu', features, mllm: t2i, mllmAt: { provider: mllmOn }, yieldAtCheckpoints: false, gpuDecode, sessionOptions, planDrafts, mllmCapture, warmUp: !flag('--no-warm-up') });
  const loadMs = performance.now() - t0;
  let settleMs: number | undefined;
  if (flag('--settle')) {
    const t1 = performance.now();
    await engine.backgroundDone();
    settleMs = performance.now() - t1;
  }
  if (t2i && !engine.mllm) throw new Error('--t2i: the MLLM did not load (see the warning above)');
  const scales = opt('--scales')?.split(',') ?? coarseToFine(m);
  const out = [];
  for (let r = 0; r < runs; r++) {
    out.push(t2i ? await timeTextToImage(engine, prompt, scales, steps, () => ({ ...mllmTotals }), givenPlan) : await timeReconstruction(engine, { width: size, height: size, data }, scales, steps));
  }
  // where the MLLM ran in the end (a failed WebGPU call moves it to WASM: engine.mllmWhere says why)
  const mllmWhere = t2i ? engine.mllmWhere() : undefined;
  // whether the MLLM ran captured to the end (a failed captured call leaves capture: the reason)
  const mllmCaptured = t2i ? { asked: mllmCapture, ...engine.mllm!.capture } : undefined;
  engine.release();
  // what actually ran: capture can be refused at session creation or given up mid-run (fallback)
  const loop = engine.codec.gpuLoop;
  records.push({ config: name, task: t2i ? 'text-to-image' : 'reconstruct', ...(t2i ? { prompt, givenPlan, planDrafts, mllmWhere, mllmCaptured } : {}), gpuDecode, gpuLoopActive: loop !== null, captureActive: loop?.captured ?? false, captureFailure: loop?.captureFailure ?? null, encoderFixedBatch: engine.codec.gpuEncoder !== null, encoderCaptured: engine.codec.gpuEncoder?.captured ?? false, encoderCaptureFailure: engine.codec.gpuEncoder?.captureFailure ?? null, loadMs, settleMs, models: timings, runs: out });
  const mllmNote = t2i ? `, MLLM (${mllmWhere?.provider}${mllmCaptured?.active ? ', captured' : ''}) ${out.map((o) => ('mllmMs' in o ? o.mllmMs.toFixed(0) : '?')).join(' / ')} ms` : '';
  console.error(`[gpu-bench] ${name}${t2i ? ' text-to-image' : ''}: load ${loadMs.toFixed(0)} ms, all five ${out.map((o) => o.allFiveMs.toFixed(0)).join(' / ')} ms${mllmNote}`);
}
console.log(
  JSON.stringify({
    where: 'node + Dawn (onnxruntime-web WebGPU)',
    adapter,
    shimSha256,
    steps,
    options: { threads: ort.env.wasm.numThreads ?? 'default', optLevel: optLevel ?? 'all', tinyFirst: flag('--tiny-first') },
    coldStart: { importMs, tinyFirstMs, firstEngineLoadMs: records[0]?.loadMs, processMs: performance.now() - tStart },
    records,
  }),
);
process.exit(0);
