// Reconstruct: an image -> its pyramid -> each scale drawn by its own decoder (no MLLM).
import type { RGBAImage } from '../../lib/image';
import { checkScales, decodeAll, encodeImage, prepareInput, ScaleDecoder } from '../steps';
import { defineTask, type SamplerRequest } from './task';

export interface ReconstructRequest extends SamplerRequest {
  /** any size; composited on white and resized to the model's size */
  image: RGBAImage;
}

export const reconstruct = defineTask<ReconstructRequest>({
  async run(ctx, req, onEvent) {
    const scales = checkScales(ctx.manifest, req.scales);
    const { prepared, nchw } = prepareInput(ctx, req.image, onEvent);
    const pyr = await encodeImage(ctx, nchw, onEvent);
    const decoder = new ScaleDecoder(ctx, { uncond: pyr.uncond, sampler: req, wanted: scales, compareWith: prepared }, onEvent);
    await decodeAll(decoder, pyr.cond, scales);
  },
});
