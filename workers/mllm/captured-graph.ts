// The single MLLM graph on WebGPU with graph capture: each call replays kernels recorded once,
// instead of dispatching the graph's ~240 nodes one by one (~25 ms a call on an H200 whatever it
// feeds, against ~5 ms for PyTorch; issue 19).
//
// Capture needs every shape fixed and every input in the same GPU buffer on every run, so:
// - The KV cache is one set of buffers of the context's length (past_seq = ctx), shared by every
//   session and fed to each as its past. Positions the cache does not hold get a block id too large
//   to be seen (a key is visible iff its block <= the query's), and each call's new positions are fed
//   their own indices (`pos`), so a padded cache attends and embeds exactly as the exact one.
// - A call's new positions are padded to a bucket length, one captured session per bucket (created
//   on first use), logits at up to `n` positions (drafted text asks for several, an image call for
//   one). Padding positions are invisible to the real ones and their outputs are ignored.
// - After a run, the new positions' keys and values are copied from the session's present_* (its
//   own output buffers) into the shared cache, and logits/feature/delta into one buffer read back.
// A KvCache here is a length and a stamp per cached position (which call wrote it): truncating is
// forgetting positions, and a cache whose positions another branch has since overwritten is
// refused (`StaleCacheError`). The plan's candidates branch from the prompt's cache after the image
// is written; a branch from a prefix overwrites only what follows the prefix.
import type { InferenceSession, Tensor } from '../engine/ort';
import { fixedInput, MAP_MODE_READ, USAGE, type Bound, type GpuBuffer, type GpuDeviceLike, type OrtGpuLike, type OwnedOutput } from '../engine/gpu-decode-loop';
import type { MllmSpec } from '../lib/manifest';
import type { CallIn, CallOut, KvCache } from './graph-call';
/** the block id of a position no query may see: above any real one (positions never exceed the context) */
const HIDDEN_BLOCK = 1 << 30;
/** new positions a call may feed, smallest first; the context's length is always the last */
const DEFAULT_BUCKETS = [4, 16, 64, 256];
/** bucket lengths up to this ask logits at every position (drafted text); longer ones at one */
const MANY_LOGITS_UP_TO = 64;

export interface CaptureOrt {
  Tensor: OrtGpuLike['Tensor'] & { new (type: 'float32', data: Float32Array, dims: readonly number[]): Tensor };
}

/** The fixed shape a captured session is created for (its free dimensions, ort.ts mllmCaptureOptions). */
export interface BucketShape {
  seq: number;
  past: number;
  nLogits: number;
}

/** A cache position was overwritten by another branch after this cache was made. */
export class StaleCacheError extends Error {}

interface Bucket {
  shape: BucketShape;
  session: InferenceSession;
  inputs: Record<string, Bound>;
  staging: GpuBuffer;
  /** it has run once (the run that captured it) */
  ran: boolean;
}

export class CapturedMllm {
  private readonly P: number;
  private readonly C: number;
  private readonly V: number;
  private readonly names: string[];
  /** past_key_i / past_value_i: the one KV cache, [1, H, P, hd] each */
  private readonly past: Record<string, Bound> = {};
  /** which call wrote each cached position (0: none) */
  private readonly stamp: Int32Array;
  private calls = 0;
  private readonly buckets = new Map<number, Promise<Bucket>>();
  private readonly lengths: number[];
  private released = false;

  constructor(
    private readonly ort: CaptureOrt,
    private readonly device: GpuDeviceLike,
    private readonly spec: MllmSpec,
    /** a captured session of the single graph for a fixed shape */
    private readonly create: (shape: BucketShape) => Promise<InferenceSession>,
    buckets: number[] = DEFAULT_BUCKETS,
  ) {
    this.P = spec.ctx;
    this.C = spec.feature_dim;
    this.V = spec.vocab_size;
    this.lengths = [...new Set([...buckets.filter((b) => b < this.P), this.P])].sort((a, b) => a - b);
    const { n_layer: L, n_head: H, head_dim: hd } = spec;
    this.names = [];
    for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) this.names.push(`${kv}_${i}`);
    for (const n of this.names) this.past[n] = this.fixed('float32', [1, H, this.P, hd]);
    this.stamp = new Int32Array(this.P);
  }

  /** An empty cache of this kind. */
  empty(): KvCache {
    return { presents: null, blocks: [], stamps: [] };
  }

  private fixed(type: 'float32' | 'int32', dims: readonly number[]): Bound {
    return fixedInput(this.ort, this.device, dims, type);
  }

  /** The bucket for `t` new positions with logits at `k` of them. */
  private bucketFor(t: number, k: number): Promise<Bucket> {
    const seq = this.lengths.find((b) => b >= t && (k <= 1 || (b <= MANY_LOGITS_UP_TO && b >= k)));
    if (seq === undefined) throw new Error(`a captured MLLM call takes at most ${this.P} positions with logits at up to ${MANY_LOGITS_UP_TO} (asked ${t}, ${k})`);
    let b = this.buckets.get(seq);
    if (!b) {
      b = this.makeBucket(seq);
      this.buckets.set(seq, b);
      // a failed creation is not cached: the caller leaves capture, or may try again
      b.catch(() => this.buckets.delete(seq));
    }
    return b;
  }

  private async makeBucket(seq: number): Promise<Bucket> {
    const shape: BucketShape = { seq, past: this.P, nLogits: seq <= MANY_LOGITS_UP_TO ? seq : 1 };
    const session = await this.create(shape);
    const C = this.C;
    const inputs: Record<string, Bound> = {
      ids: this.fixed('int32', [1, seq]),
      slot: this.fixed('int32', [1, seq]),
      feats: this.fixed('float32', [1, seq, C]),
      block: this.fixed('int32', [1, this.P + seq]),
      logit_pos: this.fixed('int32', [shape.nLogits]),
      pos: this.fixed('int32', [1, seq]),
    };
    if (this.spec.reader) inputs[this.spec.reader.input] = this.fixed('float32', [1, seq, C]);
    const staging = this.device.createBuffer({ size: (shape.nLogits * this.V + 2 * seq * C) * 4, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    return { shape, session, inputs, staging, ran: false };
  }

  /** Throws unless every position of `cache` still holds what that cache was made with. */
  check(cache: KvCache) {
    const s = cache.stamps;
    if (!s) throw new Error('not a captured KV cache');
    if (this.released) throw new Error('the captured MLLM was released');
    for (let i = 0; i < s.length; i++) {
      if (this.stamp[i] !== s[i]) throw new StaleCacheError(`this KV cache's position ${i} was overwritten by another branch (the captured MLLM keeps one cache: a branch may only follow what it branched from)`);
    }
  }

  async call(cache: KvCache, x: CallIn): Promise<CallOut> {
    this.check(cache);
    const len = cache.blocks.length;
    const t = x.ids.length;
    const at = x.logitPositions ?? [t - 1];
    if (len + t > this.P) throw new Error(`the MLLM's context holds ${this.P} positions: ${len} cached + ${t} new`);
    const b = await this.bucketFor(t, at.length);
    const { seq, nLogits } = b.shape;
    const C = this.C;
    const q = this.device.queue;
    const i32 = (a: ArrayLike<number>, n: number, fill = 0) => {
      const o = new Int32Array(n).fill(fill);
      o.set(a);
      return o;
    };
    q.writeBuffer(b.inputs.ids.buffer, 0, i32(x.ids, seq));
    q.writeBuffer(b.inputs.slot.buffer, 0, i32(x.slot, seq));
    const feats = new Float32Array(seq * C);
    feats.set(x.feats);
    q.writeBuffer(b.inputs.feats.buffer, 0, feats);
    if (this.spec.reader) {
      const r = new Float32Array(seq * C);
      if (x.reader) r.set(x.reader);
      q.writeBuffer(b.inputs[this.spec.reader.input].buffer, 0, r);
    }
    // cached positions, then positions the cache does not hold, then the new ones, then padding
    const block = new Int32Array(this.P + seq).fill(HIDDEN_BLOCK);
    block.set(cache.blocks);
    block.set(x.block, this.P);
    q.writeBuffer(b.inputs.block.buffer, 0, block);
    q.writeBuffer(b.inputs.pos.buffer, 0, Int32Array.from({ length: seq }, (_, i) => Math.min(len + i, this.P - 1)));
    q.writeBuffer(b.inputs.logit_pos.buffer, 0, i32(at, nLogits, at[0]));

    const out = await this.run(b);
    const { n_head: H, head_dim: hd } = this.spec;
    const enc = this.device.createCommandEncoder();
    // the new positions' keys and values into the cache, head by head ([1, H, S, hd] rows)
    for (const n of this.names) {
      const present = out[`present_${n}`];
      if (!present) throw new Error(`the captured MLLM graph did not return present_${n}`);
      for (let h = 0; h < H; h++) enc.copyBufferToBuffer(present.gpuBuffer as GpuBuffer, (h * (this.P + seq) + this.P) * hd * 4, this.past[n].buffer, (h * this.P + len) * hd * 4, t * hd * 4);
    }
    const V = this.V;
    enc.copyBufferToBuffer(out.logits.gpuBuffer as GpuBuffer, 0, b.staging, 0, at.length * V * 4);
    enc.copyBufferToBuffer(out.feature.gpuBuffer as GpuBuffer, 0, b.staging, nLogits * V * 4, t * C * 4);
    if (out.delta) enc.copyBufferToBuffer(out.delta.gpuBuffer as GpuBuffer, 0, b.staging, (nLogits * V + seq * C) * 4, t * C * 4);
    q.submit([enc.finish()]);
    // the positions are this call's from now on, even if the read-back below fails: a cache that held them is stale
    const stamp = ++this.calls;
    this.stamp.fill(stamp, len, len + t);
    // releases onnxruntime's handles on the outputs, not the buffers: the captured binding keeps them
    for (const o of Object.values(out)) o.dispose();
    await b.staging.mapAsync(MAP_MODE_READ);
    const all = new Float32Array(b.staging.getMappedRange().slice(0));
    b.staging.unmap();
    const logitRows = at.map((_, i) => all.subarray(i * V, (i + 1) * V));
    const fo = nLogits * V;
    return {
      logits: logitRows[logitRows.length - 1],
      logitRows,
      feature: all.slice(fo, fo + t * C),
      delta: out.delta ? all.slice(fo + seq * C, fo + seq * C + t * C) : null,
      t,
      cache: { presents: null, blocks: [...cache.blocks, ...x.block], stamps: [...cache.stamps!, ...new Array<number>(t).fill(stamp)] },
    };
  }

  /** Every call length a session is made for, shortest first. */
  get bucketLengths(): number[] {
    return [...this.lengths];
  }

  /**
   * Makes the session for call length `seq` (one of bucketLengths) and runs it once, so a later call
   * of that length replays at once instead of paying the session's creation and the capture run
   * (~0.3-0.6 s each on an H200). The run sees no cached position and its outputs are dropped: the
   * cache is untouched.
   */
  async warm(seq: number): Promise<void> {
    if (this.released) return;
    if (!this.lengths.includes(seq)) throw new Error(`no captured session of length ${seq} (lengths: ${this.lengths.join(', ')})`);
    const b = await this.bucketFor(seq, 1);
    if (b.ran) return;
    this.device.queue.writeBuffer(b.inputs.block.buffer, 0, new Int32Array(this.P + seq).fill(HIDDEN_BLOCK));
    for (const o of Object.values(await this.run(b))) o.dispose();
  }

  /** One run of a bucket's session on its fixed inputs and the shared cache (the first run captures it). */
  private async run(b: Bucket): Promise<Record<string, OwnedOutput>> {
    const feeds: Record<string, Tensor> = {};
    for (const [n, f] of Object.entries(b.inputs)) feeds[n] = f.tensor;
    for (const n of this.names) feeds[`past_${n}`] = this.past[n].tensor;
    const out = (await b.session.run(feeds)) as unknown as Record<string, OwnedOutput>;
    b.ran = true;
    return out;
  }

  /** The cache's positions read back as CPU tensors (present_* [1, H, len, hd]): what the uncaptured
   * graph is fed after capture failed. */
  async readBack(cache: KvCache): Promise<Record<string, Tensor>> {
    this.check(cache);
    const len = cache.blocks.length;
    const { n_head: H, head_dim: hd } = this.spec;
    const per = H * len * hd;
    const out: Record<string, Tensor> = {};
    if (len === 0) {
      for (const n of this.names) out[`present_${n}`] = new this.ort.Tensor('float32', new Float32Array(0), [1, H, 0, hd]);
      return out;
    }
    const staging = this.device.createBuffer({ size: this.names.length * per * 4, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    try {
      const enc = this.device.createCommandEncoder();
      this.names.forEach((n, j) => {
        for (let h = 0; h < H; h++) enc.copyBufferToBuffer(this.past[n].buffer, h * this.P * hd * 4, staging, (j * per + h * len * hd) * 4, len * hd * 4);
      });
      this.device.queue.submit([enc.finish()]);
      await staging.mapAsync(MAP_MODE_READ);
      const all = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      this.names.forEach((n, j) => {
        out[`present_${n}`] = new this.ort.Tensor('float32', all.slice(j * per, (j + 1) * per), [1, H, len, hd]);
      });
      return out;
    } finally {
      staging.destroy();
    }
  }

  /** The sessions created so far (bucket lengths), for the benchmarks' record. */
  get sessionLengths(): number[] {
    return [...this.buckets.keys()].sort((a, b) => a - b);
  }

  release() {
    if (this.released) return;
    this.released = true;
    for (const f of Object.values(this.past)) f.buffer.destroy();
    for (const p of this.buckets.values()) {
      p.then((b) => {
        for (const f of Object.values(b.inputs)) f.buffer.destroy();
        b.staging.destroy();
        return b.session.release();
      }).catch(() => undefined);
    }
    this.buckets.clear();
  }
}
