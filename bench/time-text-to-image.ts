// One text-to-image run through the engine, timed from its events: the plan, the MLLM's own time
// (the sum of its calls, measured by the caller around the MLLM session: decodes run between those
// calls), each scale's finish time, first image, all five (the last image), the whole run. bench/gpu-bench.ts --t2i reports these
// beside bench/gpu_torch.py --t2i (the same pipeline in PyTorch).
import type { PumaEngine } from '../workers/engine/puma-engine';

export interface TextToImageTiming {
  plan: string;
  /** time inside MLLM calls until the last image, and their number (prefill, plan, [IMG], a call
   * per scale: what bench/gpu_torch.py --t2i counts) */
  mllmMs: number;
  mllmCalls: number;
  firstImageMs: number;
  /** when the last image arrived */
  allFiveMs: number;
  /** the whole run: after the images the page's plan candidates (more MLLM calls, counted in
   * candidateCalls) and the recommended scale */
  runMs: number;
  candidateCalls: number;
  scales: Record<string, { doneAt: number; stepMs: number[] }>;
}

/** `mllmCalls()` reads the caller's running totals of the MLLM session's calls; `plan`: draw this
 * plan (one call) instead of the model's. */
export async function timeTextToImage(engine: PumaEngine, prompt: string, scales: string[], steps: number, mllmCalls: () => { ms: number; calls: number }, plan?: string, seed = 1234): Promise<TextToImageTiming> {
  const before = mllmCalls();
  const start = performance.now();
  const done: TextToImageTiming['scales'] = {};
  let atLastImage = before;
  let drawn = '';
  let outcome = '';
  for await (const e of engine.run('text-to-image', { prompt, plan, scales, steps, guidance: engine.manifest.sampler.guidance, seed })) {
    if (e.type === 'plan' && !drawn) drawn = e.plan.text;
    if (e.type === 'image') {
      done[e.scale] = { doneAt: performance.now() - start, stepMs: e.stepMs };
      atLastImage = mllmCalls();
    }
    outcome = e.type;
  }
  if (outcome !== 'done') throw new Error(`text-to-image ${outcome}`);
  const runMs = performance.now() - start;
  const after = mllmCalls();
  const allFiveMs = Math.max(...scales.map((s) => done[s].doneAt));
  return { plan: drawn, mllmMs: atLastImage.ms - before.ms, mllmCalls: atLastImage.calls - before.calls, firstImageMs: done[scales[0]].doneAt, allFiveMs, runMs, candidateCalls: after.calls - atLastImage.calls, scales: done };
}
