// Automatic scale choice: a score per decoded scale, computed from the encoder alone,
// the same formula as training/eval_mllm.py (level_cosines, choice_score), whose evaluation reports
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

/** A drawing's score: over the given pyramid levels, the mean of the mean per-token cosine between the drawing's
 * pyramid (encoded again) and the generated one (training/eval_mllm.py level_cosines + choice_score). The levels are
 * the task's (manifest scale_choice): f4 alone is agreement with the prompt's semantics, all five faithfulness. */
export function scoreAtLevels(decoded: Pyramid, generated: Pyramid, C: number, levels: readonly string[]): number {
  if (!levels.length) throw new Error('scoreAtLevels: no levels');
  let total = 0;
  for (const s of levels) {
    const a = decoded[s];
    const b = generated[s];
    if (!a || !b || a.length !== b.length) throw new Error(`scoreAtLevels: level ${s} missing or of different size`);
    const n = a.length / C;
    let m = 0;
    for (let t = 0; t < n; t++) m += cosine(a, b, t * C, C);
    total += m / n;
  }
  return total / levels.length;
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
