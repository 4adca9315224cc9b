// workers/mllm/verified-draft.ts on a scripted "model" whose next token after any fed sequence is the
// next token of a fixed text: every draft is checked against it, wrong guesses are cut from the cache,
// and the written tokens are those of one call per token whatever the drafts (the real graph's runs:
// workers/mllm/single-graph.test.ts, tests/engine-plan-drafts.test.ts).
import { describe, expect, it } from 'vitest';
import { writeDrafted, type DraftedWriting } from '../workers/mllm/verified-draft';
import type { CallOut, KvCache } from '../workers/mllm/graph-runner';

const V = 16;
const END = 15;
const TEXT = [3, 4, 5, 6, 7, END]; // what the model writes, token by token

/** The scripted model: the cache's `blocks` hold the fed tokens (after `prefix` positions of the caller's); a row
 * predicts TEXT at the number of tokens written so far. */
function scripted(draft: (written: number[]) => number[], extra: Partial<DraftedWriting> = {}, prefix = 0) {
  const cuts: number[] = [];
  const fed: number[][] = [];
  const w: DraftedWriting = {
    feed: async (cache: KvCache, ids: number[], positions: number[]): Promise<CallOut> => {
      fed.push(ids);
      const blocks = [...cache.blocks, ...ids];
      const logitRows = positions.map((i) => {
        const row = new Float32Array(V);
        row[TEXT[Math.min(cache.blocks.length - prefix + i + 1, TEXT.length - 1)]] = 1;
        return row;
      });
      return { logits: logitRows[logitRows.length - 1], logitRows, feature: new Float32Array(ids.length), delta: null, t: ids.length, cache: { presents: null, blocks } };
    },
    truncate: async (cache, keep) => (cuts.push(keep), { presents: null, blocks: cache.blocks.slice(0, keep) }),
    release: () => undefined,
    choose: (l) => l.indexOf(1),
    take: (t) => t !== END,
    draft,
    ...extra,
  };
  return { w, cuts, fed };
}

const empty: KvCache = { presents: null, blocks: [] };

describe('writeDrafted', () => {
  it('one call per token without drafts', async () => {
    const { w, fed, cuts } = scripted(() => []);
    const r = await writeDrafted(empty, TEXT[0], w);
    expect(r.ids).toEqual(TEXT.slice(0, -1));
    expect(r.calls).toBe(5);
    expect(fed).toEqual([[3], [4], [5], [6], [7]]);
    expect(cuts).toEqual([]);
    expect([r.next, r.nextFed]).toEqual([END, false]);
    expect(r.last!.cache.blocks).toEqual([3, 4, 5, 6, 7]);
  });

  it('a right draft, its end kept: one call, the end already in the cache', async () => {
    const { w, cuts } = scripted((ids) => [...TEXT.slice(ids.length)], { keepFed: (t) => t === END });
    const r = await writeDrafted(empty, TEXT[0], w);
    expect(r.ids).toEqual(TEXT.slice(0, -1));
    expect(r.calls).toBe(1);
    expect(cuts).toEqual([]);
    expect([r.next, r.nextFed]).toEqual([END, true]);
    expect(r.last!.cache.blocks).toEqual(TEXT);
    expect(r.last!.t).toBe(TEXT.length);
  });

  it('the same draft without keepFed: the confirmed end is cut away, to be fed by the caller', async () => {
    const { w, cuts } = scripted((ids) => [...TEXT.slice(ids.length)]);
    const r = await writeDrafted(empty, TEXT[0], w);
    expect([r.next, r.nextFed, r.calls]).toEqual([END, false, 1]);
    expect(cuts).toEqual([5]);
    expect(r.last!.cache.blocks).toEqual(TEXT.slice(0, -1));
    expect(r.last!.logits.indexOf(1)).toBe(END);
  });

  it('a wrong guess midway: the kept part stays, the cache is cut back, the model goes on from its own token', async () => {
    // guesses 4, 5, 9, 9 after [3]: 4 and 5 are right, 9 is not (the model says 6)
    const { w, cuts, fed } = scripted((ids) => (ids.length === 1 ? [4, 5, 9, 9] : []), {}, 2);
    const start: KvCache = { presents: null, blocks: [1, 2] }; // a prefix of two positions
    const r = await writeDrafted(start, TEXT[0], w);
    expect(r.ids).toEqual(TEXT.slice(0, -1));
    expect(fed[0]).toEqual([3, 4, 5, 9, 9]);
    expect(cuts[0]).toBe(2 + 3); // the prefix, 3 and the two right guesses
    expect(fed.slice(1)).toEqual([[6], [7]]);
    expect(r.calls).toBe(3);
    expect(r.last!.cache.blocks).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(start.blocks).toEqual([1, 2]); // the caller's cache untouched
  });

  it('done ends the writing without feeding the last token', async () => {
    const { w, fed } = scripted(() => [], { done: (ids) => ids.length === 2 });
    const r = await writeDrafted(empty, TEXT[0], w);
    expect(r.ids).toEqual([3, 4]);
    expect(fed).toEqual([[3]]);
    expect([r.next, r.calls]).toEqual([null, 1]);
  });
});
