#!/usr/bin/env node
// What the retrieval pick (manifest mllm.pick, workers/mllm/generate.ts) costs the page: a caption and an edit's plan,
// greedy against picked, a caption picked on the image alone against over its re-drawings too (mllm.pick.views, with
// one re-drawing's redraw + encoder + reader read, which the page adds per view), under onnxruntime-web's WASM backend in Node (the page's own generate.ts through Vite's SSR
// loader), on the given images of golden/pick.json (their encoder and reader pyramids), with the shipped models.
// Times are medians of --runs after one warm-up run, each in one process, so the arms' ratio is what to read.
//   node bench/pick.mjs [--threads 2] [--runs 3] [--out bench/results/pick-....json]
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { ROOT, opt } from './cli.mjs';
import { withWasmMllm } from './wasm-mllm.mjs';

const dir = resolve(ROOT, 'public/models');
const threads = Number(opt('--threads', 2));
const runs = Number(opt('--runs', 3));
const out = opt('--out', undefined);

await withWasmMllm(dir, threads, async ({ ort, load, man, counted, calls, tokenizer }) => {
  const { MllmGenerator } = await load('/workers/mllm/generate.ts');
  const { Gallery } = await load('/workers/mllm/gallery.ts');
  const { parseWords } = await load('/workers/lib/words.ts');
  const { halfToFloat } = await load('/workers/mllm/gallery.ts');
  const words = parseWords(JSON.parse(readFileSync(resolve(dir, man.models.words.file), 'utf8')));
  const entry = man.models[man.mllm.pick.gallery];
  const t0 = performance.now();
  const gallery = Gallery.parse(new Uint8Array(readFileSync(resolve(dir, entry.file))), entry, words.concepts);
  const parseMs = performance.now() - t0;
  const gen = new MllmGenerator(ort, man.mllm, tokenizer, counted, { concepts: words.concepts.values() }, gallery);
  // the same model picking on the image alone (as before mllm.pick.views)
  const alone = new MllmGenerator(ort, { ...man.mllm, pick: { ...man.mllm.pick, views: null } }, tokenizer, counted, { concepts: words.concepts.values() }, gallery);
  const golden = JSON.parse(readFileSync(resolve(ROOT, 'golden/pick.json'), 'utf8'));
  const f32 = (t) => {
    const b = Buffer.from(t.data_b64, 'base64');
    const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    return t.dtype === 'float16' ? Float32Array.from(new Uint16Array(ab), halfToFloat) : new Float32Array(ab);
  };
  const pyramid = (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, f32(v)]));
  // the gallery's query in its space: the key model's embedding (key space), or the reader's tokens at its scale
  const keySpace = gallery.space === 'key';
  const key = keySpace ? f32(golden.cases[0].key) : pyramid(golden.cases[0].key ?? golden.cases[0].reader)[gallery.scale];
  const r0 = performance.now();
  for (let i = 0; i < 100; i++) gallery.retrieve(key, man.mllm.pick.k);
  const retrieveMs = (performance.now() - r0) / 100;
  // a pick that frames (mllm.pick.frame) also frames the given image and reads it once more: through the key model
  // in key space, else the reader; a key-space pick that does not frame still runs the key model once
  let frameMs = null;
  let readerMs = null;
  const framedBy = keySpace ? entry.key : man.mllm.reader.model;
  if (man.mllm.pick.frame || keySpace) {
    const { frameInk } = await load('/workers/lib/framing.ts');
    const img = f32(golden.frame.images[0].image);
    const f0 = performance.now();
    const frame = man.mllm.pick.frame;
    for (let i = 0; frame && i < 100; i++) frameInk(img, man.image.size, frame);
    frameMs = frame ? (performance.now() - f0) / 100 : null;
    const r = man.models[framedBy];
    const session = await ort.InferenceSession.create(readFileSync(resolve(dir, r.variants[0].file)), { executionProviders: ['wasm'] });
    const feed = { [r.inputs[0].name]: new ort.Tensor('float32', frame ? frameInk(img, man.image.size, frame) : img, [1, 3, man.image.size, man.image.size]) };
    const ms = [];
    for (let i = 0; i <= runs; i++) {
      const t = performance.now();
      await session.run(feed);
      if (i > 0) ms.push(performance.now() - t);
    }
    readerMs = Math.round([...ms].sort((x, y) => x - y)[Math.floor(ms.length / 2)]);
    await session.release();
  }
  // a re-drawing's own reads (mllm.pick.views): the redraw, the encoder and the reader on it, once a view
  let viewReadMs = null;
  const thetas = man.mllm.pick.views?.tasks.includes('caption') ? man.mllm.pick.views.thetas : [];
  if (thetas.length) {
    const { redraw } = await load('/workers/lib/redraw.ts');
    const img = f32(golden.views.images[0].image);
    const open = (key) => ort.InferenceSession.create(readFileSync(resolve(dir, man.models[key].variants[0].file)), { executionProviders: ['wasm'] });
    const [enc, rd] = [await open('encoder'), await open(man.mllm.reader.model)];
    const ms = [];
    for (let i = 0; i <= runs; i++) {
      const t = performance.now();
      const x = new ort.Tensor('float32', redraw(img, man.image.size, thetas[0]), [1, 3, man.image.size, man.image.size]);
      await enc.run({ [man.models.encoder.inputs[0].name]: x });
      await rd.run({ [man.models[man.mllm.reader.model].inputs[0].name]: x });
      if (i > 0) ms.push(performance.now() - t);
    }
    viewReadMs = Math.round([...ms].sort((x, y) => x - y)[Math.floor(ms.length / 2)]);
    await enc.release();
    await rd.release();
  }
  const keyOf = (c) => (keySpace ? { space: 'key', embedding: f32(c.key) } : c.key ? { space: 'reader', pyramid: pyramid(c.key) } : undefined);
  const viewsOf = (c) => c.caption.views.map((v) => ({ source: pyramid(v.source), reader: pyramid(v.reader) }));
  const arms = {
    'caption, greedy': (c) => gen.answer({ source: pyramid(c.source), reader: pyramid(c.reader), question: c.caption.question }),
    'caption, picked on the image alone': (c) => alone.answer({ source: pyramid(c.source), reader: pyramid(c.reader), pickKey: keyOf(c), question: c.caption.question, pick: true }),
    ...(thetas.length ? { [`caption, picked over it and ${thetas.length} re-drawings (MLLM only)`]: (c) => gen.answer({ source: pyramid(c.source), reader: pyramid(c.reader), pickKey: keyOf(c), views: viewsOf(c), question: c.caption.question, pick: true }) } : {}),
    // an edit up to its plan and f4: the plan is where the arms differ
    'edit to f4, greedy plan': (c) => gen.generateImage('edit', { text: c.edit.instruction, source: pyramid(c.source), reader: pyramid(c.reader), scales: ['f4'], planCandidates: 0 }),
    'edit to f4, picked plan': (c) => gen.generateImage('edit', { text: c.edit.instruction, source: pyramid(c.source), reader: pyramid(c.reader), pickKey: keyOf(c), scales: ['f4'], planCandidates: 0, pick: true, task: 'edit' }),
  };
  const rows = {};
  for (const [name, run] of Object.entries(arms)) {
    const ms = [];
    const n = [];
    for (let r = 0; r <= runs; r++) {
      for (const c of golden.cases) {
        calls.n = 0;
        const s = performance.now();
        await run(c);
        if (r > 0) ms.push(performance.now() - s), n.push(calls.n); // run 0 warms up
      }
    }
    const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    rows[name] = { medianMs: Math.round(med(ms)), calls: med(n), n: ms.length };
  }
  const res = { machine: `${cpus().length} x ${cpus()[0]?.model}`, node: process.version, backend: 'onnxruntime-web wasm', threads, runs, images: golden.cases.length, galleryParseMs: Math.round(parseMs), retrieveMs: +retrieveMs.toFixed(2), frameMs: frameMs === null ? null : +frameMs.toFixed(2), framedReadBy: framedBy, framedReadMs: readerMs, views: thetas.length, viewReadMs, galleryBytes: entry.bytes, k: man.mllm.pick.k, rows };
  console.log(JSON.stringify(res, null, 1));
  if (out) writeFileSync(out, JSON.stringify(res, null, 1) + '\n');
});
