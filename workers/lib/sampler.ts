import type { Schedule } from './manifest';

// DDIM (eta = 0) for a v-predicting model with classifier-free guidance, step for step as
// training/decoder.py's ddim_sample: x0 = clamp(a*x - s*v, -1, 1), eps = (x - a*x0) / s with
// a = sqrt(abar), s = sqrt(1 - abar); x_next = sqrt(abar_next)*x0 + sqrt(1-abar_next)*eps; the
// step after the last goes to abar = 1. Guidance mixes v: v = v_u + g * (v_c - v_u). Clamping
// x0 keeps a few-step sampler from overshooting the image range.

/** One DDIM step from abar to abarNext given the (guided) v prediction. */
export function ddimStep(x: Float32Array, v: Float32Array, abar: number, abarNext: number): Float32Array {
  const a = Math.sqrt(abar);
  const s = Math.sqrt(1 - abar);
  const an = Math.sqrt(abarNext);
  const sn = Math.sqrt(1 - abarNext);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = Math.min(1, Math.max(-1, a * x[i] - s * v[i]));
    const eps = (x[i] - a * x0) / s;
    out[i] = an * x0 + sn * eps;
  }
  return out;
}

/** Classifier-free guidance on v. */
export function guide(vCond: Float32Array, vUncond: Float32Array, g: number): Float32Array {
  const out = new Float32Array(vCond.length);
  for (let i = 0; i < out.length; i++) out[i] = vUncond[i] + g * (vCond[i] - vUncond[i]);
  return out;
}

/**
 * The guidance to apply to a decoder's own (cond, uncond) pair when the user asks for g. A
 * guidance-distilled decoder's conditional pass already gives v_u + w (v_c - v_u) of its teacher
 * (w = the manifest's distilled_guidance), so g asks for g / w of it, its blank-features pass standing
 * in for v_u; at the default g = w that is 1: the conditional pass alone (see sampleDDIM).
 * training/decoder.py's model_guidance is the same rule.
 */
export function decoderGuidance(g: number, distilledGuidance?: number): number {
  return distilledGuidance ? g / distilledGuidance : g;
}

/**
 * Runs the model for one x and t on a batch of t.length: two (cond, uncond), returning v for
 * both concatenated [2, ...] (batching the branches halves the session calls), or one (cond alone)
 * when guidance is 1.
 */
export type PredictV = (x: Float32Array, t: Float32Array) => Promise<Float32Array>;

export interface SampleOptions {
  xT: Float32Array;
  schedule: Schedule;
  guidance: number;
  predict: PredictV;
  onStep?: (step: number, steps: number, x: Float32Array) => void;
  /** Checked before every step; throwing here (e.g. an AbortError) stops the run. */
  checkCancel?: () => Promise<void> | void;
}

export async function sampleDDIM(o: SampleOptions): Promise<Float32Array> {
  const n = o.xT.length;
  let x = o.xT;
  const steps = o.schedule.timesteps.length;
  // v_u + 1 (v_c - v_u) = v_c: at guidance 1 the unconditional pass is not run at all
  const pair = o.guidance !== 1;
  const xb = new Float32Array(pair ? 2 * n : n);
  const tb = new Float32Array(pair ? 2 : 1);
  for (let i = 0; i < steps; i++) {
    await o.checkCancel?.();
    xb.set(x, 0);
    if (pair) xb.set(x, n);
    tb.fill(o.schedule.timesteps[i]);
    const vb = await o.predict(xb, tb);
    const v = pair ? guide(vb.subarray(0, n), vb.subarray(n, 2 * n), o.guidance) : vb.subarray(0, n);
    const abar = o.schedule.alphas_cumprod[i];
    const abarNext = i + 1 < steps ? o.schedule.alphas_cumprod[i + 1] : 1;
    x = ddimStep(x, v, abar, abarNext);
    o.onStep?.(i + 1, steps, x);
  }
  for (let i = 0; i < n; i++) x[i] = Math.min(1, Math.max(-1, x[i]));
  return x;
}

/**
 * The per-step inputs of the ddim_step graph (training/export_sampler.py), which runs the same
 * guidance + ddimStep on the GPU: [guidance, abar, abar_next] for each step, abar_next = 1 after
 * the last (so the last step's output is x0 itself).
 */
export function ddimStepCoefficients(schedule: Schedule, guidance: number): Float32Array[] {
  const ab = schedule.alphas_cumprod;
  return ab.map((abar, i) => new Float32Array([guidance, abar, i + 1 < ab.length ? ab[i + 1] : 1]));
}
