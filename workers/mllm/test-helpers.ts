// Shared by the MLLM tests: golden tensors (base64 JSON written by training/export_mllm.py),
// closeness checks, and loading a model folder with the engine's own session code.
import { expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { mllmGraphNames } from '../lib/manifest';
import { allClose } from '../lib/tensorio';
import { MllmGenerator, type MllmSpec, type PlanDrafting, type Pyramid } from './generate';
import { halfToFloat } from './gallery';
import type { MllmSessions } from './graph-runner';
import { createMllmSessions } from '../engine/puma-engine';
import { mllmFromFolder } from '../engine/folder-files';

/** One recorded graph call: its feeds and what PyTorch computed for them. */
export type GoldenCall = Record<'inputs' | 'outputs', Record<string, T64>>;

/** The calls of one generation PyTorch recorded: the prefill, then each step. */
export interface GoldenRun {
  prefill: GoldenCall;
  steps: GoldenCall[];
}

/** What every MLLM golden holds (training/export_mllm.py): a prompt's generation and an edit's
 * (with its image tokens), and the tolerance. */
export interface MllmGolden extends GoldenRun {
  prompt: string;
  /** reader_source: a model with a reader, the reader's pyramid of the source (image order) */
  edit: GoldenRun & { instruction: string; source: T64; residual_edit: boolean; tokens: T64; reader_source?: T64 };
  atol: number;
  rtol: number;
}

export interface T64 {
  shape: number[];
  dtype: string;
  data_b64: string;
}

export function decode(t: T64): ort.Tensor {
  const b = Buffer.from(t.data_b64, 'base64');
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  if (t.dtype === 'int64') return new ort.Tensor('int64', new BigInt64Array(ab), t.shape);
  if (t.dtype === 'int32') return new ort.Tensor('int32', new Int32Array(ab), t.shape);
  if (t.dtype === 'float32') return new ort.Tensor('float32', new Float32Array(ab), t.shape);
  // stored as half floats (exact for what PyTorch's fp16 bank holds, half the bytes): widened to float32
  if (t.dtype === 'float16') return new ort.Tensor('float32', Float32Array.from(new Uint16Array(ab), halfToFloat), t.shape);
  throw new Error(`dtype ${t.dtype}`);
}

export const f32 = (t: T64) => decode(t).data as Float32Array;

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what: string) {
  expect(got.length, what).toBe(want.length);
  const r = allClose(got, want, atol, rtol);
  expect(r.index, `${what}: max |diff| ${r.maxAbs}`).toBe(-1);
}

/** Image tokens in image order, flat [n_tokens * feature_dim], split into their scales. */
export function splitScales(spec: Pick<MllmSpec, 'image_order' | 'scale_tokens' | 'feature_dim'>, flat: Float32Array): Pyramid {
  const out: Pyramid = {};
  let o = 0;
  spec.image_order.forEach((name, i) => {
    out[name] = flat.slice(o * spec.feature_dim, (o + spec.scale_tokens[i]) * spec.feature_dim);
    o += spec.scale_tokens[i];
  });
  return out;
}

/** expectClose with the absolute tolerance scaled down to the data: an untrained fixture's
 * features are ~1e-3, where the golden atol alone would accept almost anything. */
export function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, tol: { atol: number; rtol: number }, what: string) {
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(want[i]));
  expectClose(got, want, tol.atol * Math.min(1, m), tol.rtol, what);
}

/** The shipped models folder (public/models, or PUMA_MODELS_DIR). */
export const shippedDir = resolve(process.env.PUMA_MODELS_DIR ?? resolve(import.meta.dirname, '../../public/models'));

/** "single" or "pair": which MLLM files a folder's manifest names (null: no manifest/MLLM). */
export function graphKind(dir: string): 'single' | 'pair' | null {
  const p = resolve(dir, 'manifest.json');
  if (!existsSync(p)) return null;
  const man = JSON.parse(readFileSync(p, 'utf8'));
  if (!man.mllm) return null;
  return man.mllm.graph === 'single' ? 'single' : 'pair';
}

/** A folder's MLLM as the engine loads it, with the step calls counted. */
export async function loadMllm(dir: string) {
  const manifestPath = resolve(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new Error(`${manifestPath} is missing: export the MLLM (training/export_mllm.py) or set PUMA_MODELS_DIR`);
  const man = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (!man.mllm) throw new Error(`${manifestPath} has no MLLM: export it (training/export_mllm.py)`);
  const spec = man.mllm as MllmSpec;
  const names = mllmGraphNames(spec);
  for (const n of names) if (!man.models?.[n]) throw new Error(`${manifestPath} names no ${n}`);
  // the engine's own MLLM loading: the same files (external weight data included) and session options as the page
  const { graphs, tokenizer: tb } = await mllmFromFolder(dir, man);
  const { sessions, tokenizer: tok } = await createMllmSessions(ort, 'wasm', graphs, tb);
  const golden = JSON.parse(readFileSync(resolve(dir, man.models[names[0]].golden_mllm), 'utf8'));
  let calls = 0;
  const count = (s: { run: ort.InferenceSession['run'] }) => ({ run: (f: ort.InferenceSession.FeedsType) => ((calls += 1), s.run(f)) });
  const counted: MllmSessions = 'single' in sessions ? { single: count(sessions.single) } : { prefill: count(sessions.prefill), step: count(sessions.step) };
  const generator = (s: MllmSpec = spec, drafting?: PlanDrafting) => new MllmGenerator(ort, s, tok, counted, drafting);
  return { dir, man, spec, sessions, tok, golden, gen: generator(), generator, calls: () => calls, resetCalls: () => (calls = 0) };
}
