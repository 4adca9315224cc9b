// The pick's gallery (workers/mllm/gallery.ts): the file's layout as training/gallery.py writes it, float16
// rows, retrieval by a concept's best drawing with ties to the lower index, and the errors a wrong file gets; in
// both spaces (the reader's tokens, projected; the key model's embedding, as it is), and the shipped file.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Gallery, GalleryError, halfToFloat } from '../workers/mllm/gallery';
import { pickGallery, type ModelEntry } from '../workers/lib/manifest';
import { parseWords } from '../workers/lib/words';
import { galleryBytes as file } from './gallery-file';
import { loadManifest, requireFile } from './models';

const names = new Map([
  ['A', 'apple'],
  ['B', 'banana'],
  ['C', 'cherries'],
]);
const entry = (rows: number, dim: number, concepts = ['A', 'B', 'C']): ModelEntry => ({ role: 'gallery', file: 'gallery.bin', rows, dim, concepts });

describe('the gallery', () => {
  it('reads float16 halves exactly', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xbc00)).toBe(-1);
    expect(halfToFloat(0x3800)).toBe(0.5);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('retrieves the concepts of the nearest drawings, each scored by its best drawing, after centring on the mean', () => {
    // mean (1, 1): the query (1, 2) points along +y once centred
    const rows = [
      [1, 0], // apple
      [0, 1], // banana: exactly the query's direction
      [0.6, 0.8], // cherries
      [-1, 0], // apple again, worse
    ];
    const g = Gallery.parse(file([1, 1], rows, [0, 1, 2, 0]), entry(4, 2), names);
    const got = g.retrieve(Float32Array.from([1, 2]), 3);
    expect(got.map((r) => r.name)).toEqual(['banana', 'cherries', 'apple']);
    expect(got[0].score).toBeCloseTo(1, 3);
    expect(got[1].score).toBeCloseTo(0.8, 3);
    // apple's best drawing (1, 0) is orthogonal to the query; its other (-1, 0) too: 0, not -1
    expect(got[2].score).toBeCloseTo(0, 3);
    expect(g.retrieve(Float32Array.from([1, 2]), 1).map((r) => r.name)).toEqual(['banana']);
    // the length of the query does not matter, only its direction from the mean
    expect(g.retrieve(Float32Array.from([1, 9]), 3).map((r) => r.name)).toEqual(['banana', 'cherries', 'apple']);
  });

  it('projects a centred key on the principal axes before comparing (in_dim), and names its scale', () => {
    // keys of 3 values on 2 axes: (x, y, z) -> (x + z, y), rows already in the projected space
    const proj = [
      [1, 0],
      [0, 1],
      [1, 0],
    ];
    const rows = [
      [1, 0], // apple
      [0, 1], // banana
    ];
    const e: ModelEntry = { ...entry(2, 2, ['A', 'B']), in_dim: 3, scale: 'f3' };
    const g = Gallery.parse(file([1, 1, 1], rows, [0, 1], proj), e, names);
    expect([g.space, g.scale, g.inDim, g.dim]).toEqual(['reader', 'f3', 3, 2]);
    // (1, 1, 3) centred is (0, 0, 2), projected (2, 0): apple's direction
    const got = g.retrieve(Float32Array.from([1, 1, 3]), 2);
    expect(got.map((r) => r.name)).toEqual(['apple', 'banana']);
    expect(got[0].score).toBeCloseTo(1, 6);
    expect(got[1].score).toBeCloseTo(0, 6);
    expect(g.retrieve(Float32Array.from([1, 3, 1]), 1).map((r) => r.name)).toEqual(['banana']);
    // "space": "reader" says the same as no space (galleries written before the key model)
    const explicit = Gallery.parse(file([1, 1, 1], rows, [0, 1], proj), { ...e, space: 'reader' }, names);
    expect([explicit.space, explicit.scale]).toEqual(['reader', 'f3']);
    expect(explicit.retrieve(Float32Array.from([1, 1, 3]), 2)).toEqual(got);
    // a key of the projected size, or a file without its projection, is refused
    expect(() => g.retrieve(new Float32Array(2), 1)).toThrow(/2 values, the gallery 3/);
    expect(() => Gallery.parse(file([1, 1, 1], rows, [0, 1]), e, names)).toThrow(/keys of 3/);
    // without in_dim: f4 keys, no projection
    expect(Gallery.parse(file([0, 0], rows, [0, 1]), entry(2, 2), names).scale).toBe('f4');
  });

  it("in key space: a query is the key model's embedding as it is, no scale, no projection; its length not its size", () => {
    const e: ModelEntry = { ...entry(3, 2), space: 'key', key: 'key' };
    // mean zeros, as the key's gallery is written (training/gallery.py write, space "key")
    const g = Gallery.parse(file([0, 0], [[1, 0], [0, 1], [0.6, 0.8]], [0, 1, 2]), e, names);
    expect([g.space, g.scale, g.inDim, g.dim]).toEqual(['key', null, 2, 2]);
    const got = g.retrieve(Float32Array.from([0.6, 0.8]), 3);
    expect(got.map((r) => r.name)).toEqual(['cherries', 'banana', 'apple']);
    expect(got.map((r) => r.score)).toEqual([expect.closeTo(1, 3), expect.closeTo(0.8, 3), expect.closeTo(0.6, 3)]);
    expect(g.retrieve(Float32Array.from([6, 8]), 3)).toEqual(got);
    // a reader scale or a projection would say a query is something else: refused
    expect(() => Gallery.parse(file([0, 0], [[1, 0]], [0]), { ...entry(1, 2), space: 'key', scale: 'f4' }, names)).toThrow(/key space has no in_dim or scale/);
    expect(() => Gallery.parse(file([0, 0, 0], [[1, 0]], [0], [[1, 0], [0, 1], [0, 0]]), { ...entry(1, 2), space: 'key', in_dim: 3 }, names)).toThrow(/key space has no in_dim or scale/);
    expect(() => g.retrieve(new Float32Array(3), 1)).toThrow(/3 values, the gallery 2/);
  });

  it('the shipped gallery.bin (key space) parses with the word list: one unit row a concept, each its own nearest', () => {
    const m = loadManifest();
    const [, e] = pickGallery(m)!;
    const words = parseWords(JSON.parse(readFileSync(requireFile(m.models.words.file!), 'utf8')));
    const g = Gallery.parse(new Uint8Array(readFileSync(requireFile(e.file!))), e, words.concepts);
    expect([g.space, g.scale, g.dim, g.inDim]).toEqual(['key', null, e.dim, e.dim]);
    expect(g.names.length).toBe(e.concepts!.length);
    expect(g.mean.every((x) => x === 0), 'the key is not centred').toBe(true);
    expect(g.proj).toBeNull();
    const dim = g.dim;
    for (let r = 0; r < e.rows!; r += 97) {
      const row = g.rows.slice(r * dim, (r + 1) * dim);
      expect(Math.hypot(...row), `row ${r}`).toBeCloseTo(1, 2);
      // a concept's proxy asked of the gallery names that concept first
      const [best] = g.retrieve(row, 1);
      expect(best.name, `row ${r}`).toBe(g.names[g.concept[r]]);
      expect(best.score).toBeCloseTo(1, 2);
    }
  });

  it('breaks ties by the lower concept index', () => {
    const g = Gallery.parse(file([0, 0], [[1, 0], [1, 0], [1, 0]], [2, 1, 0]), entry(3, 2), names);
    expect(g.retrieve(Float32Array.from([1, 0]), 3).map((r) => r.name)).toEqual(['apple', 'banana', 'cherries']);
  });

  it('refuses a file of the wrong length, a row naming no concept, a concept without a name, and a query of the wrong size', () => {
    const ok = file([0, 0], [[1, 0]], [0]);
    expect(() => Gallery.parse(ok.slice(0, -1), entry(1, 2), names)).toThrow(GalleryError);
    expect(() => Gallery.parse(ok, entry(2, 2), names)).toThrow(/bytes/);
    expect(() => Gallery.parse(file([0, 0], [[1, 0]], [3]), entry(1, 2), names)).toThrow(/concept 3 of 3/);
    expect(() => Gallery.parse(ok, entry(1, 2, ['Z']), names)).toThrow(/no name/);
    expect(() => Gallery.parse(ok, entry(1, 2), names).retrieve(new Float32Array(3), 1)).toThrow(/3 values/);
  });
});
