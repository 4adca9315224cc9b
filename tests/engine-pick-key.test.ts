// The pick's key model (manifest models[gallery.key]: the shipped gallery is in key space) through the whole engine on
// the shipped models, WASM: it loads as one of the MLLM's files (listed from the start, read, reported, counted in the
// load's bytes, its session made as the reader's), a caption and an edit ask the gallery with its embedding of the
// given image framed as the pick frames (the key session's feed is that image, and the names picked among are the ones
// the gallery retrieves for its output), and a key model whose session cannot be made fails the MLLM's load with a
// reason that names it (a file that cannot be read: tests/engine-plan-drafts.test.ts, with the pick's other files).
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MODELS_DIR, loadManifest, requireFile } from './models';
import { ortRecording } from './mllm-ort';
import { PumaEngine, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import type { OrtLike } from '../workers/engine/ort';
import type { LoadEvent, RunEvent } from '../workers/engine/protocol';
import { allowedSteps, pickGallery, pickKeyModel, variantFiles } from '../workers/lib/manifest';
import { frameInk } from '../workers/lib/framing';
import { prepareImage, toNCHW, type RGBAImage } from '../workers/lib/image';
import { parseWords } from '../workers/lib/words';
import { Gallery } from '../workers/mllm/gallery';
// @ts-expect-error plain .mjs helper shared with the benchmark
import { decodePng } from '../bench/png.mjs';

ort.env.wasm.numThreads = 1;
const shipped = loadManifest();
const key = pickKeyModel(shipped)!;
const KEY_FILE = key.entry.variants![0].file;

/** onnxruntime recording every run of the key model's sessions (the graph whose output is the key's): feeds and outputs */
function recordingOrt(runs: { feed: Float32Array; out: Float32Array }[]): OrtLike {
  return ortRecording(key.entry.inputs![0].name, key.entry.outputs![0].name, (feed, out) => runs.push({ feed, out }));
}

/** the folder's files, the key model's graph replaced by bytes onnxruntime cannot parse (its size kept) */
function corruptKey(): ModelFiles {
  const folder = filesFromFolder(MODELS_DIR);
  return { read: (v, p) => (v.file === KEY_FILE ? (p({ loaded: v.bytes, total: v.bytes, source: 'cache' }), Promise.resolve(new Uint8Array(v.bytes).fill(7))) : folder.read(v, p)) };
}

// a drawing of a trained concept (emoji-datasource-google's art) off centre on a transparent canvas half as large
// again: prepared, it is smaller than the gallery's drawings, so framing moves and scales it
const png = decodePng(readFileSync(resolve(import.meta.dirname, '../node_modules/emoji-datasource-google/img/google/64/1f436.png')));
const image: RGBAImage = { width: 96, height: 96, data: new Uint8ClampedArray(96 * 96 * 4) };
for (let y = 0; y < png.height; y++) image.data.set(png.data.subarray(y * png.width * 4, (y + 1) * png.width * 4), ((y + 4) * 96 + 28) * 4);
const sampler = { steps: Math.min(...allowedSteps(shipped.sampler)), guidance: shipped.sampler.guidance, seed: 3 };

const engines: PumaEngine[] = [];
afterAll(() => engines.forEach((e) => e.release()));

async function collect(it: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const ev: RunEvent[] = [];
  for await (const e of it) ev.push(e);
  expect(ev.at(-1)?.type).toBe('done');
  return ev;
}

describe("the pick's key model, through the engine", () => {
  it('loads as one of the MLLM files and asks the gallery with its embedding of the framed image (a caption, an edit)', async () => {
    const runs: { feed: Float32Array; out: Float32Array }[] = [];
    const events: LoadEvent[] = [];
    const engine = await PumaEngine.load({ ort: recordingOrt(runs), manifest: shipped, files: filesFromFolder(MODELS_DIR), provider: 'wasm', onEvent: (e) => events.push(e) });
    engines.push(engine);
    expect((await engine.mllmLoaded()).ok).toBe(true);
    // listed from the start with every other file, an MLLM file, then read
    const states = events.flatMap((e) => (e.type === 'file' && e.file === KEY_FILE ? [[e.model, e.state, e.mllm]] : []));
    expect(states[0]).toEqual([key.name, 'queued', true]);
    expect(states.at(-1)).toEqual([key.name, 'ready', true]);
    const firstRead = events.findIndex((e) => e.type === 'file' && e.state !== 'queued');
    expect(events.findIndex((e) => e.type === 'file' && e.file === KEY_FILE), 'queued before any file is read').toBeLessThan(firstRead);
    expect(engine.variants[key.name]?.file).toBe(KEY_FILE);
    // the load's bytes count it once, as every file it reads
    const m = engine.manifest;
    const read = Object.values(engine.variants).flatMap(variantFiles).reduce((a, f) => a + f.bytes, 0) + (m.models.tokenizer.bytes ?? 0) + (m.models.words?.bytes ?? 0) + (pickGallery(m)![1].bytes ?? 0);
    expect(engine.bytes).toBe(read);

    const words = parseWords(JSON.parse(readFileSync(requireFile(m.models.words.file!), 'utf8')));
    const [, entry] = pickGallery(m)!;
    const gallery = Gallery.parse(new Uint8Array(readFileSync(requireFile(entry.file!))), entry, words.concepts);
    const nchw = toNCHW(prepareImage(image, m.image.size));
    const framed = frameInk(nchw, m.image.size, m.mllm!.pick!.frame!);
    expect(framed, 'the drawing is framed: the key reads another image than the encoder').not.toEqual(nchw);
    const names = (out: Float32Array) => gallery.retrieve(out, m.mllm!.pick!.k).map((r) => r.name).sort();

    // a caption: one key run, on the framed image; the names picked among are the gallery's for its output
    runs.length = 0;
    const cap = await collect(engine.run('understand', { image, caption: true }));
    expect(runs.length).toBe(1);
    expect(runs[0].feed).toEqual(framed);
    const text = cap.find((e): e is Extract<RunEvent, { type: 'text' }> => e.type === 'text')!;
    expect(text.alternatives!.map((a) => a.text).sort()).toEqual(names(runs[0].out));
    expect(text.alternatives!.map((a) => a.text)).toContain(words.concepts.get('🐶'));
    // an edit: its plan's concept picked among the same names (the same image framed the same way)
    runs.length = 0;
    const ed = await collect(engine.run('edit', { image, instruction: m.mllm!.prompts.edit_style.replace('{style}', 'twemoji'), scales: ['f4'], ...sampler }));
    expect(runs.map((r) => r.feed)).toEqual([framed]);
    const plans = ed.flatMap((e) => (e.type === 'plan' ? [e.plan] : []));
    expect(plans[0].source).toBe('picked');
    expect(plans.at(-1)!.candidates.map((c) => c.concept).sort()).toEqual(names(runs[0].out));
    // a question that does not pick reads no key
    runs.length = 0;
    await collect(engine.run('understand', { image, question: m.mllm!.prompts.style, maxTokens: 2 }));
    expect(runs.length).toBe(0);
  }, 300_000);

  it("a key model whose session cannot be made fails the MLLM's load, saying whose it was; reconstruction still loads", async () => {
    const engine = await PumaEngine.load({ ort, manifest: shipped, files: corruptKey(), provider: 'wasm' });
    engines.push(engine);
    const r = await engine.mllmLoaded();
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(new RegExp(`the pick's key model "${key.name}": its session could not be created`));
    expect(engine.info().textToImage).toBe(false);
    expect(engine.taskInfo().reason).toMatch(/language model failed to load .*key model/);
    await collect(engine.run('reconstruct', { image, scales: ['f4'], ...sampler }));
  }, 300_000);
});
