// The exporter's golden vectors (training/export*.py writes them next to the models): one
// reader and one comparison, so every parity test reads and judges them the same way.
import { expect } from 'vitest';
import { readJson } from './models';
import { allClose, decodeTensor, type B64Tensor } from '../workers/lib/tensorio';
import type { Schedule } from '../workers/lib/manifest';

export interface Golden {
  /** the model and the variant the vectors were made with (per-model goldens) */
  model?: string;
  variant?: string;
  inputs: Record<string, B64Tensor>;
  outputs: Record<string, B64Tensor>;
  atol: number;
  rtol: number;
  /** where the arithmetic cannot be reproduced bit for bit (int8 decoders: a quantizer's rounding flips
   * with float order, training/int8_decoders.py), the largest allowed RMS(got - want) / RMS(want) */
  rel_rms?: number;
}

/** golden/sampler.json: a 4-step f4 decode. outputs: x_0 (final), x_in_<i> (the batched [x, x]
 * fed at step i), v_<i> (the model's output [2, ...]) */
export interface SamplerGolden extends Golden {
  steps: number;
  guidance: number;
  schedule: Schedule;
}

export const readGolden = <G extends Golden = Golden>(rel: string): G => readJson<G>(rel);

/** The golden tensor's values. */
export const goldenTensor = (t: B64Tensor): Float32Array => decodeTensor(t);

/** Fails, naming `what`, the largest difference and the first bad index, beyond the golden's tolerance. */
export function expectClose(got: Float32Array, want: B64Tensor | Float32Array, g: Pick<Golden, 'atol' | 'rtol' | 'rel_rms'>, what: string) {
  const w = want instanceof Float32Array ? want : decodeTensor(want);
  const r = allClose(got, w, g.atol, g.rtol);
  expect(r.ok, `${what}: max |diff| ${r.maxAbs} (atol ${g.atol}, rtol ${g.rtol}), first bad index ${r.index}`).toBe(true);
  if (g.rel_rms !== undefined) {
    expect(got.length).toBe(w.length);
    let d = 0, n = 0;
    for (let i = 0; i < w.length; i++) (d += (got[i] - w[i]) ** 2), (n += w[i] ** 2);
    expect(Math.sqrt(d / n), `${what}: relative RMS difference (allowed ${g.rel_rms})`).toBeLessThanOrEqual(g.rel_rms);
  }
}

/** The largest |a[i] - b[i]| (the lengths must agree). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
