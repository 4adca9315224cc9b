// The tone editor (manifest mllm.tone_edit names it, role "tone_editor"; training/tone_editor.py): a small network of
// 3x3 convolutions on the encoder's finest grid that redraws a drawing's skin tone, f0 and a tone code in, the edited
// f0 out. A tone change is the same local change in every design, which the MLLM learned per design (it misses tone
// edits of designs it never drew); the editor, seeing a few neighbouring tokens at a time, cannot learn it per design.
// Only edits need it, so it loads with the MLLM (mllm-load.ts) as the key model does, on the encoder's provider and
// options; which edits it draws is workers/mllm/tone-edit.ts's rule, asked by the generator once the plan is written.
import type { Manifest, ModelEntry, ToneEditSpec } from '../lib/manifest';
import { buildPyramid } from '../lib/pyramid';
import type { ImageRequest, Pyramid } from '../mllm/generate';
import { planToneCode, toneEditAsked } from '../mllm/tone-edit';
import type { InferenceSession, OrtLike } from './ort';

export class ToneEditor {
  constructor(
    private readonly ort: Pick<OrtLike, 'Tensor'>,
    private readonly manifest: Pick<Manifest, 'scales' | 'feature_dim'>,
    /** models key of the editor, for its messages */
    readonly name: string,
    private readonly entry: ModelEntry,
    readonly session: InferenceSession,
  ) {}

  /** One drawing's edited f0 ([tokens * C], the finest scale's) from its f0 and a tone code (tone-edit.ts toneCode). */
  async edit(f0: Float32Array, code: Float32Array): Promise<Float32Array> {
    const { tokens } = this.manifest.scales[0];
    const C = this.manifest.feature_dim;
    const [fIn, tIn] = this.entry.inputs!;
    const out = this.entry.outputs![0].name;
    if (f0.length !== tokens * C) throw new Error(`${this.name}: f0 has ${f0.length} values, want ${tokens}x${C}`);
    if (code.length !== tIn.shape[1]) throw new Error(`${this.name}: the tone code has ${code.length} values, the manifest says ${String(tIn.shape[1])}`);
    const res = await this.session.run({ [fIn.name]: new this.ort.Tensor('float32', f0, [1, tokens, C]), [tIn.name]: new this.ort.Tensor('float32', code, [1, code.length]) });
    if (!res[out]) throw new Error(`${this.name} gave no output "${out}"`);
    const edited = (await res[out].getData()) as Float32Array;
    if (edited.length !== tokens * C) throw new Error(`${this.name}'s output has ${edited.length} values, want ${tokens}x${C}`);
    return edited;
  }

  /** The edited drawing's whole pyramid: the edited f0 and its 2x2 means, as the encoder's own pyramid is built
   * (what eval_mllm scores the editor's drawing by: image_tokens of its f0). */
  async pyramid(f0: Float32Array, code: Float32Array): Promise<Pyramid> {
    return buildPyramid(await this.edit(f0, code), this.manifest.scales, this.manifest.feature_dim);
  }

  release() {
    this.session.release().catch(() => undefined);
  }
}

/** An edit's tone drawing for the generator (ImageRequest.toneEdit): where the instruction falls under the manifest's
 * tone rule (toneEditAsked: it asks for a tone and names no style), a function of the written plan that gives the
 * editor's pyramid of `source`'s f0 at the plan's tone, or null where the plan is the MLLM's to draw (planToneCode);
 * undefined where the instruction is not the rule's (or there is none). `run` wraps each editor call (the engine's
 * guard against a lost GPU device). An editor the manifest names but the engine lacks is an error, never the MLLM's
 * drawing in its place: the MLLM's load fails without it (mllm-load.ts). */
export function toneEditFor(
  m: Pick<Manifest, 'mllm' | 'scales'>,
  editor: ToneEditor | null | undefined,
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
