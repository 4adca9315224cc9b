// The plan bar's words for an edit not drawn as any other: a style edit (PlanInfo.restyled), restyled from the plan or
// kept at the user's asking, and a tone edit drawn by the tone editor (PlanInfo.toneEdited). Pure, so the wording is
// tested without a page.
import type { PlanInfo, Restyled } from '../../workers/mllm/plan';

/** Which part of the drawing a restyle drew from the plan, in words: "the whole drawing" when every scale drawn is
 * among `fromPlan` (naming them all says nothing more, and five names read as a list to decode), else the scales. */
export function restyledPart(fromPlan: readonly string[], drawn: readonly string[]): { words: string; plural: boolean } {
  if (drawn.length && drawn.every((s) => fromPlan.includes(s))) return { words: 'the whole drawing', plural: false };
  return { words: fromPlan.join(', '), plural: fromPlan.length > 1 };
}

/** The line under a restyled edit's plan; null where nothing was drawn from the plan. */
export function restyledLine(restyled: Restyled | undefined, drawn: readonly string[]): string | null {
  if (!restyled?.fromPlan.length) return null;
  const { words, plural } = restyledPart(restyled.fromPlan, drawn);
  return `Restyled: the instruction names a style, so ${words} ${plural ? 'are' : 'is'} drawn from this plan as the model learned that style, not traced over your image.`;
}

/** The line under a style edit kept at the user's asking; null for any other edit. */
export function keptLine(restyled: Restyled | undefined): string | null {
  return restyled?.kept ? 'Kept your design: the instruction names a style, but every scale is traced over your image instead of drawn from this plan.' : null;
}

/** The line under a sketch the sketch editor redrew (manifest mllm.sketch_edit); null for any other drawing. */
export function sketchEditedLine(plan: Pick<PlanInfo, 'sketchEdited'>): string | null {
  return plan.sketchEdited ? "Sketch editor: your image has colour and its design is near ones the sketch editor learned, so that design is kept: the language model drew this plan, and the sketch editor redrew it along your image's edges." : null;
}

/** The line under a tone edit the tone editor drew (manifest mllm.tone_edit); null for any other drawing. */
export function toneEditedLine(plan: Pick<PlanInfo, 'toneEdited'>): string | null {
  return plan.toneEdited ? "Tone editor: the instruction asks for a skin tone, so your image is redrawn at this plan's tone by the tone editor, not drawn by the language model." : null;
}
