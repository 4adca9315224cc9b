// Byte-level BPE, bit-for-bit the algorithm of training/tokenizer.py (read its docstring):
// UTF-8 bytes -> chunks (a chunk starts at byte 0 and at every space byte; chunks longer than
// max_chunk bytes are cut) -> per chunk, repeatedly merge the lowest-ranked adjacent pair.
// Special tokens never come out of encode(): a user's text cannot inject "[IMG]".

export interface TokenizerJson {
  format: number;
  type: string;
  specials: string[];
  byte_offset: number;
  max_chunk: number;
  split_byte: number;
  vocab_size: number;
  merges: [number, number][];
}

export class TokenizerError extends Error {}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

export class Tokenizer {
  readonly vocabSize: number;
  readonly specials: Record<string, number>;
  private readonly rank = new Map<number, number>(); // pair key a*vocab+b -> rank
  private readonly bytesOf: Uint8Array[];
  private readonly cache = new Map<string, number[]>();
  private readonly off: number;
  private readonly maxChunk: number;
  private readonly split: number;

  constructor(readonly json: TokenizerJson) {
    if (json.type !== 'byte_bpe' || json.format !== 1) throw new TokenizerError(`tokenizer: unsupported type ${json.type} / format ${json.format}`);
    this.off = json.byte_offset;
    this.maxChunk = json.max_chunk;
    this.split = json.split_byte;
    this.vocabSize = this.off + 256 + json.merges.length;
    if (this.vocabSize !== json.vocab_size) throw new TokenizerError(`tokenizer: vocab_size ${json.vocab_size} != ${this.vocabSize}`);
    this.specials = Object.fromEntries(json.specials.map((s, i) => [s, i]));
    this.bytesOf = new Array(this.vocabSize);
    for (let i = 0; i < this.off; i++) this.bytesOf[i] = new Uint8Array(0);
    for (let b = 0; b < 256; b++) this.bytesOf[this.off + b] = Uint8Array.of(b);
    json.merges.forEach(([a, b], r) => {
      const id = this.off + 256 + r;
      if (!(a < id && b < id)) throw new TokenizerError(`tokenizer: merge ${r} refers to a later id`);
      this.rank.set(a * this.vocabSize + b, r);
      const x = this.bytesOf[a];
      const y = this.bytesOf[b];
      const m = new Uint8Array(x.length + y.length);
      m.set(x, 0);
      m.set(y, x.length);
      this.bytesOf[id] = m;
    });
  }

  id(special: string): number {
    const v = this.specials[special];
    if (v === undefined) throw new TokenizerError(`tokenizer: no special token ${special}`);
    return v;
  }

  private bpe(bytes: Uint8Array, start: number, end: number): number[] {
    let key = '';
    for (let i = start; i < end; i++) key += String.fromCharCode(bytes[i]);
    const hit = this.cache.get(key);
    if (hit) return hit;
    let ids: number[] = [];
    for (let i = start; i < end; i++) ids.push(this.off + bytes[i]);
    const V = this.vocabSize;
    while (ids.length > 1) {
      let bestRank = -1;
      let a0 = 0;
      let b0 = 0;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.rank.get(ids[i] * V + ids[i + 1]);
        if (r !== undefined && (bestRank < 0 || r < bestRank)) {
          bestRank = r;
          a0 = ids[i];
          b0 = ids[i + 1];
        }
      }
      if (bestRank < 0) break;
      const nid = this.off + 256 + bestRank;
      const out: number[] = [];
      for (let i = 0; i < ids.length; ) {
        if (i + 1 < ids.length && ids[i] === a0 && ids[i + 1] === b0) {
          out.push(nid);
          i += 2;
        } else {
          out.push(ids[i]);
          i += 1;
        }
      }
      ids = out;
    }
    if (this.cache.size < 50000) this.cache.set(key, ids);
    return ids;
  }

  encode(text: string): number[] {
    const bytes = enc.encode(text);
    const out: number[] = [];
    let start = 0;
    for (let i = 1; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === this.split || i - start === this.maxChunk) {
        for (const t of this.bpe(bytes, start, i)) out.push(t);
        start = i;
      }
    }
    return out;
  }

  /** Bytes of the ids (specials skipped) as UTF-8; invalid sequences become U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    return dec.decode(this.decodeBytes(ids));
  }

  /** decode, less a last character cut short: the text of ids that stop inside a UTF-8 sequence (an answer cut at
   * its token budget) ends at the last whole character instead of in U+FFFD. */
  decodeWhole(ids: ArrayLike<number>): string {
    return dec.decode(wholeUtf8(this.decodeBytes(ids)));
  }

  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    let n = 0;
    for (let i = 0; i < ids.length; i++) n += this.bytesOf[ids[i]]?.length ?? 0;
    const out = new Uint8Array(n);
    let o = 0;
    for (let i = 0; i < ids.length; i++) {
      const b = this.bytesOf[ids[i]];
      if (!b) throw new TokenizerError(`tokenizer: id ${ids[i]} out of range`);
      out.set(b, o);
      o += b.length;
    }
    return out;
  }
}

/** The bytes up to the end of the last whole UTF-8 character: a last sequence whose lead byte asks for more
 * continuation bytes than follow it is cut. Anything else (complete, or invalid on its own) is left to the decoder. */
export function wholeUtf8(b: Uint8Array): Uint8Array {
  let i = b.length - 1;
  while (i >= 0 && b.length - i <= 3 && (b[i] & 0xc0) === 0x80) i--; // back over continuation bytes
  if (i < 0) return b;
  const lead = b[i];
  const need = lead >= 0xf0 && lead < 0xf8 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return need > 1 && b.length - i < need ? b.subarray(0, i) : b;
}

/** The prompt normalization the model was trained with (training/mllm_tasks.normalize_text). */
export function normalizeText(s: string): string {
  return s.normalize('NFC').toLowerCase().split(/\s+/).filter((w) => w.length > 0).join(' ');
}
