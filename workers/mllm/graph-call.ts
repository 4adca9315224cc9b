// What one MLLM graph call takes and gives, and the KV cache it continues: shared by the runner
// (graph-runner.ts) and the captured graph (captured-graph.ts), which the runner delegates to.
import type { Tensor as TensorT } from '../engine/ort';

export interface KvCache {
  /** present_key_i / present_value_i of the last call; null before the prefill, and in a captured cache */
  presents: Record<string, TensorT> | null;
  /** block id of every cached position */
  blocks: number[];
  /** a captured cache (its positions live in CapturedMllm's buffers): which call wrote each position */
  stamps?: number[];
  released?: boolean;
}

export interface CallIn {
  ids: number[];
  slot: number[];
  /** [T * C] */
  feats: Float32Array;
  /** block id of each new position */
  block: number[];
  /** [T * C] a model with a reader: the reader's features at given images' positions, zeros elsewhere
   * (absent: all zeros, e.g. text and generated-image queries) */
  reader?: Float32Array;
  /** which new positions get logits (single graph; default the last only: the pair gives no other) */
  logitPositions?: number[];
}

export interface CallOut {
  /** [V] of the last position asked for (CallIn.logitPositions; by default the call's last) */
  logits: Float32Array;
  /** [V] per position asked for, in their order */
  logitRows: Float32Array[];
  /** [T * C] (single graph) or [C] (pair: the last position only) */
  feature: Float32Array;
  delta: Float32Array | null;
  /** new positions in this call */
  t: number;
  cache: KvCache;
}
