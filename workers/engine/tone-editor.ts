// The tone editor's rule on the page (manifest mllm.tone_edit names the editor, role "tone_editor";
// training/tone_editor.py): a tone change is the same local change in every design, which the MLLM learned per design
// (it misses tone edits of designs it never drew); the editor (local-editor.ts), seeing a few neighbouring tokens at
// a time, cannot learn it per design. Which edits it draws is workers/mllm/tone-edit.ts's rule, asked by the
// generator once the plan is written.
import type { Manifest, ToneEditSpec } from '../lib/manifest';
import type { ImageRequest, Pyramid } from '../mllm/generate';
import { planToneCode, toneEditAsked } from '../mllm/tone-edit';
import type { LocalEditor } from './local-editor';

/** An edit's tone drawing for the generator (ImageRequest.toneEdit): where the instruction falls under the manifest's
 * tone rule (toneEditAsked: it asks for a tone and names no style), a function of the written plan that gives the
 * editor's pyramid of `source`'s f0 at the plan's tone, or null where the plan is the MLLM's to draw (planToneCode);
 * undefined where the instruction is not the rule's (or there is none). `run` wraps each editor call (the engine's
 * guard against a lost GPU device). An editor the manifest names but the engine lacks is an error, never the MLLM's
 * drawing in its place: the MLLM's load fails without it (mllm-load.ts). */
export function toneEditFor(
  m: Pick<Manifest, 'mllm' | 'scales'>,
  editor: LocalEditor | null | undefined,
  instruction: string,
  source: Pyramid,
  run: <T>(p: Promise<T>) => Promise<T> = (p) => p,
): ImageRequest['toneEdit'] {
  const rule: ToneEditSpec | null = toneEditAsked(instruction, m.mllm);
  if (!rule) return undefined;
  if (!editor) throw new Error(`this model's tone edits are drawn by the tone editor "${rule.model}", which was not loaded`);
  const f0 = source[m.scales[0].name];
  if (!f0) throw new Error(`the tone editor reads the given image's ${m.scales[0].name}, which its pyramid lacks`);
  const plan = m.mllm!.plan!;
  return (planText: string) => {
    const code = planToneCode(rule, plan, planText);
    return code ? run(editor.pyramid(f0, code)) : null;
  };
}
