// Understand (caption, VQA): the image's five scales and a question -> a greedy answer, streamed; a caption where
// the manifest says so (mllm.pick) is the model's pick among the names of the emoji the image looks like.
import type { RGBAImage } from '../../lib/image';
import { picks } from '../../lib/manifest';
import { MllmError } from '../../mllm/generate';
import { normalizeText } from '../../mllm/tokenizer';
import { TaskInputError } from '../errors';
import { checkImage, encodeGivenImage, encodeViews, prepareInput, requireMllm } from '../steps';
import { checkFits, taskInfo } from '../task-info';
import { defineTask } from './task';

export interface UnderstandRequest {
  image: RGBAImage;
  /** absent or empty with caption: true -> the manifest's caption question */
  question?: string;
  caption?: boolean;
  maxTokens?: number;
}

export const understand = defineTask<UnderstandRequest>({
  async run(ctx, req, onEvent) {
    const mllm = requireMllm(ctx, 'Understanding');
    const info = taskInfo(ctx.manifest, mllm);
    checkImage(req.image, 'image');
    let question = (req.question ?? '').trim();
    if (req.caption && !question) question = info.taskPrompts.caption;
    if (!normalizeText(question)) throw new TaskInputError('Type a question first, or press Caption.');
    checkFits(question, mllm, info.maxQuestionTokens, 'question');
    const { prepared, nchw } = prepareInput(ctx, req.image, onEvent);
    onEvent({ type: 'source', image: prepared });
    // the caption's question (typed or given): the model's pick among the look-alikes' names, where it picks
    const pick = normalizeText(question) === normalizeText(info.taskPrompts.caption) && picks(ctx.manifest, 'caption');
    const enc = await encodeGivenImage(ctx, nchw, onEvent, pick);
    // a caption's choice that reads re-drawings of the image (manifest mllm.pick.views) reads them here
    const views = pick ? await encodeViews(ctx, nchw, 'caption') : undefined;
    let alternatives: { text: string; p: number }[] | undefined;
    try {
      await mllm.answer({
        source: enc.cond,
        reader: enc.reader,
        question,
        pick,
        pickKey: enc.pickKey,
        views,
        maxTokens: req.maxTokens,
        betweenCalls: () => ctx.checkpoint(),
        onPicked: (ranked) => (alternatives = ranked),
        // the answer's length in tokens (a drafted or picked answer comes several tokens a piece)
        onToken: (piece, text) => onEvent({ type: 'text', piece, text, tokens: mllm.tok.encode(` ${text}`).length, ...(alternatives ? { alternatives } : {}) }),
      });
    } catch (e) {
      if (e instanceof MllmError) throw new TaskInputError(e.message);
      throw e;
    }
  },
});
