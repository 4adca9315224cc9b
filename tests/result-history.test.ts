import { describe, expect, it } from 'vitest';
import { makeThumb, ResultHistory, type StorageLike } from '../src/resultHistory';
import type { RGBAImage } from '../workers/lib/image';
import { packHole } from '../workers/lib/mask';
import { MemoryStorage } from './memory-storage';

/** The model's input size the page passes in (the shipped manifest's image.size). */
const SIDE = 64;

function result(seed: number): { scale: string; image: RGBAImage }[] {
  return ['f4', 'f3', 'f2', 'f1', 'f0'].map((scale, s) => {
    const data = new Uint8ClampedArray(64 * 64 * 4);
    for (let i = 0; i < 64 * 64; i++) data.set([(i * 7 + seed) & 255, (s * 40 + seed) & 255, (i >> 6) * 4, 255], i * 4);
    return { scale, image: { width: 64, height: 64, data } };
  });
}

describe('result history', () => {
  it('adds, lists newest first and survives a new instance (a reload)', () => {
    const st = new MemoryStorage();
    const h = new ResultHistory(st);
    expect(h.list(SIDE)).toEqual([]);
    expect(h.add({ task: 'text-to-image', prompt: 'a red apple', seed: 1, steps: 10, guidance: 2, images: result(1), at: 1000 }, SIDE)).toEqual({ ok: true, dropped: 0, message: null });
    h.add({ task: 'reconstruct', inputName: 'google-1f319.png', images: result(2), at: 2000 }, SIDE);
    const again = new ResultHistory(st).list(SIDE);
    expect(again.map((e) => e.task)).toEqual(['reconstruct', 'text-to-image']);
    expect(again[1]).toMatchObject({ prompt: 'a red apple', seed: 1, steps: 10, guidance: 2, at: 1000 });
    expect(again[1].thumbs.map((t) => t.scale)).toEqual(['f4', 'f3', 'f2', 'f1', 'f0']);
    // the thumbnail is the area-downscaled result
    expect(again[1].thumbs[2].image).toEqual(makeThumb(result(1)[2].image, 32));
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const h = new ResultHistory(new MemoryStorage(), { maxEntries: 3 });
    for (let i = 0; i < 5; i++) h.add({ task: 'text-to-image', prompt: `p${i}`, images: result(i), at: i }, SIDE);
    expect(h.list(SIDE).map((e) => e.prompt)).toEqual(['p4', 'p3', 'p2']);
  });

  it('a quota error drops old entries to make room and says how many', () => {
    const st = new MemoryStorage();
    const h = new ResultHistory(st);
    h.add({ task: 'text-to-image', prompt: 'first', images: result(1), at: 1 }, SIDE);
    const one = st.getItem(h.key)!.length;
    // room for two entries, not three
    const tight = new MemoryStorage(Math.floor(one * 2.5));
    tight.map = new Map(st.map);
    const h2 = new ResultHistory(tight);
    expect(h2.add({ task: 'text-to-image', prompt: 'second', images: result(2), at: 2 }, SIDE).ok).toBe(true);
    const r = h2.add({ task: 'text-to-image', prompt: 'third', images: result(3), at: 3 }, SIDE);
    expect(r).toEqual({ ok: true, dropped: 1, message: null });
    expect(h2.list(SIDE).map((e) => e.prompt)).toEqual(['third', 'second']);
  });

  it('when not even one entry fits: a message, nothing thrown, the old history kept', () => {
    const st = new MemoryStorage(100);
    st.map.set('puma-web:history', '{"v":1,"entries":[]}');
    const h = new ResultHistory(st);
    const r = h.add({ task: 'text-to-image', prompt: 'x', images: result(1) }, SIDE);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/no room/);
    expect(st.getItem(h.key)).toBe('{"v":1,"entries":[]}');
  });

  it('the size cap holds even with room in the quota', () => {
    const h = new ResultHistory(new MemoryStorage(), { maxChars: 60_000 });
    for (let i = 0; i < 10; i++) h.add({ task: 'text-to-image', prompt: `p${i}`, images: result(i), at: i }, SIDE);
    const n = h.list(SIDE).length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(10);
  });

  it('corrupt or foreign stored values read as empty or skip the bad entries', () => {
    const st = new MemoryStorage();
    const h = new ResultHistory(st);
    for (const bad of ['not json', '{"v":2,"entries":[]}', 'null', '{"v":1,"entries":{}}']) {
      st.map.set(h.key, bad);
      expect(h.list(SIDE)).toEqual([]);
    }
    h.clear();
    h.add({ task: 'text-to-image', prompt: 'good', images: result(1), at: 5 }, SIDE);
    const s = JSON.parse(st.getItem(h.key)!);
    s.entries.push({ id: 'x', task: 'text-to-image', at: 1, thumbs: [{ scale: 'f4', side: 32, rgb: 'AAAA' }] }); // wrong length
    s.entries.push({ id: 'y', task: 7, at: 1, thumbs: [] });
    st.map.set(h.key, JSON.stringify(s));
    expect(h.list(SIDE).map((e) => e.prompt)).toEqual(['good']);
    // adding after corruption still works
    expect(h.add({ task: 'text-to-image', prompt: 'next', images: result(2) }, SIDE).ok).toBe(true);
  });

  it('clear empties it; no storage at all means a message, not an exception', () => {
    const h = new ResultHistory(new MemoryStorage());
    h.add({ task: 'text-to-image', images: result(1) }, SIDE);
    h.clear();
    expect(h.list(SIDE)).toEqual([]);
    const none = new ResultHistory(null);
    expect(none.list(SIDE)).toEqual([]);
    expect(none.add({ task: 'text-to-image', images: result(1) }, SIDE).message).toMatch(/no storage/);
    const throwing: StorageLike = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); }, removeItem: () => { throw new Error('denied'); } };
    const t = new ResultHistory(throwing);
    expect(t.list(SIDE)).toEqual([]);
    expect(t.add({ task: 'text-to-image', images: result(1) }, SIDE).ok).toBe(false);
    expect(() => t.clear()).not.toThrow();
  });

  describe('image-taking runs (v2): the 64x64 input the engine read and the request beside the thumbnails', () => {
    /** An opaque 64x64 image with every byte position distinct enough to catch a shifted or lossy round trip. */
    function input(seed: number): RGBAImage {
      const data = new Uint8ClampedArray(64 * 64 * 4);
      for (let i = 0; i < 64 * 64; i++) data.set([(i * 13 + seed) & 255, (i * 29 + 7 * seed) & 255, ((i >> 3) ^ seed) & 255, 255], i * 4);
      return { width: 64, height: 64, data };
    }
    const edit = (seed: number, at: number) => ({ task: 'edit', inputName: 'google-1f604.png', input: input(seed), instruction: 'draw it in twemoji style', restyle: false, seed, steps: 4, guidance: 2, images: result(seed), at });

    it('an edit is stored and listed back with its input byte-exact, its instruction, restyle flag, seed and thumbnails', () => {
      const st = new MemoryStorage();
      expect(new ResultHistory(st).add(edit(3, 10), SIDE)).toEqual({ ok: true, dropped: 0, message: null });
      const raw = JSON.parse(st.getItem('puma-web:history')!);
      expect(raw.v).toBe(3);
      const [e] = new ResultHistory(st).list(SIDE);
      expect(e).toMatchObject({ task: 'edit', inputName: 'google-1f604.png', instruction: 'draw it in twemoji style', restyle: false, seed: 3, steps: 4, guidance: 2, at: 10 });
      expect(e.input!.width).toBe(64);
      expect(e.input!.height).toBe(64);
      expect(Buffer.from(e.input!.data).equals(Buffer.from(input(3).data))).toBe(true);
      expect(e.thumbs.map((t) => t.scale)).toEqual(['f4', 'f3', 'f2', 'f1', 'f0']);
      expect(e.thumbs[4].image).toEqual(makeThumb(result(3)[4].image, 32));
      // a caption keeps its answer and no thumbnails; an input not the model's size is refused, said
      const h = new ResultHistory(st);
      expect(h.add({ task: 'understand', input: input(4), instruction: '', answer: 'grinning face', images: [], at: 11 }, SIDE).ok).toBe(true);
      expect(h.list(SIDE)[0]).toMatchObject({ task: 'understand', instruction: '', answer: 'grinning face', thumbs: [] });
      const big = h.add({ ...edit(5, 12), input: { width: 32, height: 32, data: new Uint8ClampedArray(32 * 32 * 4) } }, SIDE);
      expect(big.ok).toBe(false);
      expect(big.message).toMatch(/64x64/);
      expect(h.list(SIDE).map((x) => x.at)).toEqual([11, 10]);
    });

    it("the model's input size is the caller's to give: an image of another size is refused on add and left out on read", () => {
      const st = new MemoryStorage();
      const h = new ResultHistory(st);
      h.add({ task: 'text-to-image', prompt: 'a red apple', images: result(0), at: 1 }, SIDE);
      h.add(edit(1, 2), SIDE);
      expect(h.list(SIDE).map((e) => e.task)).toEqual(['edit', 'text-to-image']);
      // a model of another size (a newer manifest): the 64x64 image is not handed to it, the text entry is
      expect(h.list(32).map((e) => e.task)).toEqual(['text-to-image']);
      // the size not known yet (before the manifest is read): no image entry, no throw
      expect(h.list(null).map((e) => e.task)).toEqual(['text-to-image']);
      // at 32 a 32x32 input is the model's image and is kept; a 64x64 one is refused, said with the given size
      const small = { width: 32, height: 32, data: new Uint8ClampedArray(32 * 32 * 4).fill(9) };
      expect(h.add({ ...edit(3, 3), input: small }, 32).ok).toBe(true);
      const r = h.add(edit(4, 4), 32);
      expect(r).toEqual({ ok: false, dropped: 0, message: "This result was not added to the history: its input is not the model's 32x32 image." });
      expect(h.add(edit(5, 5), null).message).toMatch(/size is not known yet/);
      expect(h.list(32).map((e) => [e.at, e.input?.width])).toEqual([[3, 32], [1, undefined]]);
      expect(h.list(SIDE).map((e) => e.at)).toEqual([2, 1]);
    });

    describe("an inpaint's mask (v3): the hole the engine read, one bit a model pixel", () => {
      /** a hole at the model's size: a block with a notch, so a shifted or flipped round trip shows */
      const hole = (k: number) => Uint8Array.from({ length: SIDE * SIDE }, (_, i) => ((i % SIDE) > 10 + k && (i % SIDE) < 40 && i >> 6 > 20 && i >> 6 < 50 && i !== 30 * SIDE + 25 ? 1 : 0));
      const inpaint = (k: number, at: number) => ({ task: 'inpaint', inputName: 'twitter-1f412.png', input: input(k), mask: hole(k), keepUnmasked: false, seed: k, steps: 4, guidance: 2, images: result(k), at });

      it('is stored compactly with the entry and listed back bit for bit', () => {
        const st = new MemoryStorage();
        expect(new ResultHistory(st).add(inpaint(2, 1), SIDE)).toEqual({ ok: true, dropped: 0, message: null });
        const raw = JSON.parse(st.getItem('puma-web:history')!);
        expect(raw.v).toBe(3);
        expect(raw.entries[0].mask).toMatchObject({ side: SIDE });
        expect(raw.entries[0].mask.bits.length).toBe(684); // 4096 bits: 512 bytes, base64
        const [e] = new ResultHistory(st).list(SIDE);
        expect(e).toMatchObject({ task: 'inpaint', keepUnmasked: false, seed: 2 });
        expect(Buffer.from(e.mask!).equals(Buffer.from(hole(2)))).toBe(true);
        expect(Buffer.from(e.input!.data).equals(Buffer.from(input(2).data))).toBe(true);
        // a mask that is not one of the input's is refused, said
        const h = new ResultHistory(st);
        const r = h.add({ ...inpaint(3, 2), mask: new Uint8Array(32 * 32) }, SIDE);
        expect(r.ok).toBe(false);
        expect(r.message).toMatch(/mask is not one of the model's 64x64 input/);
        expect(h.add({ task: 'inpaint', mask: hole(1), images: result(1) }, SIDE).ok).toBe(false);
        expect(h.list(SIDE)).toHaveLength(1);
      });

      it('a v2 inpaint (kept before masks were) is still read, without a mask', () => {
        const st = new MemoryStorage();
        const h = new ResultHistory(st);
        h.add(inpaint(1, 1), SIDE);
        const { mask: _, ...v2 } = JSON.parse(st.getItem(h.key)!).entries[0];
        st.map.set(h.key, JSON.stringify({ v: 2, entries: [v2] }));
        const [e] = h.list(SIDE);
        expect(e).toMatchObject({ task: 'inpaint', keepUnmasked: false });
        expect(e.mask).toBeUndefined();
      });

      it('a cut, foreign or wrongly sized mask skips its entry, never throws; the others are read', () => {
        const st = new MemoryStorage();
        const h = new ResultHistory(st);
        h.add(inpaint(1, 1), SIDE);
        const good = JSON.parse(st.getItem(h.key)!).entries[0];
        const bits: string = good.mask.bits;
        const { input: _, ...noInput } = good;
        const bad = [
          { ...good, id: 'cut', mask: { side: SIDE, bits: bits.slice(0, 300) } },
          { ...good, id: 'notb64', mask: { side: SIDE, bits: '%%%' + bits.slice(3) } },
          { ...good, id: 'side', mask: { side: 32, bits: packHole(new Uint8Array(32 * 32).fill(1)) } }, // a whole 32x32 mask, not the input's size
          { ...good, id: 'shape', mask: bits },
          { ...good, id: 'null', mask: null },
          { ...noInput, id: 'alone', mask: good.mask }, // a mask without the image it belongs to
        ];
        st.map.set(h.key, JSON.stringify({ v: 3, entries: [...bad, good] }));
        expect(() => h.list(SIDE)).not.toThrow();
        expect(h.list(SIDE).map((e) => e.id)).toEqual([good.id]);
      });

      it('the size cap still drops the oldest first', () => {
        const st = new MemoryStorage();
        new ResultHistory(st).add(inpaint(0, 0), SIDE);
        const one = st.getItem('puma-web:history')!.length;
        const h = new ResultHistory(new MemoryStorage(), { maxChars: Math.floor(one * 2.5) });
        const drops: number[] = [];
        for (let i = 1; i <= 4; i++) drops.push(h.add(inpaint(i, i), SIDE).dropped);
        expect(drops).toEqual([0, 0, 1, 1]);
        const left = h.list(SIDE);
        expect(left.map((e) => e.at)).toEqual([4, 3]);
        expect(Buffer.from(left[1].mask!).equals(Buffer.from(hole(3)))).toBe(true);
      });
    });

    it('the plan is kept as the plan bar shows it; a stored plan that is not one skips its entry', () => {
      const st = new MemoryStorage();
      const h = new ResultHistory(st);
      const planInfo = { text: 'smiling face | twemoji | none', fields: { concept: 'smiling face', style: 'twemoji', tone: 'none' }, source: 'greedy' as const, candidates: [{ concept: 'smiling face', text: 'smiling face | twemoji | none', p: 0.7 }], restyled: { fromPlan: [], kept: true as const } };
      h.add({ ...edit(1, 1), planInfo }, SIDE);
      expect(h.list(SIDE)[0].planInfo).toEqual(planInfo);
      const good = JSON.parse(st.getItem(h.key)!).entries[0];
      const bad = [
        { ...good, id: 'source', planInfo: { ...planInfo, source: 'dreamt' } },
        { ...good, id: 'fields', planInfo: { ...planInfo, fields: ['smiling face'] } },
        { ...good, id: 'cand', planInfo: { ...planInfo, candidates: [{ concept: 'x', text: 'x', p: 'high' }] } },
        { ...good, id: 'restyled', planInfo: { ...planInfo, restyled: { fromPlan: 'f0' } } },
        { ...good, id: 'text', planInfo: 'smiling face | twemoji | none' },
      ];
      // what the plan bar does not read is not handed on
      const extra = { ...good, id: 'extra', planInfo: { ...planInfo, script: 'alert(1)' } };
      st.map.set(h.key, JSON.stringify({ v: 3, entries: [...bad, extra, good] }));
      expect(() => h.list(SIDE)).not.toThrow();
      const listed = h.list(SIDE);
      expect(listed.map((e) => e.id)).toEqual(['extra', good.id]);
      expect(listed[0].planInfo).toEqual(planInfo);
    });

    it("a tone edit's plan keeps its tone editor mark; a mark that is not true skips its entry", () => {
      const st = new MemoryStorage();
      const h = new ResultHistory(st);
      const planInfo = { text: 'woman raising hand | noto | dark', fields: { concept: 'woman raising hand', style: 'noto', tone: 'dark' }, source: 'picked' as const, candidates: [], toneEdited: true as const };
      h.add({ ...edit(1, 1), planInfo }, SIDE);
      expect(h.list(SIDE)[0].planInfo).toEqual(planInfo);
      const good = JSON.parse(st.getItem(h.key)!).entries[0];
      st.map.set(h.key, JSON.stringify({ v: 3, entries: [{ ...good, id: 'bad', planInfo: { ...planInfo, toneEdited: 'yes' } }, good] }));
      expect(h.list(SIDE).map((e) => e.id)).toEqual([good.id]);
    });

    it('v1 entries (as the page stored them before) are still read, and kept when an image run is added', () => {
      const st = new MemoryStorage();
      const rgb = Buffer.from(new Uint8Array(32 * 32 * 3).fill(200)).toString('base64');
      st.map.set('puma-web:history', JSON.stringify({ v: 1, entries: [{ task: 'text-to-image', prompt: 'a red apple', seed: 1, steps: 10, guidance: 2, scales: ['f4'], id: 'old', at: 1, thumbs: [{ scale: 'f4', side: 32, rgb }] }] }));
      const h = new ResultHistory(st);
      expect(h.list(SIDE)).toMatchObject([{ id: 'old', task: 'text-to-image', prompt: 'a red apple', seed: 1 }]);
      expect(h.list(SIDE)[0].input).toBeUndefined();
      expect(h.list(SIDE)[0].thumbs[0].image.data.slice(0, 4)).toEqual(new Uint8ClampedArray([200, 200, 200, 255]));
      h.add(edit(1, 2), SIDE);
      expect(h.list(SIDE).map((e) => [e.id === 'old' ? 'old' : 'new', e.task])).toEqual([['new', 'edit'], ['old', 'text-to-image']]);
    });

    it('a corrupt, truncated or foreign image entry is skipped, never thrown on; the good ones are read', () => {
      const st = new MemoryStorage();
      const h = new ResultHistory(st);
      h.add(edit(1, 1), SIDE);
      const good = JSON.parse(st.getItem(h.key)!).entries[0];
      const rgb: string = good.input.rgb;
      const bad = [
        { ...good, id: 'cut', input: { side: 64, rgb: rgb.slice(0, rgb.length - 100) } }, // truncated
        { ...good, id: 'notb64', input: { side: 64, rgb: '%%%' + rgb.slice(3) } }, // not base64
        { ...good, id: 'side', input: { side: 32, rgb: rgb.slice(0, (32 * 32 * 4) / 3 * 1) } }, // not the model's size
        { ...good, id: 'shape', input: 'AAAA' },
        { ...good, id: 'null', input: null },
        { ...good, id: 'task', task: 'outpaint' }, // a task from another version
        { ...good, id: 'flag', restyle: 'no' },
        { ...good, id: 'text', instruction: 7 },
      ];
      st.map.set(h.key, JSON.stringify({ v: 2, entries: [...bad, good] }));
      expect(() => h.list(SIDE)).not.toThrow();
      expect(h.list(SIDE).map((e) => e.id)).toEqual([good.id]);
      st.map.set(h.key, JSON.stringify({ v: 4, entries: [good] })); // a later format: not guessed at
      expect(h.list(SIDE)).toEqual([]);
    });

    it("a newer page's history is never overwritten: a later format refuses the add and stays as it was", () => {
      const st = new MemoryStorage();
      const h = new ResultHistory(st);
      const later = JSON.stringify({ v: 4, entries: [{ id: 'n1', at: 5, task: 'text-to-image', thumbs: [], newField: [1, 2] }] });
      st.map.set(h.key, later);
      const r = h.add(edit(1, 9), SIDE);
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(/newer version of this page/);
      expect(st.getItem(h.key)).toBe(later);
      expect(h.list(SIDE)).toEqual([]);
    });

    it("another page's entries of this format (a task this page does not know) are kept in place when it adds, and never listed", () => {
      const st = new MemoryStorage();
      const h = new ResultHistory(st, { maxEntries: 3 });
      h.add(edit(1, 1), SIDE);
      const mine = JSON.parse(st.getItem(h.key)!).entries[0];
      const theirs = { id: 'outpaint-1', at: 2, task: 'outpaint', thumbs: [], extent: 'wide' };
      st.map.set(h.key, JSON.stringify({ v: 3, entries: [theirs, mine, null, { id: 'junk' }] }));
      expect(h.list(SIDE).map((e) => e.id)).toEqual([mine.id]);
      expect(h.add(edit(3, 3), SIDE).ok).toBe(true);
      const stored = JSON.parse(st.getItem(h.key)!).entries;
      // the new entry first, then the other page's and this page's in their stored order; the corrupt ones dropped
      expect(stored.map((e: { id: string }) => e.id).slice(1)).toEqual(['outpaint-1', mine.id]);
      expect(stored[1]).toEqual(theirs);
      expect(h.list(SIDE).map((e) => e.at)).toEqual([3, 1]);
      // they age out like any entry: the cap (3) drops the oldest stored
      h.add(edit(4, 4), SIDE);
      expect(JSON.parse(st.getItem(h.key)!).entries.map((e: { id: string }) => e.id).slice(1)).toEqual([stored[0].id, 'outpaint-1']);
    });

    it('the size cap holds with image entries: the oldest are dropped first, the newest kept whole', () => {
      const st = new MemoryStorage();
      new ResultHistory(st).add(edit(0, 0), SIDE);
      const one = st.getItem('puma-web:history')!.length;
      expect(one).toBeGreaterThan(16_000); // the input is in it (64*64*3 bytes, base64)
      const maxChars = Math.floor(one * 3.5);
      const h = new ResultHistory(new MemoryStorage(), { maxChars });
      const drops: number[] = [];
      for (let i = 1; i <= 6; i++) drops.push(h.add(edit(i, i), SIDE).dropped);
      const left = h.list(SIDE);
      // room for three of them under the cap, far below maxEntries (12)
      expect(left.map((e) => e.at)).toEqual([6, 5, 4]);
      expect(drops).toEqual([0, 0, 0, 1, 1, 1]);
      expect(Buffer.from(left[1].input!.data).equals(Buffer.from(input(5).data))).toBe(true);
      expect(JSON.stringify({ v: 3, entries: [] }).length).toBeLessThan(maxChars);
      const stored = (h as unknown as { storage: MemoryStorage }).storage.getItem(h.key)!;
      expect(stored.length).toBeLessThanOrEqual(maxChars);
    });
  });
});
