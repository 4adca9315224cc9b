// The few manifest facts the page's own controls need (prompt budget, sampler limits, the
// model's name and image size, the trained prompts), taken from the manifest the engine
// validated (workers/lib/manifest.ts validateManifest) and sent before any model file: no
// second validation here, and nothing a second copy of a training fact.
import type { Manifest, MllmSpec, SamplerSpec } from '../../workers/lib/manifest';

export interface PageFacts {
  family: string;
  imageSize: number;
  sampler: SamplerSpec;
  /** null when the manifest has no MLLM (reconstruction only) */
  mllm: MllmSpec | null;
  /** the guidance the decoders were distilled at (their one pass stands for the guided pair), or
   * null for undistilled decoders: below it the students' unguided branch is only approximate */
  distilledGuidance: number | null;
  /** the step count the decoders were step-distilled to and from (they are valid at `to` only), or null */
  stepDistilled: { from: number; to: number } | null;
}

export function pageFacts(m: Manifest): PageFacts {
  const distilled = Object.values(m.models).flatMap((e) => (e.role === 'decoder' && e.distilled_guidance ? [e.distilled_guidance] : []));
  const sd = Object.values(m.models).find((e) => e.role === 'decoder' && e.step_distilled)?.step_distilled;
  return { family: m.family, imageSize: m.image.size, sampler: m.sampler, mllm: m.mllm ?? null, distilledGuidance: distilled.length ? Math.max(...distilled) : null, stepDistilled: sd ? { from: sd.from, to: sd.to } : null };
}
