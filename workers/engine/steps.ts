// The shared steps every task is built from:
//   prepareInput -> encodeImage -> generateImageFeatures (the MLLM) -> ScaleDecoder -> recommendScale
// A task (workers/engine/tasks/*) is a short composition of these; none of them knows which
// task calls it.
import { gallerySpace, pickGallery, pickViews, type Manifest } from '../lib/manifest';
import { frameInk } from '../lib/framing';
import { redraw } from '../lib/redraw';
import type { SourceKind } from '../lib/sources';
import { fromNCHW, prepareImage, toNCHW, type RGBAImage } from '../lib/image';
import { psnr } from '../lib/metrics';
import { MllmError, type ImageRequest, type MllmGenerator, type PickKey, type PlanSampling, type Pyramid } from '../mllm/generate';
import { recommendScale as pickScale, scoreAtLevels } from '../mllm/scale_choice';
import { TaskInputError } from './errors';
import type { EncodedPyramids, PyramidCodec } from './pyramid-codec';
import type { RunSink } from './protocol';
import type { ReaderEncoder } from './reader';
import type { KeyEncoder } from './pick-key';
import type { LocalEditor } from './local-editor';

/** What a task gets from the engine for one run. */
export interface RunContext {
  readonly manifest: Manifest;
  readonly codec: PyramidCodec;
  /** null when this build has no MLLM (or it failed to load) */
  readonly mllm: MllmGenerator | null;
  /** a model with a reader (manifest mllm.reader): the reader encoder, loaded with the MLLM (absent/null: none) */
  readonly reader?: ReaderEncoder | null;
  /** a pick whose gallery is in key space (manifest models[gallery.key]): the key model, loaded with the MLLM (absent/null: none) */
  readonly pickKey?: KeyEncoder | null;
  /** the local editors the MLLM's rules name (manifest mllm.tone_edit, mllm.sketch_edit), loaded with it, by models key (absent: none) */
  readonly editors?: Readonly<Record<string, LocalEditor>>;
  /** A point where the run may stop: lets a pending cancel arrive, then throws RunCancelled
   * when the run was cancelled or superseded, or WebGpuFailure when the GPU device was lost. */
  checkpoint(): Promise<void>;
  /** Races one model call against GPU device loss (a call on a lost device may never settle). */
  guard<T>(p: Promise<T>): Promise<T>;
  /** The features text-to-image generated last, which "variations" decodes again. */
  lastGeneration: { prompt: string; generated: Pyramid } | null;
}

export interface SamplerChoice {
  steps: number;
  guidance: number;
  seed: number;
}

export function requireMllm(ctx: RunContext, what: string): MllmGenerator {
  if (!ctx.mllm) throw new TaskInputError(`${what} needs the MLLM, which is not loaded.`);
  return ctx.mllm;
}

export function checkImage(img: RGBAImage | undefined, what: string) {
  if (!img || !img.width || !img.height || !img.data) throw new TaskInputError(`${what}: no image given`);
  if (img.data.length !== img.width * img.height * 4) throw new TaskInputError(`${what}: ${img.width}x${img.height} image has ${img.data.length} bytes, want ${img.width * img.height * 4}`);
}

/** Scales asked for, checked against the manifest, in the order given (coarse to fine). */
export function checkScales(m: Manifest, scales: string[] | undefined): string[] {
  if (!scales?.length) throw new TaskInputError('choose at least one scale');
  const names = m.scales.map((s) => s.name);
  for (const s of scales) if (!names.includes(s)) throw new TaskInputError(`unknown scale "${s}"`);
  return scales;
}

/** Any image -> the model's size, composited on white; announced as the model's input. */
export function prepareInput(ctx: RunContext, image: RGBAImage, onEvent: RunSink): { prepared: RGBAImage; nchw: Float32Array } {
  checkImage(image, 'image');
  const prepared = prepareImage(image, ctx.manifest.image.size);
  onEvent({ type: 'input', image: prepared });
  return { prepared, nchw: toNCHW(prepared) };
}

/** The encoder's five-scale pyramid of one NCHW image (and the blank image's, CFG's uncond). */
export async function encodeImage(ctx: RunContext, nchw: Float32Array, onEvent: RunSink): Promise<EncodedPyramids> {
  const t0 = performance.now();
  const enc = await ctx.guard(ctx.codec.encode(nchw));
  onEvent({ type: 'encoded', ms: performance.now() - t0 });
  return enc;
}

/** A given image of an MLLM task (the image a question is about, a conditional task's source): the
 * encoder's pyramids and, for a model with a reader, the reader's pyramid of the same image, which only
 * the MLLM reads (what is drawn and scored stays the encoder's); for a task that picks, what the pick asks
 * its gallery with (pickKeyOf). */
export async function encodeGivenImage(ctx: RunContext, nchw: Float32Array, onEvent: RunSink, pick = false): Promise<EncodedPyramids & { reader?: Pyramid; pickKey?: PickKey }> {
  const enc = await encodeImage(ctx, nchw, onEvent);
  const reader = ctx.reader ? await ctx.guard(ctx.reader.pyramid(nchw)) : undefined;
  return { ...enc, reader, pickKey: pick ? await pickKeyOf(ctx, nchw) : undefined };
}

/** What a pick asks its gallery with, of the given image framed as the gallery's drawings are where the pick frames
 * (manifest mllm.pick.frame): in key space the key model's embedding; in reader space the reader's pyramid, where it
 * frames (otherwise the generator asks with the reader's pyramid of the image as given, which it has). Undefined
 * where the engine has no such model: the generator then refuses the pick, saying what it lacks. */
async function pickKeyOf(ctx: RunContext, nchw: Float32Array): Promise<PickKey | undefined> {
  const g = pickGallery(ctx.manifest);
  const frame = ctx.manifest.mllm?.pick?.frame;
  if (!g) return undefined;
  const seen = () => (frame ? frameInk(nchw, ctx.manifest.image.size, frame) : nchw);
  if (gallerySpace(g[1]) === 'key') return ctx.pickKey ? { space: 'key', embedding: await ctx.guard(ctx.pickKey.embed(seen())) } : undefined;
  return ctx.reader && frame ? { space: 'reader', pyramid: await ctx.guard(ctx.reader.pyramid(seen())) } : undefined;
}

/** The re-drawings a pick reads beside the given image (manifest mllm.pick.views for the page's `task`; none: []):
 * each the image re-drawn by its theta, read by the encoder and the reader as the image itself is. */
export async function encodeViews(ctx: RunContext, nchw: Float32Array, task: string): Promise<{ source: Pyramid; reader?: Pyramid }[]> {
  const out: { source: Pyramid; reader?: Pyramid }[] = [];
  for (const theta of pickViews(ctx.manifest, task)) {
    await ctx.checkpoint();
    const x = redraw(nchw, ctx.manifest.image.size, theta);
    const source = (await ctx.guard(ctx.codec.encode(x))).cond;
    out.push({ source, reader: ctx.reader ? await ctx.guard(ctx.reader.pyramid(x)) : undefined });
  }
  return out;
}

/** The blank image's pyramid: the decoders' unconditional branch. */
export async function blankPyramid(ctx: RunContext): Promise<Pyramid> {
  return ctx.guard(ctx.codec.uncond());
}

/**
 * Decodes scales as they become available, one at a time, each announced step by step and as an
 * image the moment it is drawn. Scales are queued (`add`) by whoever produces features (the
 * encoder, the MLLM, a remembered generation) and drawn by `drain`, which the MLLM step calls
 * between two tokens so a scale shows as soon as it exists.
 */
export class ScaleDecoder {
  private readonly queue: string[] = [];
  private readonly features: Pyramid = {};
  /** decoded images (NCHW, after `finish`), by scale */
  readonly decoded: Record<string, Float32Array> = {};

  constructor(
    private readonly ctx: RunContext,
    private readonly opts: {
      uncond: Pyramid;
      sampler: SamplerChoice;
      /** the scales to draw; features of other scales are kept (the MLLM needs them) but not drawn */
      wanted: string[];
      /** reported with each image as PSNR against it */
      compareWith?: RGBAImage;
      /** applied to each decoded image before it is shown (e.g. paste the unmasked pixels back) */
      finish?: (nchw: Float32Array) => Float32Array;
    },
    private readonly onEvent: RunSink,
  ) {}

  /** Features of one scale exist: remember them, and queue the scale when it is wanted. */
  add(scale: string, features: Float32Array) {
    this.features[scale] = features;
    if (this.opts.wanted.includes(scale)) this.queue.push(scale);
  }

  /** Draws every queued scale. */
  async drain() {
    while (this.queue.length) {
      await this.ctx.checkpoint();
      await this.decodeOne(this.queue.shift()!);
    }
  }

  private async decodeOne(scale: string) {
    const { ctx, opts, onEvent } = this;
    const size = ctx.manifest.image.size;
    const t0 = performance.now();
    const stepMs: number[] = [];
    const raw = await ctx.guard(
      ctx.codec.decode(scale, { cond: this.features, uncond: opts.uncond }, opts.sampler, {
        checkCancel: () => ctx.checkpoint(),
        onStep: (step, steps, ms) => {
          stepMs.push(ms);
          onEvent({ type: 'step', scale, step, steps });
        },
      }),
    );
    const shown = opts.finish ? opts.finish(raw) : raw;
    this.decoded[scale] = shown;
    const image = fromNCHW(shown, size, size);
    onEvent({ type: 'image', scale, image, ms: performance.now() - t0, psnr: opts.compareWith ? psnr(image, opts.compareWith) : undefined, stepMs });
  }
}

/** Every wanted scale of an existing pyramid, coarse to fine. */
export async function decodeAll(decoder: ScaleDecoder, pyramid: Pyramid, scales: string[]) {
  for (const s of scales) if (pyramid[s]) decoder.add(s, pyramid[s]);
  await decoder.drain();
}

export interface FeatureRequest {
  /** 't2i': text only; 'edit': a source image's pyramid plus an instruction */
  kind: 't2i' | 'edit';
  text: string;
  source?: Pyramid;
  /** a model with a reader: the reader's pyramid of `source` (encodeGivenImage) */
  reader?: Pyramid;
  /** generation stops after the finest of these */
  scales: string[];
  /** a model with a plan: the plan to draw (the user's pick), fed instead of generated */
  plan?: string;
  /** a model with a plan and no `plan`: sample it (variations) instead of greedy */
  planSampling?: PlanSampling;
  /** a model that picks (manifest mllm.pick) and a task that does: the plan's concept is picked (generate.ts) */
  pick?: boolean;
  /** the page's conditional task the image is drawn for: a pick scores with that task's temperature */
  task?: SourceKind;
  /** what the pick asks its gallery with (encodeGivenImage) */
  pickKey?: PickKey;
  /** an edit that names a style (manifest mllm.restyle): per-scale weights of the edit against its plan alone */
  planMix?: number[];
  /** an edit that names a style kept at the user's asking (ConditionalRequest.restyle false): drawn without planMix,
   * its plan info marked kept (ImageRequest.keptStyle) */
  keptStyle?: boolean;
  /** an edit under the manifest's tone rule: the tone editor's drawing for the written plan (tone-editor.ts toneEditFor) */
  toneEdit?: ImageRequest['toneEdit'];
}

/**
 * The MLLM writes an image's feature pyramid, coarse to fine (a token per call, or a scale per
 * call in scale order); each scale is handed to `decoder` the moment it is complete and drawn
 * between two MLLM calls, so f4 shows before f3 is written. A model with a plan announces it
 * ('plan' event) before the first image token.
 */
export async function generateImageFeatures(ctx: RunContext, req: FeatureRequest, decoder: ScaleDecoder, onEvent: RunSink): Promise<Pyramid> {
  const mllm = requireMllm(ctx, req.kind === 't2i' ? 'Text-to-image' : 'This task');
  const total = ctx.manifest.scales.reduce((a, s) => a + s.tokens, 0);
  const t0 = performance.now();
  let calls = 0;
  let generated: Pyramid;
  try {
    generated = await mllm.generateImage(req.kind, {
      text: req.text,
      source: req.source,
      reader: req.reader,
      scales: req.scales,
      plan: req.plan,
      planSampling: req.planSampling,
      pick: req.pick,
      task: req.task,
      pickKey: req.pickKey,
      planMix: req.planMix,
      keptStyle: req.keptStyle,
      toneEdit: req.toneEdit,
      onPlan: (plan) => onEvent({ type: 'plan', plan }),
      betweenCalls: async ({ tokensSoFar }) => {
        calls++;
        if (tokensSoFar > 0 && calls % 8 === 0) onEvent({ type: 'mllm', tokens: tokensSoFar, total, ms: performance.now() - t0 });
        await ctx.checkpoint();
        await decoder.drain();
      },
      onScale: (name, feats, info) => {
        decoder.add(name, feats);
        onEvent({ type: 'mllm', tokens: info.tokensSoFar, total, scale: name, ms: info.ms });
      },
    });
  } catch (e) {
    if (e instanceof MllmError) throw new TaskInputError(e.message);
    throw e;
  }
  await decoder.drain();
  return generated;
}

/** The automatic scale choice: the task's candidate scales among those drawn (manifest scale_choice; none of them
 * drawn, or the task not named: every drawn one) are encoded again and scored against the generated pyramid over the
 * rule's levels (else `defaultLevels`; only levels that were generated count), and the best is marked. One candidate
 * is marked without encoding anything. */
export async function recommendScale(ctx: RunContext, task: string, decoded: Record<string, Float32Array>, generated: Pyramid, defaultLevels: readonly string[], onEvent: RunSink) {
  const drawn = Object.keys(decoded);
  if (!drawn.length) return;
  const rule = ctx.manifest.scale_choice?.[task];
  const candidates = drawn.filter((s) => rule?.candidates.includes(s));
  const pool = candidates.length ? candidates : drawn;
  if (pool.length === 1) {
    onEvent({ type: 'recommend', scale: pool[0], scores: {} });
    return;
  }
  const wanted = (rule?.levels ?? defaultLevels).filter((l) => generated[l]);
  const levels = wanted.length ? wanted : defaultLevels.filter((l) => generated[l]);
  const scores: Record<string, number> = {};
  for (const scale of pool) {
    await ctx.checkpoint();
    const pyramid = (await ctx.guard(ctx.codec.encode(decoded[scale]))).cond;
    scores[scale] = scoreAtLevels(pyramid, generated, ctx.manifest.feature_dim, levels);
  }
  onEvent({ type: 'recommend', scale: pickScale(scores), scores });
}
