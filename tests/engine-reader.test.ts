// The shipped MLLM reads given images through a reader (mllm.reader, training/mllm.py MLLMConfig.reader), through
// the whole engine on the shipped models: the engine must load the reader as one of the MLLM's files (listed, read,
// reported), encode a given image with both encoders, and feed the reader's pyramid at the given image's positions,
// zeros elsewhere and in every later call. Three manifests: the shipped one (reader.onnx's own weights); the reader
// replaced by the encoder's bytes under the reader's name (so the feed must equal the `feats` at the given image,
// which the engine computes on its own path); and the reader removed (no reader file, no reader feed: the graph,
// which has the input, is given zeros by the recording wrapper, as a graph without a reader would add nothing).
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { MODELS_DIR, loadManifest, requireFile } from './models';
import { expectClose, goldenTensor, readGolden } from './golden';
import { sessionOptions } from '../workers/engine/ort';
import { PumaEngine, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import type { OrtLike } from '../workers/engine/ort';
import { ortAroundMllm } from './mllm-ort';
import type { LoadEvent, RunEvent } from '../workers/engine/protocol';
import { allowedSteps, pickViews, validateManifest, variantFiles, type Manifest } from '../workers/lib/manifest';
import type { RGBAImage } from '../workers/lib/image';

ort.env.wasm.numThreads = 1;
const shipped = loadManifest();
const READER_FILE = 'reader.onnx';

/** The shipped manifest with the encoder's bytes under the reader's name (files(): reader.onnx read as encoder.onnx). */
function encoderAsReader(m: Manifest): Manifest {
  const r: Manifest = structuredClone(m);
  const enc = r.models.encoder;
  r.models.reader = { ...enc, role: 'reader', variants: enc.variants!.map((v) => ({ ...v, file: READER_FILE })) };
  return validateManifest(r);
}

/** The shipped manifest with the reader's encoder in the encoder's place (and no reader): its `feats` at a given
 * image are the reader's pyramid, computed on the engine's encoder path. */
function readerAsEncoder(m: Manifest): Manifest {
  const r = withoutReader(m);
  r.models.encoder = { ...r.models.encoder, variants: m.models.reader!.variants!.map((v) => ({ ...v })) };
  return validateManifest(r);
}

/** The shipped manifest as a model without a reader would have it (nor the pick, which reads the reader's features). */
function withoutReader(m: Manifest): Manifest {
  const r: Manifest = structuredClone(m);
  delete r.models.reader;
  if (r.mllm!.pick) delete r.models[r.mllm!.pick.gallery];
  r.models.mllm.inputs = r.models.mllm.inputs!.filter((i) => i.name !== 'reader');
  const { reader: _, pick: __, ...spec } = r.mllm!;
  r.mllm = spec;
  return validateManifest(r);
}

/** The folder's files, reader.onnx read as encoder.onnx when the manifest says so (same bytes and hash); `fail` rejects it. */
function files(fail = false): ModelFiles {
  const folder = filesFromFolder(MODELS_DIR);
  const enc = shipped.models.encoder.variants![0];
  return {
    read: (v, p) =>
      v.file !== READER_FILE ? folder.read(v, p) : fail ? Promise.reject(new TypeError('Failed to fetch')) : folder.read(v.sha256 === enc.sha256 ? { ...v, file: enc.file } : v, p),
  };
}

/** onnxruntime whose MLLM sessions (they take `block`) record every feed; a call without `reader` (a manifest without
 * a reader) gets zeros there before the shipped graph, which has the input, runs. */
function recordingOrt(calls: Record<string, ort.Tensor>[][]): OrtLike {
  return ortAroundMllm(() => {
    const rec: Record<string, ort.Tensor>[] = [];
    calls.push(rec);
    return (feeds, run) => {
      rec.push(feeds as Record<string, ort.Tensor>);
      const f = feeds.feats as ort.Tensor;
      return run('reader' in feeds ? feeds : { ...feeds, reader: new ort.Tensor('float32', new Float32Array(f.data.length), f.dims) });
    };
  });
}

const blank = (size: number): RGBAImage => {
  const data = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let i = 0; i < size * size; i += 3) data[i * 4] = (i * 37) % 256; // not blank: features that differ by place
  return { width: size, height: size, data };
};
const sampler = { steps: Math.min(...allowedSteps(shipped.sampler)), guidance: shipped.sampler.guidance, seed: 3 };
const done = async (it: AsyncIterable<RunEvent>) => {
  const ev: RunEvent[] = [];
  for await (const e of it) ev.push(e);
  expect(ev.at(-1)?.type).toBe('done');
  return ev;
};

const engines: PumaEngine[] = [];
afterAll(() => engines.forEach((e) => e.release()));

async function load(m: Manifest, fs: ModelFiles) {
  const calls: Record<string, ort.Tensor>[][] = [];
  const events: LoadEvent[] = [];
  const engine = await PumaEngine.load({ ort: recordingOrt(calls), manifest: m, files: fs, provider: 'wasm', onEvent: (e) => events.push(e) });
  engines.push(engine);
  return { engine, calls: () => calls.flat(), events };
}

/** The calls that read a given image (slots 1..image_tokens: a prefix; a caption whose choice reads re-drawings,
 * mllm.pick.views, reads one prefix for the image and one per re-drawing) -> the first one's given-image rows of its
 * `reader` and `feats` feeds, and how many calls read an image; the reader feed is zero off the image in those, and
 * everywhere in every other call. */
function readerFeeds(calls: Record<string, ort.Tensor>[], m: Manifest) {
  const C = m.feature_dim;
  const n = m.mllm!.image_tokens;
  const at = (c: Record<string, ort.Tensor>) => Array.from(c.slot.data as ArrayLike<number | bigint>, Number).indexOf(1);
  const reading = calls.filter((c) => at(c) >= 0);
  expect(at(calls[0])).toBeGreaterThan(0);
  for (const c of calls) {
    const r = c.reader.data as Float32Array;
    const a = at(c);
    expect(c.reader.dims).toEqual(c.feats.dims);
    if (a < 0) expect(r.every((x) => x === 0)).toBe(true);
    else for (let i = 0; i < r.length; i++) if (i < a * C || i >= (a + n) * C) expect(r[i], `reader[${i}] off the given image`).toBe(0);
  }
  const given = (c: Record<string, ort.Tensor>, k: string) => (c[k].data as Float32Array).slice(at(c) * C, (at(c) + n) * C);
  return { reader: given(calls[0], 'reader'), feats: given(calls[0], 'feats'), reading: reading.length, views: reading.slice(1).map((c) => ({ reader: given(c, 'reader'), feats: given(c, 'feats') })) };
}

function maxDiff(a: Float32Array, b: Float32Array) {
  expect(a.length).toBe(b.length);
  return a.reduce((d, x, i) => Math.max(d, Math.abs(x - b[i])), 0);
}

describe('the shipped reader', () => {
  it('matches its PyTorch golden vectors on onnxruntime-web (wasm, the page\'s session options)', async () => {
    const entry = shipped.models.reader!;
    const [v] = entry.variants!;
    const g = readGolden(v.golden ?? entry.golden!);
    expect(v.dtype, 'the golden vectors were made for this variant').toBe(g.variant ?? 'float32');
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(requireFile(v.file))), sessionOptions('wasm'));
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [k, t] of Object.entries(g.inputs)) feeds[k] = new ort.Tensor('float32', goldenTensor(t), t.shape);
      expect(Object.keys(feeds).sort()).toEqual(entry.inputs!.map((i) => i.name).sort());
      const out = await session.run(feeds);
      for (const [k, t] of Object.entries(g.outputs)) expectClose(out[k].data as Float32Array, t, g, `reader.${k}`);
    } finally {
      await session.release();
    }
  });
});

describe('an MLLM with a reader, through the engine', () => {
  it('loads the reader as one of the MLLM files and feeds its pyramid of the given image (understand, colorize)', async () => {
    const m = encoderAsReader(shipped);
    const { engine, calls, events } = await load(m, files());
    expect((await engine.mllmLoaded()).ok).toBe(true);
    const states = events.flatMap((e) => (e.type === 'file' && e.model === 'reader' ? [[e.file, e.state, e.mllm]] : []));
    expect(states[0]).toEqual([READER_FILE, 'queued', true]);
    expect(states.at(-1)).toEqual([READER_FILE, 'ready', true]);
    expect(engine.variants.reader?.file).toBe(READER_FILE);
    expect(engine.bytes).toBe(loadBytes(engine));
    const image = blank(m.image.size);
    const runs: [() => AsyncIterable<RunEvent>, number][] = [
      // a caption reads the image, then each re-drawing its choice reads (mllm.pick.views), each its own prefix
      [() => engine.run('understand', { image, caption: true, maxTokens: 3 }), 1 + pickViews(m, 'caption').length],
      [() => engine.run('colorize', { image, scales: ['f4'], ...sampler }), 1],
    ];
    for (const [run, prefixes] of runs) {
      const before = calls().length;
      await done(run());
      // the reader is the encoder here: its feed is the encoder's pyramid of the given image
      const { reader, feats, reading, views } = readerFeeds(calls().slice(before), m);
      expect(reading).toBe(prefixes);
      // each re-drawing's prefix reads the image re-drawn (both encoders), not the image as given again
      for (const v of views) {
        expect(maxDiff(v.feats, feats)).toBeGreaterThan(1e-2);
        expect(maxDiff(v.reader, v.feats)).toBeLessThan(1e-4);
      }
      expect(feats.some((x) => x !== 0)).toBe(true);
      expect(maxDiff(reader, feats)).toBeLessThan(1e-4);
    }
  }, 300_000);

  it("the shipped reader's own weights: its pyramid of the given image, not the encoder's", async () => {
    const image = blank(shipped.image.size);
    const a = await load(shipped, filesFromFolder(MODELS_DIR));
    expect(a.engine.variants.reader?.file).toBe(READER_FILE);
    await done(a.engine.run('understand', { image, caption: true, maxTokens: 2 }));
    const got = readerFeeds(a.calls(), shipped);
    // the same image through an engine whose encoder is the reader: its feats there are the reader's pyramid
    const b = await load(readerAsEncoder(shipped), filesFromFolder(MODELS_DIR));
    await done(b.engine.run('understand', { image, caption: true, maxTokens: 2 }));
    const want = b.calls()[0];
    const C = shipped.feature_dim;
    const at = Array.from(want.slot.data as ArrayLike<number | bigint>, Number).indexOf(1);
    const readerPyramid = (want.feats.data as Float32Array).slice(at * C, (at + shipped.mllm!.image_tokens) * C);
    expect(maxDiff(got.reader, readerPyramid)).toBeLessThan(1e-4);
    expect(maxDiff(got.reader, got.feats), 'the reader is a second encoder, not the first').toBeGreaterThan(0.1);
  }, 300_000);

  it('without a reader: no reader file, no reader feed', async () => {
    const m = withoutReader(shipped);
    const { engine, calls, events } = await load(m, filesFromFolder(MODELS_DIR));
    expect((await engine.mllmLoaded()).ok).toBe(true);
    expect(events.some((e) => e.type === 'file' && e.file === READER_FILE)).toBe(false);
    expect(engine.bytes).toBe(loadBytes(engine));
    expect(Object.keys(engine.variants)).not.toContain('reader');
    await done(engine.run('understand', { image: blank(m.image.size), caption: true, maxTokens: 2 }));
    expect(calls().length).toBeGreaterThan(0);
    for (const c of calls()) expect(Object.keys(c)).not.toContain('reader');
  }, 300_000);

  it("a reader file that cannot be read is named like any MLLM file, and the MLLM's tasks say why", async () => {
    const { engine, events } = await load(shipped, files(true));
    const r = await engine.mllmLoaded();
    expect(r.ok).toBe(false);
    const failed = events.flatMap((e) => (e.type === 'file' && e.state === 'failed' ? [[e.file, e.mllm, e.reason]] : []));
    expect(failed).toEqual([[READER_FILE, true, 'offline']]);
    expect(engine.info().textToImage).toBe(false);
  }, 300_000);
});

/** The bytes a load reads: every model it loaded (engine.variants: the reader too where there is one), the
 * tokenizer and the word list (the plan's drafts read its concept names). */
function loadBytes(engine: PumaEngine): number {
  const files = Object.values(engine.variants).flatMap((v) => variantFiles(v));
  const pick = engine.manifest.mllm?.pick;
  return files.reduce((a, f) => a + f.bytes, 0) + (engine.manifest.models.tokenizer.bytes ?? 0) + (engine.manifest.models.words?.bytes ?? 0) + (pick ? (engine.manifest.models[pick.gallery].bytes ?? 0) : 0);
}
