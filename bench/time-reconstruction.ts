// One reconstruction through the engine, timed from its events: the numbers every benchmark
// reports (encoder, each scale's finish time and per-step times, first image, all five).
import type { RGBAImage } from '../workers/lib/image';
import type { PumaEngine } from '../workers/engine/puma-engine';

export interface ReconstructionTiming {
  encodeMs: number;
  firstImageMs: number;
  allFiveMs: number;
  scales: Record<string, { doneAt: number; stepMs: number[]; psnr?: number }>;
}

export async function timeReconstruction(engine: PumaEngine, image: RGBAImage, scales: string[], steps: number, seed = 1234): Promise<ReconstructionTiming> {
  const start = performance.now();
  let encodeMs = 0;
  const done: ReconstructionTiming['scales'] = {};
  let outcome = '';
  for await (const e of engine.run('reconstruct', { image, scales, steps, guidance: engine.manifest.sampler.guidance, seed })) {
    if (e.type === 'encoded') encodeMs = e.ms;
    if (e.type === 'image') done[e.scale] = { doneAt: performance.now() - start, stepMs: e.stepMs, psnr: e.psnr };
    outcome = e.type;
  }
  if (outcome !== 'done') throw new Error(`reconstruction ${outcome}`);
  return { encodeMs, firstImageMs: done[scales[0]].doneAt, allFiveMs: performance.now() - start, scales: done };
}
