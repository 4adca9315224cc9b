// A gallery file as training/gallery.py lays it out (mean float32, rows float16, concept uint16, little-endian),
// for the tests that need one without the shipped models.
import { Gallery } from '../workers/mllm/gallery';
import type { ModelEntry } from '../workers/lib/manifest';

/** float -> IEEE half, round to nearest even (the tests' values are normal numbers of modest size) */
export function floatToHalf(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0];
  const sign = (u >> 16) & 0x8000;
  if (x === 0) return sign;
  let e = ((u >> 23) & 0xff) - 127 + 15;
  let m = u & 0x7fffff;
  // round the 23-bit mantissa to 10 bits, nearest even
  const rest = m & 0x1fff;
  m >>= 13;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) m++;
  if (m === 0x400) (m = 0), e++;
  return sign | (e << 10) | m;
}

/** proj: [in_dim][dim] (a key's values x a row's), where the gallery projects its keys */
export function galleryBytes(mean: number[], rows: number[][], concept: number[], proj?: number[][]): Uint8Array {
  const d = mean.length;
  const c = rows[0].length;
  const n = rows.length;
  const p = proj ? d * c : 0;
  const r0 = 4 * d + 4 * p;
  const b = new Uint8Array(r0 + 2 * n * c + 2 * n);
  const v = new DataView(b.buffer);
  mean.forEach((x, i) => v.setFloat32(4 * i, x, true));
  proj?.flat().forEach((x, i) => v.setFloat32(4 * d + 4 * i, x, true));
  rows.flat().forEach((x, i) => v.setUint16(r0 + 2 * i, floatToHalf(x), true));
  concept.forEach((x, i) => v.setUint16(r0 + 2 * n * c + 2 * i, x, true));
  return b;
}

/** A gallery of `names.length` concepts, one row each, from rows given as numbers (the entry made to match). */
export function makeGallery(mean: number[], rows: number[][], concept: number[], names: string[]): Gallery {
  const chars = names.map((_, i) => String.fromCodePoint(0x1f600 + i));
  const entry: ModelEntry = { role: 'gallery', file: 'gallery.bin', rows: rows.length, dim: mean.length, concepts: chars };
  return Gallery.parse(galleryBytes(mean, rows, concept), entry, new Map(chars.map((ch, i) => [ch, names[i]])));
}
