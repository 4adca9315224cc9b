import { describe, expect, it } from 'vitest';
import { makeThumb, ResultHistory, type StorageLike } from '../src/resultHistory';
import type { RGBAImage } from '../workers/lib/image';

/** An in-memory Storage that, like a browser's, throws once a byte quota is reached. */
class QuotaStorage implements StorageLike {
  map = new Map<string, string>();
  constructor(private quotaChars = Infinity) {}
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    if (v.length > this.quotaChars) throw Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

function result(seed: number): { scale: string; image: RGBAImage }[] {
  return ['f4', 'f3', 'f2', 'f1', 'f0'].map((scale, s) => {
    const data = new Uint8ClampedArray(64 * 64 * 4);
    for (let i = 0; i < 64 * 64; i++) data.set([(i * 7 + seed) & 255, (s * 40 + seed) & 255, (i >> 6) * 4, 255], i * 4);
    return { scale, image: { width: 64, height: 64, data } };
  });
}

describe('result history', () => {
  it('adds, lists newest first and survives a new instance (a reload)', () => {
    const st = new QuotaStorage();
    const h = new ResultHistory(st);
    expect(h.list()).toEqual([]);
    expect(h.add({ task: 't2i', prompt: 'a red apple', seed: 1, steps: 10, guidance: 2, images: result(1), at: 1000 })).toEqual({ ok: true, dropped: 0, message: null });
    h.add({ task: 'reconstruct', inputName: 'google-1f319.png', images: result(2), at: 2000 });
    const again = new ResultHistory(st).list();
    expect(again.map((e) => e.task)).toEqual(['reconstruct', 't2i']);
    expect(again[1]).toMatchObject({ prompt: 'a red apple', seed: 1, steps: 10, guidance: 2, at: 1000 });
    expect(again[1].thumbs.map((t) => t.scale)).toEqual(['f4', 'f3', 'f2', 'f1', 'f0']);
    // the thumbnail is the area-downscaled result
    expect(again[1].thumbs[2].image).toEqual(makeThumb(result(1)[2].image, 32));
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const h = new ResultHistory(new QuotaStorage(), { maxEntries: 3 });
    for (let i = 0; i < 5; i++) h.add({ task: 't2i', prompt: `p${i}`, images: result(i), at: i });
    expect(h.list().map((e) => e.prompt)).toEqual(['p4', 'p3', 'p2']);
  });

  it('a quota error drops old entries to make room and says how many', () => {
    const st = new QuotaStorage();
    const h = new ResultHistory(st);
    h.add({ task: 't2i', prompt: 'first', images: result(1), at: 1 });
    const one = st.getItem(h.key)!.length;
    // room for two entries, not three
    const tight = new QuotaStorage(Math.floor(one * 2.5));
    tight.map = new Map(st.map);
    const h2 = new ResultHistory(tight);
    expect(h2.add({ task: 't2i', prompt: 'second', images: result(2), at: 2 }).ok).toBe(true);
    const r = h2.add({ task: 't2i', prompt: 'third', images: result(3), at: 3 });
    expect(r).toEqual({ ok: true, dropped: 1, message: null });
    expect(h2.list().map((e) => e.prompt)).toEqual(['third', 'second']);
  });

  it('when not even one entry fits: a message, nothing thrown, the old history kept', () => {
    const st = new QuotaStorage(100);
    st.map.set('puma-web:history', '{"v":1,"entries":[]}');
    const h = new ResultHistory(st);
    const r = h.add({ task: 't2i', prompt: 'x', images: result(1) });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/no room/);
    expect(st.getItem(h.key)).toBe('{"v":1,"entries":[]}');
  });

  it('the size cap holds even with room in the quota', () => {
    const h = new ResultHistory(new QuotaStorage(), { maxChars: 60_000 });
    for (let i = 0; i < 10; i++) h.add({ task: 't2i', prompt: `p${i}`, images: result(i), at: i });
    const n = h.list().length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(10);
  });

  it('corrupt or foreign stored values read as empty or skip the bad entries', () => {
    const st = new QuotaStorage();
    const h = new ResultHistory(st);
    for (const bad of ['not json', '{"v":2,"entries":[]}', 'null', '{"v":1,"entries":{}}']) {
      st.map.set(h.key, bad);
      expect(h.list()).toEqual([]);
    }
    h.clear();
    h.add({ task: 't2i', prompt: 'good', images: result(1), at: 5 });
    const s = JSON.parse(st.getItem(h.key)!);
    s.entries.push({ id: 'x', task: 't2i', at: 1, thumbs: [{ scale: 'f4', side: 32, rgb: 'AAAA' }] }); // wrong length
    s.entries.push({ id: 'y', task: 7, at: 1, thumbs: [] });
    st.map.set(h.key, JSON.stringify(s));
    expect(h.list().map((e) => e.prompt)).toEqual(['good']);
    // adding after corruption still works
    expect(h.add({ task: 't2i', prompt: 'next', images: result(2) }).ok).toBe(true);
  });

  it('clear empties it; no storage at all means a message, not an exception', () => {
    const h = new ResultHistory(new QuotaStorage());
    h.add({ task: 't2i', images: result(1) });
    h.clear();
    expect(h.list()).toEqual([]);
    const none = new ResultHistory(null);
    expect(none.list()).toEqual([]);
    expect(none.add({ task: 't2i', images: result(1) }).message).toMatch(/no storage/);
    const throwing: StorageLike = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); }, removeItem: () => { throw new Error('denied'); } };
    const t = new ResultHistory(throwing);
    expect(t.list()).toEqual([]);
    expect(t.add({ task: 't2i', images: result(1) }).ok).toBe(false);
    expect(() => t.clear()).not.toThrow();
  });
});
