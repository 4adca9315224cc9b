// The pick's key model (manifest models[gallery.key], role "key"; training/pick_key.py) on the shipped files, under
// onnxruntime-web's WASM backend in Node with the page's session options: key.onnx reproduces its PyTorch golden
// vectors (golden/key.json), the engine's KeyEncoder gives the same embedding one image at a time, and the whole
// retrieval as the engine runs it (a drawing prepared as the page prepares it, framed as the pick frames, embedded,
// asked of the shipped key-space gallery.bin) names the concept of drawings of trained concepts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MODELS_DIR, loadManifest, requireFile } from './models';
import { goldenTensor, readGolden } from './golden';
import { expectGoldenParity, wasmSession } from './wasm-session';
import type { InferenceSession, OrtLike } from '../workers/engine/ort';
import { KeyEncoder } from '../workers/engine/pick-key';
import { frameInk } from '../workers/lib/framing';
import { prepareImage, toNCHW, type RGBAImage } from '../workers/lib/image';
import { pickGallery, pickKeyModel } from '../workers/lib/manifest';
import { parseWords } from '../workers/lib/words';
import { Gallery } from '../workers/mllm/gallery';
// @ts-expect-error plain .mjs helper shared with the benchmark
import { decodePng } from '../bench/png.mjs';

const manifest = loadManifest();
const key = pickKeyModel(manifest);
let session: InferenceSession;

beforeAll(async () => {
  if (!key) throw new Error('the shipped pick has no key model (its gallery is not in key space)');
  session = await wasmSession(key.entry);
});
afterAll(() => session?.release());

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0));

describe('the shipped key model', () => {
  it("matches its PyTorch golden vectors on onnxruntime-web (wasm, the page's session options)", async () => {
    await expectGoldenParity(session, key!.name, key!.entry);
  });

  it("the engine's KeyEncoder: one image's embedding, as the batch's row, unit-length, the gallery's size", async () => {
    const g = readGolden(key!.entry.golden!);
    const [name, input] = Object.entries(g.inputs)[0];
    const x = goldenTensor(input);
    const batch = (await session.run({ [name]: new ort.Tensor('float32', x, input.shape) } as never))[key!.entry.outputs![0].name].data as Float32Array;
    const enc = new KeyEncoder(ort as unknown as OrtLike, manifest, key!.name, key!.entry, session);
    const per = x.length / input.shape[0];
    const dim = manifest.models[pickGallery(manifest)![0]].dim!;
    for (let i = 0; i < input.shape[0]; i++) {
      const e = await enc.embed(x.slice(i * per, (i + 1) * per));
      expect(e.length).toBe(dim);
      expect(norm(e)).toBeCloseTo(1, 4);
      const row = batch.slice(i * dim, (i + 1) * dim);
      expect(Math.max(...e.map((v, j) => Math.abs(v - row[j]))), `image ${i}`).toBeLessThan(1e-5);
    }
  });
});

describe('the retrieval in key space, as the engine runs it', () => {
  // drawings of trained concepts in a vendor the MLLM reads (emoji-datasource-google's 64 px art), by code point
  const drawings = ['1f600', '1f436', '1f34e', '1f680', '1f431', '1f355', '26bd', '1f308', '1f422', '1f951'];
  const png = (code: string): RGBAImage => {
    const p = decodePng(readFileSync(resolve(import.meta.dirname, `../node_modules/emoji-datasource-google/img/google/64/${code}.png`)));
    return { width: p.width, height: p.height, data: new Uint8ClampedArray(p.data) };
  };

  it("names a trained concept's drawing: key.onnx on the drawing framed as the pick frames, against gallery.bin", async () => {
    const [gname, entry] = pickGallery(manifest)!;
    const words = parseWords(JSON.parse(readFileSync(resolve(MODELS_DIR, manifest.models.words.file!), 'utf8')));
    const gallery = Gallery.parse(new Uint8Array(readFileSync(requireFile(entry.file!))), entry, words.concepts);
    expect([gallery.space, gallery.scale, gallery.inDim]).toEqual(['key', null, entry.dim]);
    const enc = new KeyEncoder(ort as unknown as OrtLike, manifest, key!.name, key!.entry, session);
    const size = manifest.image.size;
    const frame = manifest.mllm!.pick!.frame;
    const k = manifest.mllm!.pick!.k;
    let first = 0;
    for (const code of drawings) {
      const want = words.concepts.get(String.fromCodePoint(...code.split('-').map((h) => parseInt(h, 16))));
      expect(want, `${code} is a trained concept (${gname}'s)`).toBeTruthy();
      const nchw = toNCHW(prepareImage(png(code), size));
      const got = gallery.retrieve(await enc.embed(frame ? frameInk(nchw, size, frame) : nchw), k);
      expect(got.map((r) => r.name), code).toContain(want);
      // cosines, best first, within [-1, 1]
      for (let i = 1; i < got.length; i++) expect(got[i].score).toBeLessThanOrEqual(got[i - 1].score);
      expect(Math.abs(got[0].score)).toBeLessThanOrEqual(1 + 1e-3);
      if (got[0].name === want) first++;
    }
    // a drawing the key was trained on is nearly always its own concept's nearest
    expect(first).toBeGreaterThanOrEqual(drawings.length - 1);
  });
});
