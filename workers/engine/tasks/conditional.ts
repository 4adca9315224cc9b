// The conditional tasks: edit, colorize, inpaint, sketch. The prepared image becomes the
// encoder's source (itself / grayscale / masked / Sobel edges, recipes from manifest.mllm.sources),
// the MLLM reads all five of its scales with the instruction and writes the target's f4..f0,
// each drawn the moment it exists (an edit asking for a skin tone: the tone editor's f4..f0 where the plan's tone is
// one it draws, tone-editor.ts); then the automatic scale choice (recommendScale) marks one.
import type { RGBAImage } from '../../lib/image';
import { holeMask } from '../../lib/mask';
import { makeSource, parseSourceRecipes, pasteUnmasked, SourceError, type SourceKind, type SourceRecipes } from '../../lib/sources';
import { picks, type Manifest } from '../../lib/manifest';
import { normalizeText } from '../../mllm/tokenizer';
import { restyleChoice } from '../../mllm/plan';
import { sketchEditFor } from '../sketch-editor';
import { toneEditFor } from '../tone-editor';
import { fromNCHW } from '../../lib/image';
import { TaskInputError } from '../errors';
import { checkImage, checkScales, decodeAll, encodeGivenImage, generateImageFeatures, prepareInput, recommendScale, requireMllm, ScaleDecoder } from '../steps';
import { checkFits, taskInfo } from '../task-info';
import { defineTask, type SamplerRequest } from './task';

export type ConditionalKind = SourceKind;

export interface ConditionalRequest extends SamplerRequest {
  /** any size; composited on white and resized to the model's size, like every input */
  image: RGBAImage;
  /** edit: the instruction (required); other tasks: the manifest's wording is used when absent */
  instruction?: string;
  /** inpaint: same aspect as image, any size; a pixel whose red channel is > 127 is the hole */
  mask?: RGBAImage;
  /** inpaint: keep the original pixels outside the hole (default true); false shows the model's raw output */
  keepUnmasked?: boolean;
  /** edit: an instruction that names a style (manifest mllm.restyle) is drawn from its plan, as the model learned
   * that style (default true); false keeps the user's design: drawn through the source as any edit, its plan info
   * marked kept (PlanInfo.restyled) so the page can offer the restyle back */
  restyle?: boolean;
}

export interface InpaintRequest extends ConditionalRequest {
  mask: RGBAImage;
}

const recipesByManifest = new WeakMap<Manifest, SourceRecipes>();
function recipes(m: Manifest): SourceRecipes {
  let r = recipesByManifest.get(m);
  if (!r) {
    try {
      r = parseSourceRecipes(m.mllm?.sources);
    } catch (e) {
      if (e instanceof SourceError) throw new TaskInputError(`Conditional tasks are unavailable: ${e.message}`);
      throw e;
    }
    recipesByManifest.set(m, r);
  }
  return r;
}

/** mask RGBA (any size) -> one value per model pixel, 1 = hole (the page's history stores the same reading) */
const maskAt = (mask: RGBAImage, size: number): Float32Array => Float32Array.from(holeMask(mask, size));

function conditionalTask<R extends ConditionalRequest>(kind: ConditionalKind) {
  return defineTask<R>({
    async run(ctx, req, onEvent) {
      const m = ctx.manifest;
      const mllm = requireMllm(ctx, 'This task');
      const info = taskInfo(m, mllm);
      checkImage(req.image, 'image');
      const scales = checkScales(m, req.scales);
      let instruction = (req.instruction ?? '').trim();
      if (kind === 'edit') {
        if (!normalizeText(instruction)) throw new TaskInputError('Type an instruction first, or pick one of the suggestions.');
      } else if (!instruction) instruction = info.taskPrompts[kind];
      checkFits(instruction, mllm, info.maxInstructionTokens, 'instruction');

      const size = m.image.size;
      const { prepared, nchw } = prepareInput(ctx, req.image, onEvent);
      let mask: Float32Array | undefined;
      if (kind === 'inpaint') {
        checkImage(req.mask, 'mask');
        mask = maskAt(req.mask!, size);
        const holes = mask.reduce((a, b) => a + b, 0);
        if (holes === 0) throw new TaskInputError('Paint the part to fill in first (the mask is empty).');
        if (holes === mask.length) throw new TaskInputError('The mask covers the whole image; leave some of it unmasked.');
      }
      const src = makeSource(kind, nchw, recipes(m), mask);
      const paste = kind === 'inpaint' && mask && req.keepUnmasked !== false ? mask : null;
      onEvent({ type: 'source', image: fromNCHW(src, size, size) });
      const pick = picks(m, kind);
      const enc = await encodeGivenImage(ctx, src, onEvent, pick);

      const decoder = new ScaleDecoder(
        ctx,
        { uncond: enc.uncond, sampler: req, wanted: scales, compareWith: prepared, finish: paste ? (out) => pasteUnmasked(out, nchw, paste) : undefined },
        onEvent,
      );
      // an edit that asks for a style is drawn partly from its plan alone (manifest mllm.restyle): the asked
      // vendor's own drawing, which the model was trained on, rather than the source's design restyled; unless
      // the request keeps the user's design (restyle: false), which traces it over the image as any edit
      const { planMix, keptStyle } = kind === 'edit' ? restyleChoice(instruction, m.mllm?.restyle, { order: mllm.spec.image_order, wanted: scales, restyle: req.restyle }) : {};
      // an edit that asks for a skin tone (and names no style) is drawn by the tone editor from the given image where
      // the plan it writes names a tone the editor draws (manifest mllm.tone_edit; the generator asks once the plan is written)
      const editor = (model?: string) => (model ? ctx.editors?.[model] : undefined);
      const guard = <T,>(p: Promise<T>) => ctx.guard(p);
      const toneEdit = kind === 'edit' ? toneEditFor(m, editor(m.mllm?.tone_edit?.model), instruction, enc.cond, guard) : undefined;
      // a sketch of a colour image near a design the sketch editor trained on is redrawn by it from its edge map's f0
      // and the MLLM's f0 drawing (manifest mllm.sketch_edit; the given image and the sketch decide, before the MLLM draws)
      const sketchEdit = kind === 'sketch' ? await sketchEditFor(m, editor(m.mllm?.sketch_edit?.model), prepared, enc.cond, guard) : undefined;
      const request = { kind: 'edit' as const, text: instruction, source: enc.cond, reader: enc.reader, scales, pick, task: kind, pickKey: enc.pickKey, planMix, keptStyle, toneEdit };
      let generated;
      if (sketchEdit) {
        // the MLLM draws every scale down to f0 (the editor reads its f0) and none is shown: the editor's pyramid is
        // the drawing, each wanted scale decoded from it coarse to fine; the plan says who drew it
        const held = new ScaleDecoder(ctx, { uncond: enc.uncond, sampler: req, wanted: [] }, onEvent);
        const marked: typeof onEvent = (ev) => onEvent(ev.type === 'plan' ? { ...ev, plan: { ...ev.plan, sketchEdited: true } } : ev);
        const drawn = await generateImageFeatures(ctx, { ...request, scales: m.scales.map((s) => s.name) }, held, marked);
        await ctx.checkpoint();
        generated = await sketchEdit(drawn);
        await decodeAll(decoder, generated, scales);
      } else {
        generated = await generateImageFeatures(ctx, request, decoder, onEvent);
      }
      // without the manifest's scale_choice: faithfulness of each drawing's pyramid to the generated one, every level
      await recommendScale(ctx, kind, decoder.decoded, generated, m.scales.map((s) => s.name), onEvent);
    },
  });
}

export const edit = conditionalTask<ConditionalRequest>('edit');
export const colorize = conditionalTask<ConditionalRequest>('colorize');
export const inpaint = conditionalTask<InpaintRequest>('inpaint');
export const sketch = conditionalTask<ConditionalRequest>('sketch');
