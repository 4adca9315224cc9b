// Text-to-image: prompt -> (a model with a plan: the plan, or the user's) -> the MLLM writes
// f4..f0 -> each scale drawn the moment it exists -> the automatic scale choice. Variations: a
// model with a plan samples a new plan (seeded), so variations differ in what is drawn; without
// one, the same generated features are drawn with another seed.
import { TaskInputError } from '../errors';
import { blankPyramid, checkScales, decodeAll, generateImageFeatures, recommendScale, requireMllm, ScaleDecoder } from '../steps';
import { defineTask, type SamplerRequest } from './task';

/** Without the manifest's scale_choice: a drawing scored by its agreement with the generated f4 (the prompt's semantics). */
const T2I_LEVELS = ['f4'];

export interface TextToImageRequest extends SamplerRequest {
  prompt: string;
  /** a model with a plan: draw this plan (a picked candidate, style or tone) instead of the model's */
  plan?: string;
}

/** A model with a plan: sample the plan (seeded by `seed`) and draw it. Without: decode the last
 * prompt's generated features again (no MLLM run). */
export interface VariationsRequest extends SamplerRequest {
  /** must be the last generated prompt */
  prompt: string;
  /** a plan the user fixed (a picked style or tone) is kept; the variation then differs in noise only */
  plan?: string;
}

export const textToImage = defineTask<TextToImageRequest>({
  async run(ctx, req, onEvent) {
    requireMllm(ctx, 'Text-to-image');
    const scales = checkScales(ctx.manifest, req.scales);
    ctx.lastGeneration = null;
    const decoder = new ScaleDecoder(ctx, { uncond: await blankPyramid(ctx), sampler: req, wanted: scales }, onEvent);
    const generated = await generateImageFeatures(ctx, { kind: 't2i', text: req.prompt, scales, plan: req.plan }, decoder, onEvent);
    ctx.lastGeneration = { prompt: req.prompt, generated };
    await recommendScale(ctx, 'text-to-image', decoder.decoded, generated, T2I_LEVELS, onEvent);
  },
});

export const variations = defineTask<VariationsRequest>({
  async run(ctx, req, onEvent) {
    if (ctx.mllm?.plan) {
      requireMllm(ctx, 'Variations');
      const scales = checkScales(ctx.manifest, req.scales);
      const decoder = new ScaleDecoder(ctx, { uncond: await blankPyramid(ctx), sampler: req, wanted: scales }, onEvent);
      const planSampling = req.plan === undefined ? { seed: req.seed } : undefined;
      const generated = await generateImageFeatures(ctx, { kind: 't2i', text: req.prompt, scales, plan: req.plan, planSampling }, decoder, onEvent);
      ctx.lastGeneration = { prompt: req.prompt, generated };
      await recommendScale(ctx, 'text-to-image', decoder.decoded, generated, T2I_LEVELS, onEvent);
      return;
    }
    const last = ctx.lastGeneration;
    if (!last || last.prompt !== req.prompt) throw new TaskInputError('generate from this prompt first: variations decode its features again with new seeds');
    const scales = checkScales(ctx.manifest, req.scales);
    const decoder = new ScaleDecoder(ctx, { uncond: await blankPyramid(ctx), sampler: req, wanted: scales }, onEvent);
    // scales not generated for that prompt (fewer were asked for) are skipped
    await decodeAll(decoder, last.generated, scales);
    await recommendScale(ctx, 'text-to-image', decoder.decoded, last.generated, T2I_LEVELS, onEvent);
  },
});
