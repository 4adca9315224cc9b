// The TypeScript tokenizer gives the ids Python gives (golden cases written by
// training/tokenizer.py) and round-trips arbitrary strings.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Tokenizer, normalizeText, wholeUtf8, type TokenizerJson } from './tokenizer';

const here = import.meta.dirname;
const json = JSON.parse(readFileSync(resolve(here, '../../training/tokenizer.json'), 'utf8')) as TokenizerJson;
const golden = JSON.parse(readFileSync(resolve(here, 'tokenizer_golden.json'), 'utf8')) as { cases: { b64: string; ids: number[] }[] };
const tok = new Tokenizer(json);

function fromB64(b64: string): string {
  return new TextDecoder().decode(Buffer.from(b64, 'base64'));
}

describe('tokenizer parity with Python', () => {
  it('golden cases: same ids, and decode gives the string back', () => {
    expect(golden.cases.length).toBeGreaterThan(300);
    for (const c of golden.cases) {
      const s = fromB64(c.b64);
      expect(tok.encode(s), JSON.stringify(s).slice(0, 80)).toEqual(c.ids);
      expect(tok.decode(c.ids)).toBe(s);
    }
  });

  it('covers empty, very long, emoji and unicode inputs', () => {
    const strs = golden.cases.map((c) => fromB64(c.b64));
    expect(strs).toContain('');
    expect(strs.some((s) => s.length >= 5000)).toBe(true);
    expect(strs.some((s) => s.includes('👨‍👩‍👧‍👦'))).toBe(true);
  });
});

describe('an answer cut inside a character', () => {
  it('wholeUtf8 cuts a last sequence short of its bytes and leaves the rest', () => {
    const b = (...x: number[]) => Uint8Array.from(x);
    const u = new TextEncoder().encode('tü€😀'); // 1 + 2 + 3 + 4 bytes
    expect([...wholeUtf8(u)]).toEqual([...u]);
    for (const [cut, keep] of [[2, 1], [4, 3], [5, 3], [7, 6], [8, 6], [9, 6]]) expect(wholeUtf8(u.subarray(0, cut)).length, `${cut}`).toBe(keep);
    expect([...wholeUtf8(b(0x74, 0x80))]).toEqual([0x74, 0x80]); // a stray continuation byte: invalid, the decoder's
    expect([...wholeUtf8(b())]).toEqual([]);
  });
  it('decodeWhole: ids that stop inside a character decode to the whole characters before it', () => {
    const byteId = (v: number) => {
      for (let id = 0; id < tok.vocabSize; id++) {
        const b = tok.decodeBytes([id]);
        if (b.length === 1 && b[0] === v) return id;
      }
      throw new Error(`no single-byte token ${v}`);
    };
    const t = tok.encode('t');
    expect(tok.decode([...t, byteId(0xc3)])).toBe('t\uFFFD'); // what the page returned before
    expect(tok.decodeWhole([...t, byteId(0xc3)])).toBe('t');
    expect(tok.decodeWhole([...t, byteId(0xc3), byteId(0xbc)])).toBe('tü');
  });
});

describe('tokenizer properties', () => {
  it('round-trips random strings (random code points, spaces, long runs)', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let n = 0; n < 300; n++) {
      const len = Math.floor(rnd() * 200);
      let s = '';
      for (let i = 0; i < len; i++) {
        const r = rnd();
        if (r < 0.3) s += ' ';
        else if (r < 0.6) s += String.fromCharCode(97 + Math.floor(rnd() * 26));
        else if (r < 0.8) s += String.fromCodePoint(0x1f300 + Math.floor(rnd() * 0x600));
        else s += String.fromCodePoint(0xa0 + Math.floor(rnd() * 0xd000));
      }
      const ids = tok.encode(s);
      for (const id of ids) expect(id >= json.byte_offset && id < tok.vocabSize).toBe(true);
      expect(tok.decode(ids)).toBe(s);
    }
  });

  it('never emits special tokens for text that spells them', () => {
    expect(Math.min(...tok.encode('[IMG] <s> </s> <ans> [/IMG]'))).toBeGreaterThanOrEqual(json.byte_offset);
  });

  it('encodes a 200k-character input in linear time', () => {
    const s = 'grinning face with big eyes '.repeat(7000);
    const t = performance.now();
    expect(tok.decode(tok.encode(s))).toBe(s);
    expect(performance.now() - t).toBeLessThan(5000);
  });

  it('normalizes like Python', () => {
    expect(normalizeText('  Grinning   FACE\n')).toBe('grinning face');
    expect(normalizeText('')).toBe('');
  });
});
