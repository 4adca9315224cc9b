// One MLLM graph call with its KV cache, for either kind of model file:
//   pair:   mllm_prefill (no past) and mllm_step (past_*), outputs of the LAST position only;
//           plain causal attention, so `block` is not fed.
//   single: one graph for both (manifest mllm.graph "single"): `block` holds the block id of
//           every position so far (cached + new; a key is visible iff its block <= the query's),
//           the prefill is fed an empty cache (past_seq = 0), feature/delta come for every new
//           position (scale order reads a whole scale from one call), logits where the call asks
//           (`logit_pos`: the last position by default; a drafted plan asks for every one).
// On WebGPU the single graph may also run captured (captured-graph.ts, MllmSessions.captured): its
// caches are then positions in one fixed set of GPU buffers (KvCache.stamps). A captured call that
// fails leaves capture for good; the plain session continues from the same cache, read back once.
// A model with a reader (manifest mllm.reader) takes one more input, fed in EVERY call: the reader's
// features where the call reads a given image (CallIn.reader), zeros elsewhere and when absent.
// A cache is never disposed here behind the caller's back: the same cache may be fed to several
// calls (the plan's candidates branch from one prefix), so the caller releases each when done.
import type { InferenceSession, OrtLike, Tensor as TensorT } from '../engine/ort';
import type { MllmSpec } from '../lib/manifest';
import { StaleCacheError, type CapturedMllm } from './captured-graph';
import type { CallIn, CallOut, KvCache } from './graph-call';

/** A session as the runner calls it: feeds in, every output back (a WebGPU session's KV outputs
 * as GPU tensors, fed back as they are). */
export interface GraphSession {
  run(feeds: InferenceSession.FeedsType): Promise<InferenceSession.ReturnType>;
}

/** The MLLM's sessions: the two-file pair, or the one graph (on WebGPU also run captured, where
 * `captured` is given: captured-graph.ts; the plain session is then what it falls back to). */
export type MllmSessions = { prefill: GraphSession; step: GraphSession } | { single: GraphSession; captured?: CapturedMllm };

export type { CallIn, CallOut, KvCache };

export class GraphRunner {
  readonly single: boolean;
  /** the graph run captured (WebGPU), until a captured call fails */
  private captured: CapturedMllm | null;
  /** the captured graph after capture was left: caches made on it are read back from it */
  private left: CapturedMllm | null = null;
  /** why capture was left (null while captured, or when it was never on) */
  captureFailure: string | null = null;
  private readonly C: number;
  /** the graph's reader input (manifest mllm.reader.input); null without a reader */
  private readonly readerInput: string | null;

  constructor(
    private readonly ort: Pick<OrtLike, 'Tensor'>,
    private readonly spec: MllmSpec,
    private readonly sessions: MllmSessions,
  ) {
    this.single = 'single' in sessions;
    this.C = spec.feature_dim;
    this.readerInput = spec.reader?.input ?? null;
    this.captured = 'single' in sessions ? (sessions.captured ?? null) : null;
    if ((spec.graph ?? 'pair') !== (this.single ? 'single' : 'pair')) throw new Error(`the manifest's mllm.graph is "${spec.graph ?? 'pair'}" but ${this.single ? 'one graph' : 'two graphs'} were loaded`);
  }

  empty(): KvCache {
    return this.captured ? this.captured.empty() : { presents: null, blocks: [] };
  }

  /** whether calls run captured (WebGPU graph capture) */
  get isCaptured(): boolean {
    return this.captured !== null;
  }

  /** The call lengths whose captured sessions `warmCapture` makes ahead of use (none when not captured). */
  captureLengths(): number[] {
    return this.captured?.bucketLengths ?? [];
  }

  /** Makes and runs once the captured session of one call length (CapturedMllm.warm), between
   * generations: a failure leaves capture, as a failed call would. */
  async warmCapture(length: number): Promise<void> {
    if (!this.captured) return;
    try {
      await this.captured.warm(length);
    } catch (e) {
      this.leaveCapture(e);
    }
  }

  /** Capture failed: every later call runs the plain session; captured caches are read back as they are used. */
  private leaveCapture(e: unknown) {
    this.left = this.captured;
    this.captured = null;
    this.captureFailure = (e as Error)?.message ?? String(e);
    // info, not a warning: the MLLM goes on, right, only slower
    console.info(`MLLM: graph capture failed, running uncaptured (${this.captureFailure})`);
  }

  /** A captured cache as the plain session takes it: its positions read back once and kept on the same
   * object, so a prefix fed again (the plan's chips) is not read back again. */
  private async uncaptured(cache: KvCache, from: CapturedMllm): Promise<KvCache> {
    if (!cache.stamps || cache.presents || !cache.blocks.length) return cache;
    cache.presents = await from.readBack(cache);
    return cache;
  }

  nextBlock(cache: KvCache): number {
    return cache.blocks.length ? cache.blocks[cache.blocks.length - 1] + 1 : 0;
  }

  /** An integer input [1, n] (`dims` otherwise): int32 for the single graph (its every integer input:
   * training/mllm_graphs.py Unified, so WebGPU compares on the GPU), int64 for the pair. */
  private int(a: number[], dims: readonly number[] = [1, a.length]): TensorT {
    if (this.single) return new this.ort.Tensor('int32', Int32Array.from(a), dims);
    return new this.ort.Tensor('int64', BigInt64Array.from(a, (x) => BigInt(x)), dims);
  }

  async call(cache: KvCache, x: CallIn): Promise<CallOut> {
    if (cache.released) throw new Error('mllm: this KV cache was released');
    if (cache.stamps && !cache.presents) {
      const c = this.captured ?? this.left;
      if (!c) throw new Error('mllm: a captured KV cache fed to a runner without capture');
      if (this.captured) {
        try {
          return await this.captured.call(cache, x);
        } catch (e) {
          if (e instanceof StaleCacheError) throw e;
          this.leaveCapture(e);
        }
      }
      cache = await this.uncaptured(cache, c);
    }
    return this.callPlain(cache, x);
  }

  private async callPlain(cache: KvCache, x: CallIn): Promise<CallOut> {
    const T = x.ids.length;
    const { n_layer: L, n_head: H, head_dim: hd } = this.spec;
    const feeds: Record<string, TensorT> = {
      ids: this.int(x.ids),
      slot: this.int(x.slot),
      feats: new this.ort.Tensor('float32', x.feats, [1, T, this.C]),
    };
    if (this.readerInput) {
      if (x.reader && x.reader.length !== T * this.C) throw new Error(`mllm: reader input has ${x.reader.length} values for ${T} positions`);
      feeds[this.readerInput] = new this.ort.Tensor('float32', x.reader ?? new Float32Array(T * this.C), [1, T, this.C]);
    } else if (x.reader) throw new Error('mllm: a reader input for a model without a reader');
    const blocks = [...cache.blocks, ...x.block];
    const at = x.logitPositions ?? [T - 1];
    if (!at.length || at.some((j) => !Number.isInteger(j) || j < 0 || j >= T)) throw new Error(`mllm: logit positions ${at.join(',')} outside the call's ${T}`);
    if (this.single) {
      feeds.block = this.int(blocks);
      feeds.logit_pos = this.int(at, [at.length]);
      // the cache holds exactly what was fed: the new positions follow it
      feeds.pos = this.int(x.ids.map((_, i) => cache.blocks.length + i));
    } else if (at.length !== 1 || at[0] !== T - 1) throw new Error('mllm: the two-file graphs give logits at the last position only');
    if (cache.presents || this.single) {
      const empty = new Float32Array(0);
      for (let i = 0; i < L; i++) {
        for (const kv of ['key', 'value']) {
          feeds[`past_${kv}_${i}`] = cache.presents?.[`present_${kv}_${i}`] ?? new this.ort.Tensor('float32', empty, [1, H, 0, hd]);
        }
      }
    }
    const s = this.sessions;
    const out = await ('single' in s ? s.single : cache.presents ? s.step : s.prefill).run(feeds);
    const presents: Record<string, TensorT> = {};
    for (let i = 0; i < L; i++) {
      for (const kv of ['key', 'value']) {
        const n = `present_${kv}_${i}`;
        if (!out[n]) throw new Error(`mllm graph did not return ${n}`);
        presents[n] = out[n];
      }
    }
    const all = (await out.logits.getData()) as Float32Array;
    const V = all.length / at.length;
    const logitRows = at.map((_, i) => all.subarray(i * V, (i + 1) * V));
    return {
      logits: logitRows[logitRows.length - 1],
      logitRows,
      feature: (await out.feature.getData()) as Float32Array,
      delta: out.delta ? ((await out.delta.getData()) as Float32Array) : null,
      t: T,
      cache: { presents, blocks },
    };
  }

  /** Output position j of a call (negative: from the end); the pair graphs give only the last. */
  featureAt(o: CallOut, j: number): Float32Array {
    return this.rowAt(o, o.feature, j);
  }

  deltaAt(o: CallOut, j: number): Float32Array | null {
    return o.delta ? this.rowAt(o, o.delta, j) : null;
  }

  private rowAt(o: CallOut, a: Float32Array, j: number): Float32Array {
    const C = this.C;
    const rows = a.length / C;
    const at = j < 0 ? o.t + j : j;
    if (rows === 1) {
      if (at !== o.t - 1) throw new Error(`this mllm graph gives the last position only (asked for ${at} of ${o.t})`);
      return a.slice(0, C);
    }
    if (rows !== o.t) throw new Error(`mllm graph gave ${rows} positions for ${o.t} new ones`);
    return a.slice(at * C, (at + 1) * C);
  }

  /**
   * A cache holding only its first `keep` positions (drafted tokens the model did not write are
   * dropped): a new cache of CPU tensors, the given one released. A WebGPU cache is read back
   * once here; the next call uploads the kept part.
   */
  async truncate(cache: KvCache, keep: number): Promise<KvCache> {
    if (cache.released) throw new Error('mllm: this KV cache was released');
    if (keep === cache.blocks.length) return cache;
    const captured = cache.stamps && !cache.presents;
    if (!(keep >= 0 && keep < cache.blocks.length && (captured || cache.presents))) throw new Error(`mllm: cannot keep ${keep} of ${cache.blocks.length} cached positions`);
    if (captured) {
      // the positions after `keep` are forgotten (hidden from every later call, then overwritten)
      cache.released = true;
      return { presents: null, blocks: cache.blocks.slice(0, keep), stamps: cache.stamps!.slice(0, keep) };
    }
    if (!cache.presents) throw new Error('mllm: no cached positions to keep');
    const { n_head: H, head_dim: hd } = this.spec;
    const S = cache.blocks.length;
    const presents: Record<string, TensorT> = {};
    for (const [n, t] of Object.entries(cache.presents)) {
      const a = (await t.getData()) as Float32Array;
      if (a.length !== H * S * hd) throw new Error(`mllm: ${n} has ${a.length} values, want ${H}x${S}x${hd}`);
      const b = new Float32Array(H * keep * hd);
      for (let h = 0; h < H; h++) b.set(a.subarray(h * S * hd, (h * S + keep) * hd), h * keep * hd);
      presents[n] = new this.ort.Tensor('float32', b, [1, H, keep, hd]);
    }
    this.release(cache);
    return { presents, blocks: cache.blocks.slice(0, keep) };
  }

  release(cache: KvCache) {
    if (cache.presents) for (const t of Object.values(cache.presents)) (t as { dispose?: () => void }).dispose?.();
    cache.released = true;
  }
}
