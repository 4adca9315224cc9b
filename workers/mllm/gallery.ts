// The pick's gallery (manifest mllm.pick, training/gallery.py writes it): rows stored float16, each with its concept,
// in one of two spaces (the entry's `space`). "reader" (galleries written before the key model): a row is a training
// drawing's key, the reader's tokens at the entry's `scale` (f4 by default), flattened in the pyramid's order,
// centred on the gallery's mean, projected on its principal axes where the entry has `in_dim`, then L2-normalised.
// "key": a row is one concept's proxy in the key model's embedding (training/pick_key.py), the mean zeros and no
// projection, so a query is the key model's embedding as it is. `retrieve` gives the names of the k concepts nearest
// a query (cosine; a concept scores its best row; equal scores keep the lower concept index first), each with its
// cosine, which the MLLM then chooses among (generate.ts). Pure: the bytes come from the loader, the names from
// words.json's `concepts`.
import { gallerySpace, type GallerySpace, type ModelEntry } from '../lib/manifest';

export class GalleryError extends Error {}

export interface Retrieved {
  name: string;
  /** the concept's best cosine with the query */
  score: number;
}

export class Gallery {
  private constructor(
    /** what a query is: the reader's tokens at `scale`, or the key model's embedding */
    readonly space: GallerySpace,
    /** reader space: the reader's scale whose tokens, flattened, are a query; key space: null */
    readonly scale: string | null,
    /** [inDim] */
    readonly mean: Float32Array,
    /** [inDim * dim] row-major (in_dim rows): the principal axes a centred query is projected on; null: none */
    readonly proj: Float32Array | null,
    /** [rows * dim] centred, unit rows */
    readonly rows: Float32Array,
    /** per row: an index into names */
    readonly concept: Uint16Array,
    /** per concept: its name (what a caption answers and a plan writes) */
    readonly names: string[],
  ) {}

  /** a stored row's values */
  get dim(): number {
    return this.rows.length / this.concept.length;
  }

  /** a query's values: the scale's tokens x the feature width (reader space), the embedding's (key space: dim) */
  get inDim(): number {
    return this.mean.length;
  }

  /** The file as laid out by training/gallery.py: mean float32[in_dim], where the entry has in_dim the projection
   * float32[in_dim, dim], rows float16[rows, dim], concept uint16[rows], little-endian (key space: no in_dim, so the
   * mean is float32[dim] and there is no projection). `nameOf`: a concept character (the entry's `concepts`) -> its
   * name (words.json). */
  static parse(bytes: Uint8Array, entry: ModelEntry, nameOf: ReadonlyMap<string, string>): Gallery {
    const space = gallerySpace(entry);
    // a key model's embedding is compared as it is: a projection or a reader scale would say otherwise
    if (space === 'key' && (entry.in_dim !== undefined || entry.scale !== undefined)) throw new GalleryError('a gallery in key space has no in_dim or scale: its queries are the key model\'s embeddings');
    const n = entry.rows ?? 0;
    const c = entry.dim ?? 0;
    const d = entry.in_dim ?? c;
    const p = entry.in_dim === undefined ? 0 : d * c;
    const chars = entry.concepts ?? [];
    const want = 4 * d + 4 * p + 2 * n * c + 2 * n;
    if (!(n > 0 && c > 0 && d >= c) || bytes.length !== want) throw new GalleryError(`the gallery is ${bytes.length} bytes, its manifest entry says ${want} (${n} rows of ${c}${p ? `, keys of ${d}` : ''})`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const mean = new Float32Array(d);
    for (let i = 0; i < d; i++) mean[i] = view.getFloat32(4 * i, true);
    const proj = p ? new Float32Array(p) : null;
    if (proj) for (let i = 0, o = 4 * d; i < p; i++, o += 4) proj[i] = view.getFloat32(o, true);
    const r0 = 4 * d + 4 * p;
    const rows = new Float32Array(n * c);
    for (let i = 0, o = r0; i < n * c; i++, o += 2) rows[i] = halfToFloat(view.getUint16(o, true));
    const concept = new Uint16Array(n);
    for (let i = 0, o = r0 + 2 * n * c; i < n; i++, o += 2) {
      concept[i] = view.getUint16(o, true);
      if (concept[i] >= chars.length) throw new GalleryError(`gallery row ${i} names concept ${concept[i]} of ${chars.length}`);
    }
    const names = chars.map((ch) => {
      const name = nameOf.get(ch);
      if (!name) throw new GalleryError(`the word list has no name for the gallery's concept ${ch}`);
      return name;
    });
    return new Gallery(space, space === 'key' ? null : (entry.scale ?? 'f4'), mean, proj, rows, concept, names);
  }

  /** The k concepts nearest `key` ([inDim]: the reader's tokens at `scale`, flattened, or the key model's
   * embedding), best first, each with its cosine. */
  retrieve(key: Float32Array, k: number): Retrieved[] {
    const d = this.inDim;
    const c = this.dim;
    if (key.length !== d) throw new GalleryError(`a gallery query has ${key.length} values, the gallery ${d}`);
    const centred = new Float32Array(d);
    for (let i = 0; i < d; i++) centred[i] = key[i] - this.mean[i];
    let q = centred;
    if (this.proj) {
      q = new Float32Array(c);
      for (let i = 0; i < d; i++) {
        const x = centred[i];
        for (let j = 0, o = i * c; j < c; j++, o++) q[j] += x * this.proj[o];
      }
    }
    let norm = 0;
    for (let i = 0; i < c; i++) norm += q[i] ** 2;
    // F.normalize's eps: a query at the mean scores 0 everywhere rather than NaN
    const inv = 1 / Math.max(Math.sqrt(norm), 1e-12);
    const best = new Float32Array(this.names.length).fill(-2);
    for (let r = 0; r < this.concept.length; r++) {
      let dot = 0;
      for (let i = 0, o = r * c; i < c; i++, o++) dot += this.rows[o] * q[i];
      dot *= inv;
      const j = this.concept[r];
      if (dot > best[j]) best[j] = dot;
    }
    const order = Array.from(best.keys()).sort((a, b) => best[b] - best[a] || a - b);
    return order.slice(0, k).map((j) => ({ name: this.names[j], score: best[j] }));
  }
}

/** IEEE 754 half -> float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
