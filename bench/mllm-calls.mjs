#!/usr/bin/env node
// What one MLLM call costs in kernels and time, on WASM or on WebGPU under Node (issue 19 item 2:
// the per-call time on a GPU is the dispatch count). One text-to-image generation with a given
// plan (prefill, then one call per scale) through the page's own placement (mllm-placement.ts:
// on WebGPU the KV cache stays in GPU buffers) and generator, run --runs times after one warm-up
// run (which pays the shader compilation on WebGPU). Reports:
//   with --nodes, only onnxruntime's node placement after its graph optimizations (on stderr, from
//           a verbose session: `--nodes 2>&1 >/dev/null | grep 'placed on'`): how many nodes of one
//           call run on the GPU EP and on the CPU EP; otherwise:
//   dispatches: compute dispatches per call (WebGPU only; GPUComputePassEncoder.dispatchWorkgroups
//           counted over the timed runs): a node may dispatch several kernels (MultiHeadAttention)
//           or none (a Reshape);
//   perCallMs: the timed runs' median call time, and each call's (calls differ in length).
//   node bench/mllm-calls.mjs [modelsDir] --provider wasm|webgpu [--threads 2] [--runs 1]
//        [--scales f4,f3,f2] [--native] [--nodes] [--prompt "red apple"] [--plan "apple | noto | none"]
// WebGPU here is Dawn on SwiftShader (tests/webgpu-node.ts): the counts hold for any adapter, the
// times do not (CPU emulation). --native: onnxruntime-web/webgpu (the GPU bench's build, the
// native WebGPU EP) instead of the page's JSEP build.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer } from 'vite';
import { ROOT, args, opt } from './cli.mjs';

const dir = resolve(args[0] && !args[0].startsWith('--') ? args[0] : resolve(ROOT, 'public/models'));
const provider = opt('--provider', 'wasm');
// the page's bundle under Node runs single-threaded (tests/webgpu-node.ts)
const threads = Number(opt('--threads', opt('--provider', 'wasm') === 'webgpu' ? 1 : 2));
const runs = Number(opt('--runs', 1));
const native = args.includes('--native');
const prompt = opt('--prompt', 'red apple');
if (!['wasm', 'webgpu'].includes(provider)) throw new Error(`--provider: wasm or webgpu, not ${provider}`);

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const vite = await createServer({ root: ROOT, configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false }, appType: 'custom', optimizeDeps: { noDiscovery: true } });
let gpu = null;
try {
  let ort;
  let dispatches = 0;
  if (provider === 'webgpu') {
    const node = await vite.ssrLoadModule('/tests/webgpu-node.ts');
    gpu = await node.webgpuOnSwiftShader();
    ort = native ? gpu.ort : await node.pageOrtOnWebGpu();
    const enc = globalThis.GPUComputePassEncoder.prototype;
    const dispatch = enc.dispatchWorkgroups;
    enc.dispatchWorkgroups = function (...a) {
      dispatches++;
      return dispatch.apply(this, a);
    };
  } else {
    ort = await import('onnxruntime-web');
  }
  ort.env.wasm.numThreads = threads;
  const man = JSON.parse(readFileSync(resolve(dir, 'manifest.json'), 'utf8'));
  const spec = man.mllm;
  const scales = (opt('--scales', spec.image_order.join(','))).split(',');
  const plan = opt('--plan', spec.plan ? null : undefined);
  const { mllmFromFolder } = await vite.ssrLoadModule('/workers/engine/folder-files.ts');
  const { placeMllm } = await vite.ssrLoadModule('/workers/engine/mllm-placement.ts');
  const { MllmGenerator } = await vite.ssrLoadModule('/workers/mllm/generate.ts');
  const files = await mllmFromFolder(dir, man);
  if (args.includes('--nodes')) {
    // the node placement only: the session logs verbosely at creation (to stderr, where onnxruntime's
    // wasm module writes: "Node(s) placed on [EP]. Number of nodes: N"); a verbose session would
    // also log every kernel it runs, so the timing runs are a separate invocation
    ort.env.logLevel = 'verbose';
    const verbose = { ...ort, InferenceSession: { create: (m, o) => ort.InferenceSession.create(m, { ...o, logSeverityLevel: 0, logVerbosityLevel: 0 }) } };
    (await placeMllm(verbose, { provider }, files.graphs, files.tokenizer, spec)).placed?.release();
    out({ dir, provider, nodes: 'on stderr' });
    process.exit(0);
  }
  const placed = await placeMllm(ort, { provider }, files.graphs, files.tokenizer, spec);
  if (placed.where.provider !== provider) throw new Error(`the MLLM landed on ${placed.where.provider}: ${placed.where.reason}`);
  const session = placed.sessions.single;
  const times = [];
  let timing = false;
  const timed = {
    async run(f) {
      const t0 = performance.now();
      const r = await session.run(f);
      // a call is done when its outputs are usable: logits/features are read back already; the KV
      // cache stays where it is (on the GPU)
      if (timing) times.push(performance.now() - t0);
      return r;
    },
  };
  const gen = new MllmGenerator(ort, spec, placed.tokenizer, { single: timed });
  // a given plan: the call count does not depend on what the model writes
  const givenPlan = plan ?? (spec.plan ? 'apple | noto | none' : undefined);
  const once = () => gen.generateImage('t2i', { text: prompt, scales, ...(givenPlan ? { plan: givenPlan, planCandidates: 0 } : {}) });
  await once(); // warm-up: shader compilation, first allocations
  dispatches = 0;
  timing = true;
  for (let r = 0; r < runs; r++) await once();
  const calls = times.length;
  const sorted = [...times].sort((a, b) => a - b);
  out({
    dir, provider, build: provider === 'webgpu' ? (native ? 'onnxruntime-web/webgpu (native WebGPU EP)' : 'onnxruntime-web (JSEP, the page)') : 'onnxruntime-web (WASM)',
    adapter: gpu?.adapter, threads, scales, plan: givenPlan ?? null,
    callsPerRun: calls / runs, dispatchesPerCall: provider === 'webgpu' ? Math.round(dispatches / calls) : undefined,
    perCallMs: Math.round(sorted[Math.floor(sorted.length / 2)] * 10) / 10, meanCallMs: Math.round((times.reduce((a, b) => a + b, 0) / calls) * 10) / 10,
    callsMs: times.map((t) => Math.round(t)), runs,
  });
  placed.placed?.release();
} finally {
  gpu?.stop();
  await vite.close();
}
process.exit(0);
