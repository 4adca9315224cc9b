// What the MLLM can be asked, from the manifest's mllm block: suggested instructions and
// questions (the wordings it was trained on), the default wording of each conditional task, and
// how long a typed instruction or question may be.
import { modelText, tokenBudgets, type Manifest } from '../lib/manifest';
import type { MllmGenerator } from '../mllm/generate';
import { TaskInputError } from './errors';
import type { TaskInfo } from './protocol';

/** 'noto' -> 'Noto': the manifest's style words are the labels, capitalised (no second table) */
const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const UNAVAILABLE: TaskInfo = { available: false, instructions: [], questions: [], taskPrompts: { colorize: '', inpaint: '', sketch: '', caption: '' }, maxInstructionTokens: 0, maxQuestionTokens: 0 };

/** `why`: why the MLLM is missing, when it is (still loading, or failed to load); the default says it is not loaded. */
export function taskInfo(m: Manifest, mllm: MllmGenerator | null, why = 'the MLLM is not loaded'): TaskInfo {
  const spec = m.mllm;
  if (!mllm || !spec) return { ...UNAVAILABLE, reason: why };
  const p = spec.prompts;
  const instructions: TaskInfo['instructions'] = [
    ...p.skin_tones.map((t) => ({ label: `${t} skin`, text: p.edit_tone.replace('{tone}', t), kind: 'tone' as const })),
    { label: 'no skin tone', text: p.edit_tone_none, kind: 'tone' as const },
    ...Object.values(p.styles).map((s) => ({ label: `${capitalised(s)} style`, text: p.edit_style.replace('{style}', s), kind: 'style' as const })),
  ];
  const questions = [
    { label: 'Caption', text: p.caption },
    { label: 'Category', text: p.category },
    { label: 'Skin tone', text: p.skin_tone },
    { label: 'Style', text: p.style },
  ];
  const budget = tokenBudgets(spec);
  return {
    available: true,
    instructions,
    questions,
    taskPrompts: { colorize: p.colorize, inpaint: p.inpaint, sketch: p.sketch, caption: p.caption },
    maxInstructionTokens: budget.instruction,
    maxQuestionTokens: budget.question,
  };
}

/** A clear message when the text cannot fit beside the image in the MLLM's context. */
export function checkFits(text: string, mllm: MllmGenerator, limit: number, what: string) {
  const n = mllm.tok.encode(modelText(text)).length;
  if (n > limit) throw new TaskInputError(`The ${what} is too long for the model (${n} tokens; at most ${limit} fit beside the image). Shorten it.`);
}
