// Worker side of the conditional tasks and understanding (issue 5). Called by pipeline.worker.ts,
// which owns the sessions, the job queue (one job at a time, cancel) and WebGPU fallback.
//
// Conditional: prepared image -> source (grayscale / masked / Sobel edges / itself, recipes from
// manifest.mllm.sources) -> encoder -> all five scales into the MLLM with the instruction -> the
// MLLM writes f4..f0 of the target; each scale is decoded as soon as it is complete (between MLLM
// tokens), then the automatic scale choice (scoreCond) marks one.
import type { Engine } from '../lib/engine';
import type { Manifest } from '../lib/manifest';
import { fromNCHW, prepareImage, resizeArea, toNCHW, type RGBAImage } from '../lib/image';
import { psnr } from '../lib/metrics';
import { makeSource, parseSourceRecipes, pasteUnmasked, type SourceRecipes } from '../lib/sources';
import { MllmError, type MllmGenerator, type Pyramid } from '../mllm/generate';
import { normalizeText } from '../mllm/tokenizer';
import { recommendScale, scoreCond } from '../mllm/scale_choice';
import type { ConditionalRequest, TaskInfo, UnderstandRequest } from './tasks-protocol';
import type { EventSink } from './protocol';

export interface TaskContext {
  manifest: Manifest;
  engine: Engine;
  mllm: MllmGenerator | null;
  checkCancel: () => Promise<void>;
  /** races a model call against device loss */
  race: <T>(p: Promise<T>) => Promise<T>;
}

/** A bad request: the page shows the message as it is. */
export class TaskInputError extends Error {}

interface Prompts {
  caption: string;
  category: string;
  skin_tone: string;
  style: string;
  edit_tone: string;
  edit_tone_none: string;
  edit_style: string;
  colorize: string;
  inpaint: string;
  sketch: string;
  styles: Record<string, string>;
  skin_tones: string[];
}

function prompts(m: Manifest): Prompts {
  const p = (m as unknown as { mllm?: { prompts?: Prompts } }).mllm?.prompts;
  if (!p) throw new TaskInputError('the manifest has no mllm.prompts: this model cannot do conditional tasks');
  return p;
}

let recipes: SourceRecipes | null = null;
function getRecipes(m: Manifest): SourceRecipes {
  if (!recipes) recipes = parseSourceRecipes((m as unknown as { mllm?: { sources?: Record<string, string> } }).mllm?.sources);
  return recipes;
}

const STYLE_LABEL: Record<string, string> = { noto: 'Noto', twemoji: 'Twemoji' };

export function taskInfo(m: Manifest, mllm: MllmGenerator | null): TaskInfo {
  const spec = (m as unknown as { mllm?: { ctx: number; image_tokens: number; max_answer_tokens: number } } | null)?.mllm;
  const empty: TaskInfo = { available: false, instructions: [], questions: [], taskPrompts: { colorize: '', inpaint: '', sketch: '', caption: '' }, maxInstructionTokens: 0, maxQuestionTokens: 0 };
  if (!m || !mllm || !spec) return { ...empty, reason: m ? 'the MLLM is not loaded' : 'the models are not loaded yet' };
  let p: Prompts;
  try {
    p = prompts(m);
    getRecipes(m);
  } catch (e) {
    return { ...empty, reason: (e as Error).message };
  }
  const instructions: TaskInfo['instructions'] = [
    ...p.skin_tones.map((t) => ({ label: `${t} skin`, text: p.edit_tone.replace('{tone}', t), kind: 'tone' as const })),
    { label: 'no skin tone', text: p.edit_tone_none, kind: 'tone' as const },
    ...Object.values(p.styles).map((s) => ({ label: `${STYLE_LABEL[s] ?? s} style`, text: p.edit_style.replace('{style}', s), kind: 'style' as const })),
  ];
  const questions = [
    { label: 'Caption', text: p.caption },
    { label: 'Category', text: p.category },
    { label: 'Skin tone', text: p.skin_tone },
    { label: 'Style', text: p.style },
  ];
  // <s> [IMG] 341 [/IMG] text [IMG] 341  /  <s> [IMG] 341 [/IMG] text <ans> answer
  const fixedEdit = 2 + spec.image_tokens + 1 + 1 + spec.image_tokens;
  const fixedAns = 2 + spec.image_tokens + 1 + 1 + spec.max_answer_tokens;
  return {
    available: true,
    instructions,
    questions,
    taskPrompts: { colorize: p.colorize, inpaint: p.inpaint, sketch: p.sketch, caption: p.caption },
    maxInstructionTokens: spec.ctx - fixedEdit,
    maxQuestionTokens: spec.ctx - fixedAns,
  };
}

function checkImage(img: RGBAImage | undefined, what: string) {
  if (!img || !img.width || !img.height || !img.data) throw new TaskInputError(`${what}: no image given`);
  if (img.data.length !== img.width * img.height * 4) throw new TaskInputError(`${what}: ${img.width}x${img.height} image has ${img.data.length} bytes, want ${img.width * img.height * 4}`);
}

/** mask RGBA (any size) -> one value per model pixel, 1 = hole */
function maskAt(mask: RGBAImage, size: number): Float32Array {
  const small = resizeArea(mask, size);
  const out = new Float32Array(size * size);
  for (let i = 0; i < out.length; i++) out[i] = small.data[i * 4] > 127 && small.data[i * 4 + 3] > 127 ? 1 : 0;
  return out;
}

function tooLong(text: string, mllm: MllmGenerator, limit: number, what: string) {
  const n = mllm.tok.encode(' ' + normalizeText(text)).length;
  if (n > limit) throw new TaskInputError(`The ${what} is too long for the model (${n} tokens; at most ${limit} fit beside the image). Shorten it.`);
}

export async function runConditional(ctx: TaskContext, req: ConditionalRequest, onEvent: EventSink): Promise<'done' | 'cancelled'> {
  const { manifest: m, engine } = ctx;
  const mllm = ctx.mllm;
  if (!mllm) throw new TaskInputError('This task needs the MLLM, which is not loaded.');
  const info = taskInfo(m, mllm);
  if (!info.available) throw new TaskInputError(`Conditional tasks are unavailable: ${info.reason}`);
  const task = req.task;
  if (!['edit', 'colorize', 'inpaint', 'sketch'].includes(task)) throw new TaskInputError(`unknown task "${String(task)}" (known: edit, colorize, inpaint, sketch)`);
  checkImage(req.image, 'image');
  const names = m.scales.map((s) => s.name);
  if (!req.scales?.length) throw new TaskInputError('choose at least one scale');
  for (const s of req.scales) if (!names.includes(s)) throw new TaskInputError(`unknown scale "${s}"`);
  let instruction = (req.instruction ?? '').trim();
  if (task === 'edit') {
    if (!normalizeText(instruction)) throw new TaskInputError('Type an instruction first, or pick one of the suggestions.');
  } else if (!instruction) instruction = info.taskPrompts[task];
  tooLong(instruction, mllm, info.maxInstructionTokens, 'instruction');

  const t0 = performance.now();
  const size = m.image.size;
  const prepared = prepareImage(req.image, size);
  onEvent({ type: 'input', image: prepared });
  let mask: Float32Array | undefined;
  if (task === 'inpaint') {
    checkImage(req.mask, 'mask');
    mask = maskAt(req.mask!, size);
    const holes = mask.reduce((a, b) => a + b, 0);
    if (holes === 0) throw new TaskInputError('Paint the part to fill in first (the mask is empty).');
    if (holes === mask.length) throw new TaskInputError('The mask covers the whole image; leave some of it unmasked.');
  }
  const original = toNCHW(prepared);
  const src = makeSource(task, original, getRecipes(m), mask);
  const paste = task === 'inpaint' && mask && req.keepUnmasked !== false ? mask : null;
  onEvent({ type: 'source', task, image: fromNCHW(src, size, size) });
  const te = performance.now();
  const enc = await ctx.race(engine.encode(src));
  const blank = enc.uncond;
  onEvent({ type: 'encoded', ms: performance.now() - te });

  const total = m.scales.reduce((a, s) => a + s.tokens, 0);
  const generatedSoFar: Record<string, Float32Array> = {};
  const ready: string[] = [];
  const images: Record<string, Float32Array> = {};
  const decodeScale = async (scale: string) => {
    const ts = performance.now();
    const stepMs: number[] = [];
    const out = await ctx.race(
      engine.decode(scale, { cond: generatedSoFar, uncond: blank }, { steps: req.steps, guidance: req.guidance, seed: req.seed }, {
        checkCancel: ctx.checkCancel,
        onStep: (step, steps, ms) => {
          stepMs.push(ms);
          onEvent({ type: 'step', scale, step, steps });
        },
      }),
    );
    const shown = paste ? pasteUnmasked(out, original, paste) : out;
    images[scale] = shown;
    const image = fromNCHW(shown, size, size);
    onEvent({ type: 'image', scale, image, ms: performance.now() - ts, psnr: psnr(image, prepared), stepMs });
  };
  const drain = async () => {
    while (ready.length) await decodeScale(ready.shift()!);
  };
  let tokens = 0;
  let generated: Pyramid;
  try {
    generated = await mllm.generateImage('edit', {
      text: instruction,
      source: enc.cond,
      scales: req.scales,
      checkCancel: async () => {
        tokens++;
        if (tokens % 8 === 0) onEvent({ type: 'mllm', tokens, total, ms: performance.now() - t0 });
        await ctx.checkCancel();
        await drain();
      },
      onScale: (name, feats, i) => {
        generatedSoFar[name] = feats;
        if (req.scales.includes(name)) ready.push(name);
        onEvent({ type: 'mllm', tokens: i.tokensSoFar, total, scale: name, ms: i.ms });
      },
    });
  } catch (e) {
    if (e instanceof MllmError) throw new TaskInputError(e.message);
    throw e;
  }
  await drain();
  // automatic scale choice (issue 3): faithfulness of each decode's pyramid to the generated one,
  // over the scales that were generated
  const scored = m.scales.map((s) => s.name).filter((s) => generated[s]);
  const scores: Record<string, number> = {};
  for (const scale of req.scales) {
    await ctx.checkCancel();
    scores[scale] = scoreCond((await ctx.race(engine.encode(images[scale]))).cond, generated, m.feature_dim, scored);
  }
  onEvent({ type: 'recommend', scale: recommendScale(scores), scores });
  onEvent({ type: 'done', ms: performance.now() - t0 });
  return 'done';
}

export async function runUnderstand(ctx: TaskContext, req: UnderstandRequest, onEvent: EventSink): Promise<'done' | 'cancelled'> {
  const { manifest: m, engine } = ctx;
  const mllm = ctx.mllm;
  if (!mllm) throw new TaskInputError('Understanding needs the MLLM, which is not loaded.');
  const info = taskInfo(m, mllm);
  if (!info.available) throw new TaskInputError(`Understanding is unavailable: ${info.reason}`);
  checkImage(req.image, 'image');
  let question = (req.question ?? '').trim();
  if (req.caption && !question) question = info.taskPrompts.caption;
  if (!normalizeText(question)) throw new TaskInputError('Type a question first, or press Caption.');
  tooLong(question, mllm, info.maxQuestionTokens, 'question');
  const t0 = performance.now();
  const size = m.image.size;
  const prepared = prepareImage(req.image, size);
  onEvent({ type: 'input', image: prepared });
  onEvent({ type: 'source', task: 'understand', image: prepared });
  const te = performance.now();
  const enc = await ctx.race(engine.encode(toNCHW(prepared)));
  onEvent({ type: 'encoded', ms: performance.now() - te });
  let n = 0;
  try {
    await mllm.answer({
      source: enc.cond,
      question,
      maxTokens: req.maxTokens,
      checkCancel: ctx.checkCancel,
      onToken: (piece, text) => onEvent({ type: 'text', piece, text, tokens: ++n }),
    });
  } catch (e) {
    if (e instanceof MllmError) throw new TaskInputError(e.message);
    throw e;
  }
  onEvent({ type: 'done', ms: performance.now() - t0 });
  return 'done';
}
