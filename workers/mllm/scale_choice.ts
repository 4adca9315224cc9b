// Automatic scale choice: a score per decoded scale, computed from the encoder alone,
// the same formulas as training/eval_mllm.py (score_t2i, score_cond), whose evaluation reports
// how often the pick agrees with the judge. The pipeline encodes each decoded image
// (Engine.encode -> pyramid) and calls these with the MLLM's generated pyramid.
import type { Pyramid } from './generate';

function cosine(a: Float32Array, b: Float32Array, off: number, n: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = off; i < off + n; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.max(Math.sqrt(aa) * Math.sqrt(bb), 1e-8);
}

/** Text-to-image: agreement of the decoded image's global feature (f4) with the generated f4. */
export function scoreT2I(decoded: Pyramid, generated: Pyramid): number {
  const a = decoded.f4;
  const b = generated.f4;
  if (!a || !b || a.length !== b.length) throw new Error('scoreT2I: both pyramids need f4 of the same size');
  return cosine(a, b, 0, a.length);
}

/** Editing / conditional: mean over scales of the mean per-token cosine (faithfulness). */
export function scoreCond(decoded: Pyramid, generated: Pyramid, C: number, scales = ['f0', 'f1', 'f2', 'f3', 'f4']): number {
  let total = 0;
  for (const s of scales) {
    const a = decoded[s];
    const b = generated[s];
    if (!a || !b || a.length !== b.length) throw new Error(`scoreCond: scale ${s} missing or of different size`);
    const n = a.length / C;
    let m = 0;
    for (let t = 0; t < n; t++) m += cosine(a, b, t * C, C);
    total += m / n;
  }
  return total / scales.length;
}

/** The recommended scale: highest score (ties go to the earlier name in `scores`). */
export function recommendScale(scores: Record<string, number>): string {
  let best = '';
  let bestScore = -Infinity;
  for (const [k, v] of Object.entries(scores)) {
    if (v > bestScore) {
      best = k;
      bestScore = v;
    }
  }
  if (!best) throw new Error('recommendScale: no scores');
  return best;
}
