// The tone editor's rule (manifest mllm.tone_edit; training/tone_editor.py names_tone, plan_tone, routed, tone_onehot;
// eval_mllm's tone_editor_variants measures it): which edits the local tone editor draws instead of the MLLM's image
// tokens, and the tone code it is fed. Pure functions, no model calls: the engine decides with them
// (workers/engine/tone-editor.ts), the generator asks once the plan is written (generate.ts ImageRequest.toneEdit).
//
// An edit is the editor's when its instruction asks for a skin tone (one of the rule's words as whole words, the same
// rule as restyle's namesStyle) and names no style (restyle's words: a style edit is restyle's, whatever it says of
// tone), and the plan the MLLM wrote (or was given) names a tone the editor knows: one person's, or under route "all"
// also two people's ("medium and dark"). Anything else is the MLLM's, as without the rule.
import type { MllmSpec, PlanSpec, ToneEditSpec } from '../lib/manifest';
import { namesStyle } from './plan';

/** Whether an instruction asks for a skin tone: one of the rule's words as whole words of the normalised instruction
 * (training/tone_editor.py names_tone, which is restyle's names_style over the tone words). */
export function namesTone(instruction: string, rule: Pick<ToneEditSpec, 'words'>): boolean {
  return namesStyle(instruction, rule.words);
}

/** The tone rule an edit's instruction falls under: the manifest's mllm.tone_edit where the instruction asks for a
 * tone and names no style (mllm.restyle's words, where the model restyles); null otherwise, and always without the
 * rule. Only the edit task asks (the caller's to say): colorize, inpaint and sketch are never the editor's. */
export function toneEditAsked(instruction: string, mllm: Pick<MllmSpec, 'tone_edit' | 'restyle'> | null | undefined): ToneEditSpec | null {
  const rule = mllm?.tone_edit;
  if (!rule || !namesTone(instruction, rule)) return null;
  if (mllm.restyle && namesStyle(instruction, mllm.restyle.words)) return null;
  return rule;
}

/** Each person's tone in a plan's text, as the data writes them (training/tone_editor.py plan_tone): the tone field
 * split at the plan's tone_join ("medium and dark": two people); null where the plan writes no tone the rule knows
 * (one that is not among `tones`, or more than two people's). The field is read as Python's parse_plan reads it: the
 * text's tone part between separators, whatever follows it ignored, as written (the plan info's text is normalised). */
export function planTones(rule: Pick<ToneEditSpec, 'tones'>, spec: Pick<PlanSpec, 'separator' | 'fields' | 'tone_join'>, planText: string): string[] | null {
  const at = spec.fields.indexOf('tone');
  if (at < 0) return null;
  const field = (planText.split(spec.separator.trim())[at] ?? '').trim();
  // Python replaces " and " with "," and splits at ","; a tone written with a comma is split the same way
  const people = field.split(spec.tone_join).join(',').split(',');
  return people.length <= 2 && people.every((t) => rule.tones.includes(t)) ? people : null;
}

/** The editor's tone code, 2 x tones floats: person 1's tone one-hot over `tones` in the first half, person 2's in the
 * second; one person's tone twice (training/tone_editor.py tone_onehot). */
export function toneCode(rule: Pick<ToneEditSpec, 'tones'>, people: readonly string[]): Float32Array {
  if (people.length < 1 || people.length > 2) throw new Error(`a tone code is one or two people's tones, got ${people.length}`);
  const n = rule.tones.length;
  const code = new Float32Array(2 * n);
  const [a, b] = people.length === 1 ? [people[0], people[0]] : people;
  for (const [half, t] of [[0, a], [1, b]] as const) {
    const i = rule.tones.indexOf(t);
    if (i < 0) throw new Error(`"${t}" is not one of the tone editor's tones (${rule.tones.join(', ')})`);
    code[half * n + i] = 1;
  }
  return code;
}

/** The code the editor draws a plan with, or null where the plan is the MLLM's to draw: its tone is none the rule
 * knows, or two people's under route "one" (training/tone_editor.py routed). */
export function planToneCode(rule: ToneEditSpec, spec: Pick<PlanSpec, 'separator' | 'fields' | 'tone_join'>, planText: string): Float32Array | null {
  const people = planTones(rule, spec, planText);
  if (!people || (rule.route === 'one' && people.length > 1)) return null;
  return toneCode(rule, people);
}
