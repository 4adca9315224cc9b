// Text written token by token, several tokens a graph call: each call feeds the token just chosen
// plus a draft of what should follow (plan-draft.ts guesses it), asks for logits at every fed
// position, and keeps the longest part of the draft the model itself chooses there. The tokens
// written are exactly those of one call per token: `choose` sees the same logits (up to float
// rounding) and is called once per position, in order, so a seeded sampler draws the same
// numbers. A wrong guess costs what it fed: the cache is cut back to the tokens kept. On a GPU
// every MLLM call costs ~25 ms of dispatch whatever it feeds (bench/results/gpu-2026-12-01-16-25.md),
// so the plan's ~11 calls become 1-3.
import type { CallOut, KvCache } from './graph-runner';

export interface DraftedWriting {
  /** the graph call feeding text tokens after `cache` with logits at `positions` */
  feed: (cache: KvCache, ids: number[], positions: number[]) => Promise<CallOut>;
  /** cut a cache back to its first `keep` positions (GraphRunner.truncate: the given one released) */
  truncate: (cache: KvCache, keep: number) => Promise<KvCache>;
  release: (cache: KvCache) => void;
  /** the token at a position from its logits (greedy or a seeded sampler) */
  choose: (logits: Float32Array) => number;
  /** whether `token`, chosen after `written`, is written (and fed); false ends the writing */
  take: (token: number, written: number[]) => boolean;
  /** after a token is written: nothing more to write (it need not be fed) */
  done?: (written: number[]) => boolean;
  /** each token as it is written, in order (an answer streams its pieces) */
  onWritten?: (written: number[]) => void;
  /** the tokens expected after `written` ([] for none) */
  draft: (written: number[]) => number[];
  /** a drafted token the model confirmed that ends the writing (not taken) stays in the cache when true
   * (the plan's end token: the first image call then need not feed it); otherwise it is cut away */
  keepFed?: (token: number) => boolean;
  betweenCalls?: () => Promise<void> | void;
}

export interface Written {
  ids: number[];
  /** the last call, its cache cut to exactly what was fed and kept (null: no call was made) */
  last: CallOut | null;
  /** the chosen token that was not taken (the writing's end), null when `done` ended it */
  next: number | null;
  /** whether `next` is already in last's cache (drafted, fed and kept: keepFed) */
  nextFed: boolean;
  /** graph calls made */
  calls: number;
}

/**
 * Writes from `first` (chosen, not yet fed) on. `start`'s cache is the caller's: never released
 * or cut here.
 */
export async function writeDrafted(start: KvCache, first: number, w: DraftedWriting): Promise<Written> {
  const ids: number[] = [];
  let tok = first;
  let cache = start;
  let last: CallOut | null = null;
  let calls = 0;
  const drop = (c: KvCache) => {
    if (c !== start) w.release(c);
  };
  try {
    for (;;) {
      if (!w.take(tok, ids)) return { ids, last, next: tok, nextFed: false, calls };
      ids.push(tok);
      w.onWritten?.(ids);
      if (w.done?.(ids)) return { ids, last, next: null, nextFed: false, calls };
      await w.betweenCalls?.();
      const d = w.draft(ids);
      const before = cache.blocks.length;
      const out = await w.feed(cache, [tok, ...d], Array.from({ length: d.length + 1 }, (_, i) => i));
      calls++;
      drop(cache);
      cache = out.cache;
      // out.logitRows[i] predicts the token after fed position i (tok, then d[0..])
      let k = 0;
      let c = w.choose(out.logitRows[0]);
      let finished: Written | null = null;
      while (k < d.length && c === d[k]) {
        if (!w.take(c, ids)) {
          finished = { ids, last: null, next: c, nextFed: w.keepFed?.(c) ?? false, calls };
          break;
        }
        ids.push(c);
        w.onWritten?.(ids);
        k++;
        if (w.done?.(ids)) {
          finished = { ids, last: null, next: null, nextFed: false, calls };
          break;
        }
        c = w.choose(out.logitRows[k]);
      }
      // kept: tok, the k accepted draft tokens, and a drafted `next` that was fed; `row`, the last
      // kept position, is the one whose logits predict what follows the cache
      const row = k + (finished?.nextFed ? 1 : 0);
      if (before + 1 + row < cache.blocks.length) cache = await w.truncate(cache, before + 1 + row);
      last = keptPart(out, cache, row + 1);
      if (finished) return { ...finished, last };
      tok = c;
    }
  } catch (e) {
    drop(cache);
    throw e;
  }
}

/** A call's outputs as if it had fed only its first `n` positions (the rest were dropped drafts). */
function keptPart(out: CallOut, cache: KvCache, n: number): CallOut {
  if (n === out.t) return { ...out, cache };
  const rows = (a: Float32Array) => a.subarray(0, (a.length / out.t) * n);
  return { ...out, cache, t: n, logits: out.logitRows[n - 1], logitRows: out.logitRows.slice(0, n), feature: rows(out.feature), delta: out.delta && rows(out.delta) };
}
