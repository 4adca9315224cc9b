// The plan: before an image the MLLM writes one text segment naming what it will draw,
// " {concept} | {style} | {tone}" (fields and separator from the manifest's mllm.plan, never
// from here). Pure functions shared by the engine (parse what the model wrote, build what the
// user picked) and the page (labels). No model calls.
import type { PlanSpec, RestyleSpec } from '../lib/manifest';
import { normalizeText } from './tokenizer';

export type { PlanSpec };

/** One field value per manifest field name (concept, style, tone). */
export type PlanFields = Record<string, string>;

/** Another concept the model considered for its first plan token, completed greedily. */
export interface PlanCandidate {
  concept: string;
  /** the whole plan this chip redraws with: this concept, the current plan's other fields */
  text: string;
  /** probability of its first token at the plan's first position (a picked plan's: its share of the names' pick scores) */
  p: number;
}

export interface PlanInfo {
  /** the plan as written (normalised, no leading space) */
  text: string;
  fields: PlanFields;
  /** how it came about: the model's greedy pick, sampled (variations), given by the user, or the model's pick
   * among the names of the concepts nearest the given image (manifest mllm.pick) */
  source: 'greedy' | 'sampled' | 'given' | 'picked';
  /** the model's top concepts at the plan's first token (greedy first), each a complete plan */
  candidates: PlanCandidate[];
  /** an edit whose instruction names a style, on a model that restyles (manifest mllm.restyle): what became of it */
  restyled?: Restyled;
  /** an edit drawn by the tone editor (manifest mllm.tone_edit), not by the MLLM's image tokens: the given image
   * redrawn at this plan's tone (workers/mllm/tone-edit.ts) */
  toneEdited?: true;
  /** a sketch redrawn by the sketch editor (manifest mllm.sketch_edit) from its edge map and the MLLM's drawing of
   * this plan (workers/engine/sketch-editor.ts) */
  sketchEdited?: true;
}

/** A style edit's drawing: restyled (`fromPlan` names the scales drawn wholly or partly from the plan alone), or
 * kept at the user's asking (`kept`, `fromPlan` empty: every scale traced over the given image, as any edit is). */
export interface Restyled {
  fromPlan: string[];
  kept?: true;
}

/** The scales a restyle draws wholly or partly from the plan alone: those generated (up to the finest wanted, in image
 * order) whose weight is not 1. */
export function restyledScales(order: readonly string[], wanted: readonly string[], weights: readonly number[]): string[] {
  const last = Math.max(...wanted.map((s) => order.indexOf(s)));
  return order.filter((_, i) => i <= last && weights[i] !== 1);
}

/** The plan info of an edit as drawn: restyled by `planMix` (the scales it draws from the plan), or kept (`keptStyle`:
 * the instruction names a style the user asked to draw through the image anyway), or neither (as it was). Both at once
 * is a contradiction the caller never asks for. */
export function markRestyle(info: PlanInfo, order: readonly string[], wanted: readonly string[], planMix?: readonly number[], keptStyle?: boolean): PlanInfo {
  if (planMix && keptStyle) throw new Error('an edit is either restyled (planMix) or kept (keptStyle), not both');
  if (planMix) return { ...info, restyled: { fromPlan: restyledScales(order, wanted, planMix) } };
  if (keptStyle) return { ...info, restyled: { fromPlan: [], kept: true } };
  return info;
}

/** The plan's text split into its fields; a field the model did not write is ''. Text past the
 * last separator stays in the last field (it is what the model wrote, shown as such). */
export function parsePlan(spec: PlanSpec, text: string): PlanFields {
  const sep = spec.separator.trim();
  const parts = normalizeText(text).split(sep).map((s) => s.trim());
  const out: PlanFields = {};
  spec.fields.forEach((f, i) => {
    out[f] = i < spec.fields.length - 1 ? (parts[i] ?? '') : parts.slice(i).join(` ${sep} `).trim();
  });
  return out;
}

/** The plan text for these fields (what the engine feeds teacher-forced). */
export function composePlan(spec: PlanSpec, fields: PlanFields): string {
  return normalizeText(spec.fields.map((f) => (fields[f] ?? '').trim()).join(spec.separator));
}

/** The plans a picking task chooses among (manifest mllm.pick), each with the index of the retrieved name it is of:
 * each name with the greedy plan's other fields; where the pick keeps to the page's styles (pick.page_styles) and the
 * greedy style is none of plan.styles' words (a design the model drew only in training: MLLMConfig.draw_vendors),
 * each name with each of those styles instead, concept and style picked together (training/caption_rerank.py
 * plan_fix, its `styles`). */
export function pickPlans(spec: PlanSpec, greedy: PlanFields, names: readonly string[], pageStyles: boolean): { text: string; name: number }[] {
  const words = Object.values(spec.styles);
  const styles = pageStyles && !words.includes(greedy.style ?? '') ? words : [greedy.style ?? ''];
  return names.flatMap((n, name) => styles.map((style) => ({ text: composePlan(spec, { ...greedy, [spec.fields[0]]: n, style }), name })));
}

/** A pick's ranked plans as the page's alternatives: one a concept (its best plan's text), with the share of all its
 * plans (a concept picked among page styles has one plan a style; otherwise one in all), best first. */
export function conceptChoices(spec: PlanSpec, ranked: readonly { text: string; p: number }[]): PlanCandidate[] {
  const field = spec.fields[0];
  const by = new Map<string, PlanCandidate>();
  for (const { text, p } of ranked) {
    const concept = parsePlan(spec, text)[field];
    const c = by.get(concept);
    if (c) c.p += p;
    else by.set(concept, { concept, text, p });
  }
  return [...by.values()];
}

/** The fields of `base` with some replaced (a picked concept, style or tone). */
export function overridePlan(spec: PlanSpec, base: PlanFields, changes: Partial<PlanFields>): string {
  return composePlan(spec, { ...base, ...(Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as PlanFields) });
}

/** The style word for a vendor (google -> noto) and back; the page's label for a style word. */
export function styleLabel(spec: PlanSpec, style: string): string {
  // style_labels may name the vendor ("Google") or the whole label ("Google style")
  const label = spec.style_labels?.[style];
  if (label) return /style/i.test(label) ? label : `${label} style`;
  const vendor = Object.entries(spec.styles).find(([, w]) => w === style)?.[0];
  return vendor ? `${vendor[0].toUpperCase()}${vendor.slice(1)} style` : style ? `${style} style` : 'unknown style';
}

/** The page's words for a tone field ("none" is the default yellow; several joined with tone_join). */
export function toneLabel(spec: PlanSpec, tone: string): string {
  if (!tone) return 'unknown tone';
  if (tone === spec.tones[0]) return 'default tone';
  return `${tone} tone`;
}

/** "hot beverage · Google style · default tone" */
export function describePlan(spec: PlanSpec, fields: PlanFields): string {
  return spec.fields
    .map((f) => (f === 'style' ? styleLabel(spec, fields[f] ?? '') : f === 'tone' ? toneLabel(spec, fields[f] ?? '') : fields[f] || '?'))
    .join(' · ');
}

/** A plan's fields in the training's canonical phrasing (spec.canonical_prompt; training/mllm_tasks.py
 * canonical_prompt is the same rule): the concept's piece, the style's where the plan names a style, the tone's
 * where it names a tone other than the default. "hot beverage emoji in noto style". */
export function canonicalPrompt(spec: PlanSpec, fields: PlanFields): string {
  const c = spec.canonical_prompt;
  if (!c) throw new Error('this manifest has no plan.canonical_prompt');
  let p = c.concept.replace('{concept}', fields[spec.fields[0]] ?? '');
  if (fields.style) p += c.style.replace('{style}', fields.style);
  if (fields.tone && fields.tone !== spec.tones[0]) p += c.tone.replace('{tone}', fields.tone);
  return p;
}

/** Whether an instruction names a style: one of `words` (manifest mllm.restyle.words) as whole words of the
 * normalised instruction, not inside a longer word ("notorious" is not "noto"). training/restyle.py names_style is
 * the same rule. */
export function namesStyle(instruction: string, words: readonly string[]): boolean {
  const text = normalizeText(instruction);
  const escape = (w: string) => normalizeText(w).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return words.some((w) => new RegExp(`(?<![\\p{L}\\p{N}_])${escape(w)}(?![\\p{L}\\p{N}_])`, 'u').test(text));
}

/** How an edit is drawn, from the manifest's restyle rule and the request's `restyle` (ConditionalRequest): an
 * instruction that names a style is drawn from its plan by the rule's weights (`planMix`), unless the user asked to
 * keep their design (`restyle` false), which draws it through its source as any edit and marks it kept. Only where
 * the restyle would draw some wanted scale from the plan is there anything to keep; any other edit is drawn as ever. */
export function restyleChoice(
  instruction: string,
  rule: RestyleSpec | null | undefined,
  o: { order: readonly string[]; wanted: readonly string[]; restyle?: boolean },
): { planMix?: number[]; keptStyle?: true } {
  if (!rule || !namesStyle(instruction, rule.words)) return {};
  if (o.restyle !== false) return { planMix: rule.weights };
  return restyledScales(o.order, o.wanted, rule.weights).length ? { keptStyle: true } : {};
}
