#!/usr/bin/env node
// The MLLM alone, text -> f4..f0 features, under onnxruntime-web's WASM backend in Node (the
// page's own generate.ts through Vite's SSR loader): how long the first scale and all five take
// and how many graph calls that is, for any models folder (the shipped two-file token-order pair,
// or a single graph in either order, with or without a plan).
//   node bench/mllm.mjs <modelsDir> [--threads 2] [--runs 3] [--prompt "a red apple"]
//        [--plan "hot beverage | noto | none"] (a plan fed teacher-forced) [--candidates 4]
//        [--no-drafts] (the plan one call per token; by default drafted as the engine does, from the
//        folder's words.json concept names: workers/mllm/verified-draft.ts)
// planMs: the plan announced (before the first image token); allFiveMs: f0 written and, with a
// plan, its candidates (computed after the image).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT, args, opt } from './cli.mjs';
import { withWasmMllm } from './wasm-mllm.mjs';

const dir = resolve(args[0] ?? resolve(ROOT, 'public/models'));
const threads = Number(opt('--threads', 2));
const runs = Number(opt('--runs', 3));
const prompt = opt('--prompt', 'a red apple');
const plan = opt('--plan', undefined);
const planCandidates = Number(opt('--candidates', 4));

await withWasmMllm(dir, threads, async ({ ort, load, man, files, counted, calls, tokenizer, loadMs }) => {
  const { MllmGenerator } = await load('/workers/mllm/generate.ts');
  const wordsEntry = Object.values(man.models).find((e) => e.role === 'words' && e.file);
  const concepts = wordsEntry ? Object.values(JSON.parse(readFileSync(resolve(dir, wordsEntry.file), 'utf8')).concepts ?? {}) : [];
  const gen = new MllmGenerator(ort, man.mllm, tokenizer, counted, { enabled: !args.includes('--no-drafts'), concepts });
  const graphBytes = Object.values(files.graphs).reduce((a, g) => a + g.graph.byteLength + g.externalData.reduce((b, x) => b + x.data.byteLength, 0), 0);
  const rows = [];
  for (let r = 0; r <= runs; r++) {
    calls.n = 0;
    const s = performance.now();
    const at = {};
    let planMs = null;
    let planText = null;
    await gen.generateImage('t2i', { text: prompt, plan, planCandidates, onPlan: (p) => ((planMs ??= performance.now() - s), (planText = p.text)), onScale: (n) => (at[n] = performance.now() - s) });
    const order = man.mllm.image_order;
    if (r > 0) rows.push({ firstScaleMs: at[order[0]], lastScaleMs: at[order[order.length - 1]], allMs: performance.now() - s, planMs, calls: calls.n, planText }); // run 0 warms up
  }
  const med = (k) => rows.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
  console.log(JSON.stringify({ dir, graph: man.mllm.graph ?? 'pair', order: man.mllm.order ?? 'token', plan: !!man.mllm.plan, d_model: man.mllm.d_model, n_layer: man.mllm.n_layer, graphBytes, threads, loadMs: Math.round(loadMs), calls: rows[0].calls, firstScaleMs: Math.round(med('firstScaleMs')), f0Ms: Math.round(med('lastScaleMs')), planTokens: rows[0].planText == null ? null : tokenizer.encode(' ' + rows[0].planText).length, planMs: rows[0].planMs == null ? null : Math.round(med('planMs')), allFiveMs: Math.round(med('allMs')), runs: rows.length }));
});
