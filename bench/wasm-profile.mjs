#!/usr/bin/env node
// Where a decoder step's time goes on onnxruntime-web's WASM backend against onnxruntime-node
// (native CPU), on the same model and inputs, per operator type (onnxruntime's own profiler in
// both), and how session options move the total. Variants are interleaved round by round so a
// machine shared with other work affects them alike; compare ratios within one run.
//   node bench/wasm-profile.mjs [--model decoder_f0] [--batch 1] [--web-threads 1|2] [--rounds 3] [--runs 5] [--out bench/results]
// Variants: web-wasm with 1 and 2 threads, with/without the batch override (freeDimensionOverrides
// of the batch, as the engine sets for the GPU loop), graphOptimizationLevel all vs extended vs basic, and
// onnxruntime-node (2 threads). Writes <out>/wasm-profile-<host>-<date>.json and prints a summary.
import fs, { readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import os from 'node:os';
import { ROOT, args, opt } from './cli.mjs';
// the page's options for int8-stored weights (workers/engine/ort.ts): DequantizeLinear folded at creation
const PAGE_EXTRA = { extra: { session: { disable_quant_qdq: '1' } } };

const modelName = opt('--model', 'decoder_f0');
const rounds = Number(opt('--rounds', 3));
const runs = Number(opt('--runs', 5));
const outDir = resolve(ROOT, opt('--out', 'bench/results'));
const modelsDir = resolve(process.env.PUMA_MODELS_DIR ?? resolve(ROOT, 'public/models'));
const manifest = JSON.parse(readFileSync(resolve(modelsDir, 'manifest.json'), 'utf8'));
const entry = manifest.models[modelName];
const bytes = new Uint8Array(readFileSync(resolve(modelsDir, entry.variants[0].file)));
const batchDim = entry.inputs[0].shape[0];
// 2: the (cond, uncond) pair; 1: a guidance-distilled decoder's one pass a step (the default since 2026-11-30)
const batch = Number(opt('--batch', 1));

// real inputs are what the sampler feeds; values do not change the work, so a fixed pattern
const feedsFor = (ort) =>
  Object.fromEntries(
    entry.inputs.map((i) => {
      const dims = i.shape.map((d) => (typeof d === 'string' ? batch : d));
      const n = dims.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, (_, k) => (i.name === 't' ? 500 : Math.sin(k * 0.37)));
      return [i.name, new ort.Tensor('float32', data, dims)];
    }),
  );

const web = await import('onnxruntime-web');
const node = (await import('onnxruntime-node')).default ?? (await import('onnxruntime-node'));
web.env.logLevel = 'error';

const variants = [
  { name: 'web-wasm 1 thread', rt: 'web', threads: 1, o: {} },
  { name: 'web-wasm 2 threads', rt: 'web', threads: 2, o: {} },
  { name: 'web-wasm 2 threads + batch override', rt: 'web', threads: 2, o: { freeDimensionOverrides: { [batchDim]: batch } } },
  { name: 'web-wasm 2 threads, opt extended', rt: 'web', threads: 2, o: { graphOptimizationLevel: 'extended' } },
  { name: 'web-wasm 2 threads, opt basic', rt: 'web', threads: 2, o: { graphOptimizationLevel: 'basic' } },
  { name: 'node 2 threads', rt: 'node', threads: 2, o: {} },
  { name: 'node 2 threads + batch override', rt: 'node', threads: 2, o: { freeDimensionOverrides: { [batchDim]: batch } } },
];
// onnxruntime-web fixes its thread count when the runtime starts: one thread count per process
const webThreads = Number(opt('--web-threads', 0));
const active = variants.filter((v) => v.rt === 'node' || !webThreads || v.threads === webThreads);
if (!webThreads) {
  // run the 1-thread web variants in a child process and merge (the runtime is initialised once)
  console.error('[wasm-profile] tip: run with --web-threads 1 and --web-threads 2 for both web thread counts');
}
web.env.wasm.numThreads = webThreads || 2;
const usable = active.filter((v) => v.rt === 'node' || v.threads === web.env.wasm.numThreads);

/** Aggregates onnxruntime profiler events (Chrome trace format) per op type, excluding the first run. */
function perOp(events, nRuns) {
  const runsSeen = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const firstEnd = runsSeen.length ? runsSeen[0].ts + runsSeen[0].dur : 0;
  const ops = {};
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < firstEnd) continue;
    const k = `${e.args.op_name} (${e.args.provider.replace('ExecutionProvider', '')})`;
    ops[k] = (ops[k] ?? 0) + e.dur / 1000 / (nRuns - 1);
  }
  return ops;
}

/** `runs` timed runs of a session on the same feeds (ms each). */
async function timeRuns(s, feeds) {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await s.run(feeds);
    times.push(performance.now() - t0);
  }
  return times;
}

async function profileWeb(v) {
  const s = await web.InferenceSession.create(bytes, { executionProviders: ['wasm'], enableProfiling: true, ...PAGE_EXTRA, ...v.o });
  const times = await timeRuns(s, feedsFor(web));
  // onnxruntime-web's wasm prints the trace to stdout (fs.writeSync(1, ...)) when profiling ends
  let text = '';
  const writeSync = fs.writeSync;
  fs.writeSync = (fd, data, ...rest) => (fd === 1 ? ((text += String(data)), String(data).length) : writeSync(fd, data, ...rest));
  try {
    s.endProfiling();
  } finally {
    fs.writeSync = writeSync;
  }
  await s.release();
  return { times, ops: perOp(JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1)), runs) };
}

async function profileNode(v) {
  const prefix = resolve(os.tmpdir(), `puma-prof-${process.pid}-${Date.now()}`);
  const s = await node.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: v.threads, enableProfiling: true, profileFilePrefix: prefix, ...PAGE_EXTRA, ...v.o });
  const times = await timeRuns(s, feedsFor(node));
  s.endProfiling();
  await s.release();
  const dir = os.tmpdir();
  const f = readdirSync(dir).find((x) => x.startsWith(prefix.split('/').pop()));
  const events = JSON.parse(readFileSync(resolve(dir, f), 'utf8'));
  rmSync(resolve(dir, f));
  return { times, ops: perOp(events, runs) };
}

const results = Object.fromEntries(usable.map((v) => [v.name, []]));
for (let r = 0; r < rounds; r++) {
  for (const v of usable) {
    const res = v.rt === 'web' ? await profileWeb(v) : await profileNode(v);
    results[v.name].push(res);
    const steady = res.times.slice(1);
    console.error(`[wasm-profile] round ${r} ${v.name}: median ${median(steady).toFixed(1)} ms/call`);
  }
}

function median(a) {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

const summary = {};
for (const [name, rs] of Object.entries(results)) {
  const med = median(rs.map((x) => median(x.times.slice(1))));
  const ops = {};
  for (const x of rs) for (const [k, ms] of Object.entries(x.ops)) ops[k] = (ops[k] ?? 0) + ms / rs.length;
  summary[name] = { medianMsPerCall: med, opsMs: Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1])) };
}
const base = summary['node 2 threads']?.medianMsPerCall;
console.log(`\n${modelName}, batch ${batch}, ${rounds} rounds x ${runs} calls (first call of each round excluded), ${os.cpus()[0]?.model} (${os.cpus().length} cores)\n`);
console.log('| variant | ms per call | vs node |\n|---|---|---|');
for (const [name, s] of Object.entries(summary)) console.log(`| ${name} | ${s.medianMsPerCall.toFixed(1)} | ${base ? (s.medianMsPerCall / base).toFixed(2) + 'x' : ''} |`);
const webName = `web-wasm ${web.env.wasm.numThreads} thread${web.env.wasm.numThreads > 1 ? 's' : ''}`;
if (summary[webName] && summary['node 2 threads']) {
  console.log(`\nPer operator type (ms per call, profiler), ${webName} vs node 2 threads:\n\n| op (provider) | web-wasm | node | ratio |\n|---|---|---|---|`);
  const w = summary[webName].opsMs;
  const n = summary['node 2 threads'].opsMs;
  const keyOf = (k) => k.replace(/ \(.*\)$/, '');
  const nByOp = {};
  for (const [k, ms] of Object.entries(n)) nByOp[keyOf(k)] = (nByOp[keyOf(k)] ?? 0) + ms;
  const wByOp = {};
  for (const [k, ms] of Object.entries(w)) wByOp[keyOf(k)] = (wByOp[keyOf(k)] ?? 0) + ms;
  for (const [op, ms] of Object.entries(wByOp).sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`| ${op} | ${ms.toFixed(2)} | ${(nByOp[op] ?? 0).toFixed(2)} | ${nByOp[op] ? (ms / nByOp[op]).toFixed(1) + 'x' : ''} |`);
}
mkdirSync(outDir, { recursive: true });
const file = resolve(outDir, `wasm-profile-${os.hostname()}-${webThreads || 2}t-b${batch}-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ model: modelName, batch, rounds, runs, cpu: os.cpus()[0]?.model, cores: os.cpus().length, summary }, null, 1));
console.error(`[wasm-profile] wrote ${file}`);
process.exit(0);
