#!/usr/bin/env node
// The int8 decoders (training/int8_decoders.py: ConvInteger) against the served fp32 ones, one decoder call at
// batch 1 (a guidance-distilled decoder's one pass a step), on onnxruntime-web's WASM backend and on
// onnxruntime-node, the four variants interleaved round by round so a busy machine affects them alike.
//   node bench/int8-decoders.mjs [--scales f0,f4] [--rounds 14] [--web-threads 2] [--out bench/results]
// Writes <out>/int8-decoders-<host>-<date>.json and prints medians per scale.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import os from 'node:os';
import { ROOT, opt } from './cli.mjs';
// the page's session options for int8-stored weights (workers/engine/ort.ts): each DequantizeLinear folded into
// an fp32 constant at creation; with QDQ handling on, onnxruntime-node would fuse MatMulNBits instead
const PAGE_EXTRA = { extra: { session: { disable_quant_qdq: '1' } } };

const scales = opt('--scales', 'f0,f1,f2,f3,f4').split(',');
const rounds = Number(opt('--rounds', 14));
const outDir = resolve(ROOT, opt('--out', 'bench/results'));
const modelsDir = resolve(ROOT, 'public/models');
const manifest = JSON.parse(readFileSync(resolve(modelsDir, 'manifest.json'), 'utf8'));
const web = await import('onnxruntime-web');
const node = (await import('onnxruntime-node')).default ?? (await import('onnxruntime-node'));
web.env.logLevel = 'error';
web.env.wasm.numThreads = Number(opt('--web-threads', 2));
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

const results = {};
for (const scale of scales) {
  const entry = manifest.models[`decoder_${scale}`];
  const file = (dtype) => {
    const v = entry.variants.find((x) => x.dtype === dtype);
    if (!v) throw new Error(`decoder_${scale} has no ${dtype} variant: python3 -m training.int8_decoders`);
    return resolve(modelsDir, v.file);
  };
  const files = { fp32: file('float32'), int8: file('int8') };
  // the sampler's inputs at batch 1; values do not change the work
  const feeds = (ort, seed) =>
    Object.fromEntries(entry.inputs.map((i) => {
      const dims = i.shape.map((d) => (typeof d === 'string' ? 1 : d));
      const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, k) => (i.name === 't' ? 500 : Math.sin(k * 0.37 + seed)));
      return [i.name, new ort.Tensor('float32', data, dims)];
    }));
  const sessions = {};
  for (const [lib, ort] of [['web', web], ['node', node]])
    for (const [dtype, f] of Object.entries(files))
      sessions[`${lib} ${dtype}`] = [ort, await ort.InferenceSession.create(lib === 'web' ? new Uint8Array(readFileSync(f)) : f, { ...PAGE_EXTRA, ...(lib === 'node' ? { intraOpNumThreads: 2 } : {}) })];
  const ms = Object.fromEntries(Object.keys(sessions).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++)
    for (const [k, [ort, s]] of Object.entries(sessions)) {
      const fd = feeds(ort, r);
      const t0 = performance.now();
      await s.run(fd);
      if (r >= 2) ms[k].push(performance.now() - t0);   // the first two rounds warm up
    }
  results[scale] = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, { medianMs: +median(v).toFixed(2), minMs: +Math.min(...v).toFixed(2) }]));
  const m = (k) => results[scale][k].medianMs;
  console.log(`${scale}: web fp32 ${m('web fp32')} ms, web int8 ${m('web int8')} ms (${(m('web fp32') / m('web int8')).toFixed(2)}x); node fp32 ${m('node fp32')}, node int8 ${m('node int8')}; web int8 / node fp32 ${(m('web int8') / m('node fp32')).toFixed(2)}x`);
}
const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, host: os.hostname(), node: process.version, ort: web.env.versions?.web };
mkdirSync(outDir, { recursive: true });
const date = new Date().toISOString();
const file = resolve(outDir, `int8-decoders-${os.hostname()}-${date.slice(0, 16).replace(/[:T]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ date, machine, rounds, webThreads: web.env.wasm.numThreads, batch: 1, results }, null, 2));
console.log('wrote', file);
process.exit(0);
