// The few manifest facts the page's own controls need (prompt budget, sampler limits, the
// model's name and image size, the trained prompts), read from the same models/manifest.json
// the worker loads (the store keeps them as `facts`, derived from the manifest the worker sends
// before any model file), so nothing here is a second copy of a training fact.
import type { MllmTextLimits, SamplerLimits } from '../inputValidation';

export interface PageFacts {
  family: string;
  imageSize: number;
  sampler: SamplerLimits;
  /** null when the manifest has no MLLM (reconstruction only) */
  mllm: (MllmTextLimits & { prompts: Record<string, unknown> }) | null;
}

/** Raw manifest JSON -> the facts, or an Error saying what is missing. */
export function pageFacts(raw: unknown): PageFacts | Error {
  const m = raw as { family?: unknown; image?: { size?: unknown }; sampler?: SamplerLimits; mllm?: { ctx?: unknown; image_tokens?: unknown; prompts?: unknown; plan?: { max_tokens: number } | null } } | null;
  if (!m || typeof m !== 'object') return new Error('the manifest is not a JSON object');
  if (typeof m.family !== 'string' || typeof m.image?.size !== 'number') return new Error('the manifest lacks family or image.size');
  const s = m.sampler;
  if (!s || typeof s.steps !== 'number' || typeof s.guidance !== 'number') return new Error('the manifest lacks sampler.steps or sampler.guidance');
  const mm = m.mllm;
  const mllm =
    mm && typeof mm.ctx === 'number' && typeof mm.image_tokens === 'number'
      ? { ctx: mm.ctx, image_tokens: mm.image_tokens, plan: mm.plan ?? null, prompts: mm.prompts && typeof mm.prompts === 'object' ? (mm.prompts as Record<string, unknown>) : {} }
      : null;
  return { family: m.family, imageSize: m.image.size, sampler: s, mllm };
}
