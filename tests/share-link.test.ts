import { describe, expect, it } from 'vitest';
import { decodeShareHash, encodeShareHash, MAX_HASH_LENGTH, readShareHash, shareUrl, type ShareState } from '../src/shareLink';
import { mulberry32 } from '../workers/lib/rng';

describe('share link', () => {
  it('round-trips every setting, prompts with any characters included', () => {
    const s: ShareState = { task: 't2i', prompt: 'a red apple & a 🍎 #1 = 100% "ok"?', seed: 4294967295, steps: 10, guidance: 2.5, scales: ['f4', 'f3', 'f0'] };
    const h = encodeShareHash(s);
    expect(h.startsWith('#')).toBe(true);
    expect(decodeShareHash(h)).toEqual(s);
    expect(decodeShareHash(h.slice(1))).toEqual(s); // without the '#'
  });

  it('the plan travels with its prompt, never alone; a control character or an oversize plan is dropped', () => {
    const s: ShareState = { task: 'text-to-image', prompt: 'hot drink', seed: 7, plan: 'hot beverage | noto | none' };
    expect(decodeShareHash(encodeShareHash(s))).toEqual(s);
    expect(decodeShareHash(encodeShareHash({ seed: 7, plan: 'hot beverage | noto | none' }))).toEqual({ seed: 7 });
    expect(decodeShareHash('#prompt=x&plan=a%0Ab')).toEqual({ prompt: 'x' });
    expect(decodeShareHash(`#prompt=x&plan=${'a'.repeat(201)}`)).toEqual({ prompt: 'x' });
  });

  it('guidance 0 and seed 0 survive', () => {
    expect(decodeShareHash(encodeShareHash({ seed: 0, guidance: 0 }))).toEqual({ seed: 0, guidance: 0 });
  });

  it('nothing to share gives an empty hash; an empty hash gives nothing', () => {
    expect(encodeShareHash({})).toBe('');
    expect(decodeShareHash('')).toEqual({});
    expect(decodeShareHash('#')).toEqual({});
  });

  it('malformed values are dropped one by one, the rest kept', () => {
    const got = decodeShareHash('#task=t2i&seed=-4&steps=1e3&guidance=NaN&scales=f4,,<script>,f4,f1&prompt=ok&evil=1');
    expect(got).toEqual({ task: 't2i', scales: ['f4', 'f1'], prompt: 'ok' });
    expect(decodeShareHash('#seed=99999999999&steps=0&guidance=1e400&task=' + 'x'.repeat(60))).toEqual({});
    expect(decodeShareHash('#prompt=line%0Abreak')).toEqual({}); // control characters
    expect(decodeShareHash('#%E0%A4%A&prompt=%')).toEqual({ prompt: '%' }); // broken escapes do not throw
  });

  it('is length-capped both ways: a huge prompt is left out, never cut', () => {
    const h = encodeShareHash({ task: 't2i', prompt: 'x'.repeat(5000), seed: 7 });
    expect(h.length).toBeLessThanOrEqual(MAX_HASH_LENGTH);
    expect(decodeShareHash(h)).toEqual({ task: 't2i', seed: 7 });
    expect(decodeShareHash('#seed=1&pad=' + 'a'.repeat(MAX_HASH_LENGTH))).toEqual({});
    // a prompt that is short in characters but long once escaped is also left out
    expect(decodeShareHash(encodeShareHash({ prompt: '字'.repeat(900) }))).toEqual({});
  });

  it('random garbage never throws and yields only valid fields', () => {
    const rnd = mulberry32(42);
    for (let n = 0; n < 2000; n++) {
      let s = '#';
      const len = Math.floor(rnd() * 120);
      for (let i = 0; i < len; i++) s += String.fromCharCode(rnd() < 0.7 ? 32 + Math.floor(rnd() * 95) : Math.floor(rnd() * 0xffff));
      const got = decodeShareHash(s);
      if (got.seed != null) expect(Number.isInteger(got.seed) && got.seed >= 0).toBe(true);
      if (got.guidance != null) expect(Number.isFinite(got.guidance)).toBe(true);
      for (const k of Object.keys(got)) expect(['task', 'prompt', 'seed', 'steps', 'guidance', 'scales']).toContain(k);
    }
  });

  it('shareUrl replaces an existing hash', () => {
    expect(shareUrl('https://x.test/puma/?ep=wasm#old=1', { seed: 3 })).toBe('https://x.test/puma/?ep=wasm#seed=3');
  });
});

describe('readShareHash says what a link did', () => {
  it('none for no hash or an in-page anchor, read with what was left out, unreadable when nothing is usable', () => {
    expect(readShareHash('')).toEqual({ status: 'none', settings: {}, dropped: [] });
    expect(readShareHash('#')).toMatchObject({ status: 'none' });
    expect(readShareHash('#results-main')).toMatchObject({ status: 'none' });
    expect(readShareHash('#prompt=cat&seed=-4&steps=7')).toEqual({ status: 'read', settings: { prompt: 'cat', steps: 7 }, dropped: ['seed'] });
    expect(readShareHash('#seed=-4&guidance=NaN')).toEqual({ status: 'unreadable', settings: {}, dropped: [] });
    expect(readShareHash('#%E0%A4%A&prom')).toMatchObject({ status: 'unreadable' }); // cut mid-way
    expect(readShareHash('#prompt=' + 'a'.repeat(100_000))).toMatchObject({ status: 'unreadable' });
    expect(readShareHash(encodeShareHash({ prompt: 'red apple', seed: 3 }))).toMatchObject({ status: 'read', dropped: [] });
  });
});
