// A manifest whose MLLM has a reader (mllm.reader, training/mllm.py MLLMConfig.reader) through the whole
// engine, on the shipped models. No trained reader exists yet, so the reader here is the shipped encoder
// itself under another name (reader.onnx, role "reader"), and the shipped MLLM graph is wrapped to record
// and drop the `reader` feed it does not have: the engine must load the reader as one of the MLLM's files
// (listed, read, reported), encode a given image with both encoders, and feed the reader's pyramid at the
// given image's positions (here: exactly the encoder's features there), zeros elsewhere and in every later call.
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { MODELS_DIR, loadManifest } from './models';
import { PumaEngine, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import type { InferenceSession, OrtLike } from '../workers/engine/ort';
import type { LoadEvent, RunEvent } from '../workers/engine/protocol';
import { allowedSteps, validateManifest, variantFiles, type Manifest } from '../workers/lib/manifest';
import type { RGBAImage } from '../workers/lib/image';

ort.env.wasm.numThreads = 1;
const shipped = loadManifest();
const READER_FILE = 'reader.onnx';

/** The shipped manifest with the encoder named again as the MLLM's reader. */
function withReader(m: Manifest): Manifest {
  const r: Manifest = structuredClone(m);
  const enc = r.models.encoder;
  r.models.reader = { ...enc, role: 'reader', variants: enc.variants!.map((v) => ({ ...v, file: READER_FILE })) };
  r.models.mllm.inputs = [...r.models.mllm.inputs!, { name: 'reader', shape: ['batch', 'seq', r.feature_dim], dtype: 'float32' }];
  r.mllm = { ...r.mllm!, reader: { model: 'reader', input: 'reader' } };
  return validateManifest(r);
}

/** The folder's files, reader.onnx read as encoder.onnx (same bytes and hash); `fail` rejects it. */
function files(fail = false): ModelFiles {
  const folder = filesFromFolder(MODELS_DIR);
  const enc = shipped.models.encoder.variants![0].file;
  return { read: (v, p) => (v.file !== READER_FILE ? folder.read(v, p) : fail ? Promise.reject(new TypeError('Failed to fetch')) : folder.read({ ...v, file: enc }, p)) };
}

/** onnxruntime whose MLLM sessions (they take `block`) record every feed; `reader` is dropped before the
 * shipped graph runs, since it has no such input. */
function recordingOrt(calls: Record<string, ort.Tensor>[][]): OrtLike {
  return {
    Tensor: ort.Tensor as unknown as OrtLike['Tensor'],
    InferenceSession: {
      async create(bytes, options) {
        const s = (await ort.InferenceSession.create(bytes, options)) as unknown as InferenceSession;
        if (!s.inputNames.includes('block')) return s;
        const rec: Record<string, ort.Tensor>[] = [];
        calls.push(rec);
        const wrapped = Object.create(s) as InferenceSession;
        wrapped.run = ((feeds: Record<string, ort.Tensor>) => {
          rec.push(feeds);
          const { reader: _, ...rest } = feeds;
          return s.run(rest as InferenceSession.FeedsType);
        }) as InferenceSession['run'];
        return wrapped;
      },
    },
  };
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

/** The first call reads the given image (slots 1..image_tokens): its reader input there is the encoder's features. */
function checkReaderFeeds(calls: Record<string, ort.Tensor>[], m: Manifest) {
  const C = m.feature_dim;
  const n = m.mllm!.image_tokens;
  const [first, ...later] = calls;
  const slots = Array.from(first.slot.data as BigInt64Array, Number);
  const at = slots.indexOf(1);
  expect(at).toBeGreaterThan(0);
  const r = first.reader.data as Float32Array;
  const f = first.feats.data as Float32Array;
  expect(first.reader.dims).toEqual(first.feats.dims);
  for (let i = 0; i < r.length; i++) {
    const given = i >= at * C && i < (at + n) * C;
    if (!given) expect(r[i], `reader[${i}] off the given image`).toBe(0);
    else expect(Math.abs(r[i] - f[i]), `reader[${i}] vs feats`).toBeLessThan(1e-4);
  }
  expect(f.subarray(at * C, (at + n) * C).some((x) => x !== 0)).toBe(true);
  for (const c of later) {
    expect(c.reader.dims).toEqual(c.feats.dims);
    expect((c.reader.data as Float32Array).every((x) => x === 0)).toBe(true);
  }
}

describe('an MLLM with a reader, through the engine', () => {
  it('loads the reader as one of the MLLM files and feeds its pyramid of the given image (understand, colorize)', async () => {
    const m = withReader(shipped);
    const { engine, calls, events } = await load(m, files());
    expect((await engine.mllmLoaded()).ok).toBe(true);
    const states = events.flatMap((e) => (e.type === 'file' && e.model === 'reader' ? [[e.file, e.state, e.mllm]] : []));
    expect(states[0]).toEqual([READER_FILE, 'queued', true]);
    expect(states.at(-1)).toEqual([READER_FILE, 'ready', true]);
    expect(engine.variants.reader?.file).toBe(READER_FILE);
    expect(engine.bytes).toBe(loadBytes(engine));
    const image = blank(m.image.size);
    const before = calls().length;
    await done(engine.run('understand', { image, caption: true, maxTokens: 3 }));
    checkReaderFeeds(calls().slice(before), m);
    const mid = calls().length;
    await done(engine.run('colorize', { image, scales: ['f4'], ...sampler }));
    checkReaderFeeds(calls().slice(mid), m);
  }, 300_000);

  it('without a reader: no reader file, no reader feed', async () => {
    const { engine, calls, events } = await load(shipped, filesFromFolder(MODELS_DIR));
    expect((await engine.mllmLoaded()).ok).toBe(true);
    expect(events.some((e) => e.type === 'file' && e.file === READER_FILE)).toBe(false);
    expect(engine.bytes).toBe(loadBytes(engine));
    expect(Object.keys(engine.variants)).not.toContain('reader');
    await done(engine.run('understand', { image: blank(shipped.image.size), caption: true, maxTokens: 2 }));
    expect(calls().length).toBeGreaterThan(0);
    for (const c of calls()) expect(Object.keys(c)).not.toContain('reader');
  }, 300_000);

  it("a reader file that cannot be read is named like any MLLM file, and the MLLM's tasks say why", async () => {
    const { engine, events } = await load(withReader(shipped), files(true));
    const r = await engine.mllmLoaded();
    expect(r.ok).toBe(false);
    const failed = events.flatMap((e) => (e.type === 'file' && e.state === 'failed' ? [[e.file, e.mllm, e.reason]] : []));
    expect(failed).toEqual([[READER_FILE, true, 'offline']]);
    expect(engine.info().textToImage).toBe(false);
  }, 300_000);
});

/** The bytes a load reads: every model it loaded (engine.variants: the reader too where there is one) and the tokenizer. */
function loadBytes(engine: PumaEngine): number {
  const files = Object.values(engine.variants).flatMap((v) => variantFiles(v));
  return files.reduce((a, f) => a + f.bytes, 0) + (engine.manifest.models.tokenizer.bytes ?? 0);
}
