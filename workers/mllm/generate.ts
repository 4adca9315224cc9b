// The MLLM's autoregressive loop. Pure inference code: no DOM, no fetch; the caller creates the
// sessions (with mllmSessionOptions from engine/ort.ts) and the Tokenizer from the manifest's files.
//
// Two kinds of model file, one loop (graph-runner.ts hides the difference):
//   pair:   mllm_prefill + mllm_step, token order only (what public/models shipped first);
//   single: one graph for prefill and step (manifest mllm.graph "single"), fed `block` ids, in
//           token order (one image token per call) or scale order (one whole scale per call).
// The KV cache stays in onnxruntime tensors between calls. Image features come out coarse to
// fine; each scale is handed to onScale as soon as its last token exists, and the loop stops
// after the finest scale the caller asked for. With a plan (manifest mllm.plan) the model first
// writes " concept | style | tone" after <ans> and ends it with [IMG]; a caller-supplied plan is
// fed instead (teacher-forced). Text answers are greedy and streamed token by token to onToken.
// With the spec's residual_edit, an edit's token is the source image's token at the same place
// plus the graph's "delta" output (the model predicts the change). A model with a reader (the spec's
// reader) reads a given image through a second encoder too: the request carries that encoder's pyramid
// of the source (`reader`), fed at the source's positions; every other position and call gets zeros.
// With the spec's pick and a gallery (gallery.ts), a request with `pick` has its caption, or its plan's
// concept, chosen among the names of the concepts the gallery retrieves for the given image (asked with the
// request's `pickKey` in the gallery's space: the reader's pyramid, or the key model's embedding) instead of
// written greedily: the model recognises the right name more often than it writes it. A name scores its
// log-likelihood, plus its retrieval cosine / T where the picking page task has a temperature T (spec.pick.temperature,
// one for every task or one per task: pickTemperature; a caption's is the caption task's, a plan's the request's
// `task`'s) (training/caption_rerank.py pick; eval_mllm --pick measures the same rule).
// With the manifest's tone rule (mllm.tone_edit), an edit the local tone editor draws (ImageRequest.toneEdit, decided
// once the plan is written) has its plan and candidates as any edit's and its scales from the editor's drawing of
// the given image: no image call is made.
import type { OrtLike } from '../engine/ort';
import { pickTemperature, pickViews, tokenBudgets, type MllmSpec, type PlanSpec } from '../lib/manifest';
import type { SourceKind } from '../lib/sources';
import { mulberry32 } from '../lib/rng';
import { GraphRunner, type CallOut, type KvCache, type MllmSessions } from './graph-runner';
import type { Gallery, Retrieved } from './gallery';
import { canonicalPrompt, conceptChoices, markRestyle, parsePlan, pickPlans, type PlanCandidate, type PlanInfo } from './plan';
import { PlanDrafter } from './plan-draft';
import { Tokenizer, normalizeText } from './tokenizer';
import { writeDrafted, type DraftedWriting } from './verified-draft';

export type { MllmSpec, MllmSessions, PlanInfo };

/** The sequence layouts the MLLM was trained on (training/mllm_tasks.py): text -> image,
 * image + instruction -> image, image + question -> text. */
export const SEQUENCES = ['t2i', 'edit', 'answer'] as const;
export type SequenceKind = (typeof SEQUENCES)[number];

export class MllmError extends Error {}

/** Pyramid of one image keyed by scale name, each [tokens * C] row-major (as buildPyramid gives). */
export type Pyramid = Record<string, Float32Array>;

/** What a pick asks its gallery with, in the gallery's space (gallery.ts): the reader's pyramid of the given image
 * (reader space: its tokens at the gallery's scale are the query), or the key model's embedding of it (key space:
 * the query as it is); each of the image framed where the pick frames (spec.pick.frame). */
export type PickKey = { space: 'reader'; pyramid: Pyramid } | { space: 'key'; embedding: Float32Array };

/** How a plan is chosen when the caller gives none: greedy, or sampled ("variations"). */
export interface PlanSampling {
  seed: number;
  /** sample among the k most likely tokens (default 5) */
  topK?: number;
  temperature?: number;
}

export interface ImageRequest {
  /** t2i: the prompt. edit/conditional: the instruction. */
  text: string;
  /** edit/conditional tasks: the source image's pyramid (all five scales are read). */
  source?: Pyramid;
  /** a model with a reader (spec.reader): the reader encoder's pyramid of the same source image */
  reader?: Pyramid;
  /** Scales wanted (names); generation stops after the finest of them. Default: all. */
  scales?: string[];
  /** A model with a plan: the plan to draw (fed teacher-forced), e.g. a picked candidate. */
  plan?: string;
  /** A model with a plan and no `plan` given: sample it (seeded) instead of greedy. */
  planSampling?: PlanSampling;
  /** a model with a pick (spec.pick): the plan's concept is the model's pick among the names the gallery retrieves
   * for the source (its style and tone the greedy plan's); not with `plan` or `planSampling` */
  pick?: boolean;
  /** the page task the image is drawn for (edit, colorize, inpaint, sketch): needed with `pick`, whose retrieval
   * term is that task's temperature (spec.pick.temperature may differ per task) */
  task?: SourceKind;
  /** what the pick asks the gallery with (PickKey): needed in key space, and in reader space where the pick frames
   * (a reader-space pick that does not frame asks with `reader`) */
  pickKey?: PickKey;
  /** an edit by a scale-order model with a plan (manifest mllm.restyle): one weight per scale (image order); each
   * scale is drawn as u + w (c - u), c from the edit's own sequence, u from its plan alone (text-to-image: <s>, the
   * plan's fields in plan.canonical_prompt's phrasing, <ans>, the plan, [IMG]); both are fed the blended tokens.
   * 1 keeps the edit's scale, 0 takes the plan's. eval_mllm's generate_images (contrast_reads_no_source) is the same. */
  planMix?: number[];
  /** an edit whose instruction names a style, drawn through its source at the user's asking (no `planMix`): the plan
   * info says so (PlanInfo.restyled.kept), so the page can offer the restyle back; the drawing is any edit's */
  keptStyle?: boolean;
  /** an edit whose instruction falls under the manifest's tone rule (workers/engine/tone-editor.ts toneEditFor): given
   * the plan as written, the tone editor's drawing (every scale, its f0's pyramid) or null where the plan is the
   * MLLM's to draw. A drawing replaces the MLLM's image calls: each wanted scale is handed to onScale from it, coarse
   * to fine, and the plan info says so (PlanInfo.toneEdited); the plan and its candidates are as for any edit. */
  toneEdit?: (plan: string) => Promise<Pyramid> | null;
  /** How many concept candidates to offer (default 4, a picked plan's: all it was picked among; 0: none). */
  planCandidates?: number;
  /** the plan, before any image token is generated (candidates: []), and again with its
   * candidates once the image tokens are written */
  onPlan?: (plan: PlanInfo) => void;
  onScale?: (name: string, tokens: Float32Array, info: { tokensSoFar: number; ms: number }) => void;
  /** awaited between two graph calls (after each generated token or scale): the caller may stop
   * the generation (throw) or do other work there, such as decoding a scale that is complete */
  betweenCalls?: (info: { tokensSoFar: number }) => Promise<void> | void;
}

/** How the plan is written: drafted ahead and verified (the default where the graph allows) or a call per token. */
export interface PlanDrafting {
  /** false: one call per plan token (what drafting is measured against) */
  enabled?: boolean;
  /** the trained concepts' names (words.json `concepts`), the drafts for the concept field */
  concepts?: Iterable<string>;
}

export interface AnswerRequest {
  source: Pyramid;
  /** a model with a reader (spec.reader): the reader encoder's pyramid of the same image */
  reader?: Pyramid;
  question: string;
  maxTokens?: number;
  /** a model with a pick (spec.pick): the answer is the model's pick among the names the gallery retrieves for
   * the image (a caption), streamed as one piece */
  pick?: boolean;
  /** what the pick asks the gallery with, as ImageRequest's */
  pickKey?: PickKey;
  /** a caption's pick that reads re-drawings (spec.pick.views): the pyramids of the image re-drawn by each of the
   * manifest's thetas, in their order (workers/lib/redraw.ts); each name's score is the mean of its log-likelihood
   * after the image as given and after each re-drawing */
  views?: { source: Pyramid; reader?: Pyramid }[];
  /** a picked answer: every name it was picked among, best first, with its share of the pick's scores (the
   * softmax of each name's log-likelihood, plus its cosine / the caption task's temperature where it has one; before onToken) */
  onPicked?: (ranked: { text: string; p: number }[]) => void;
  onToken?: (piece: string, textSoFar: string) => void;
  /** awaited between two graph calls; throws to stop the answer */
  betweenCalls?: () => Promise<void> | void;
}

interface Seq {
  ids: number[];
  slot: number[];
  feats: Float32Array; // [len * C]
  block: number[];
  /** [len * C] a model with a reader, when the sequence reads a given image: its reader features there, zeros elsewhere */
  reader?: Float32Array;
}

/** A given image as the MLLM reads it: its tokens in image order, and the reader's (a model with a reader). */
interface Given {
  feats: Float32Array;
  reader: Float32Array | null;
}

export class MllmGenerator {
  private readonly C: number;
  private readonly sp: { bos: number; eos: number; img: number; imgEnd: number; ans: number };
  private readonly order: 'token' | 'scale';
  private readonly runner: GraphRunner;
  readonly plan: PlanSpec | null;
  /** guesses of the plan's (and an answer's) next tokens, checked several per call (the single graph only: the pair gives one position's logits) */
  private readonly drafter: PlanDrafter | null;
  /** graph calls the last plan (and its candidates) took: what drafting saves is measured on it */
  planCalls = 0;

  /** The call lengths whose captured sessions can be made ahead of use (warmCapture; none when not captured). */
  captureLengths(): number[] {
    return this.runner.captureLengths();
  }

  /** Makes and runs once the captured session of one call length, so no generation pays for it
   * (the engine does this for each length after the MLLM's load, between runs). */
  warmCapture(length: number): Promise<void> {
    return this.runner.warmCapture(length);
  }

  /** Whether the graph runs captured (WebGPU graph capture), and why not where it was given and left. */
  get capture(): { active: boolean; failure: string | null } {
    return { active: this.runner.isCaptured, failure: this.runner.captureFailure };
  }

  constructor(
    ort: Pick<OrtLike, 'Tensor'>,
    readonly spec: MllmSpec,
    readonly tok: Tokenizer,
    sessions: MllmSessions,
    drafting: PlanDrafting = {},
    /** the pick's gallery (spec.pick); null: requests with `pick` are refused */
    private readonly gallery: Gallery | null = null,
  ) {
    this.C = spec.feature_dim;
    const s = spec.specials;
    this.sp = { bos: s['<s>'], eos: s['</s>'], img: s['[IMG]'], imgEnd: s['[/IMG]'], ans: s['<ans>'] };
    for (const [k, v] of Object.entries(this.sp)) if (!Number.isInteger(v)) throw new MllmError(`mllm spec lacks special token ${k}`);
    if (tok.vocabSize > spec.vocab_size) throw new MllmError(`tokenizer has ${tok.vocabSize} ids, model ${spec.vocab_size}`);
    if (spec.scale_tokens.reduce((a, b) => a + b, 0) !== spec.image_tokens) throw new MllmError('mllm spec: scale_tokens do not sum to image_tokens');
    this.order = spec.order ?? 'token';
    if (this.order !== 'token' && this.order !== 'scale') throw new MllmError(`unknown mllm order "${String(this.order)}"`);
    if (this.order === 'scale' && (!Array.isArray(spec.parent_index) || !Number.isInteger(spec.query_slot_offset))) throw new MllmError('scale order needs mllm.parent_index and mllm.query_slot_offset');
    this.runner = new GraphRunner(ort, spec, sessions);
    if (this.order === 'scale' && !this.runner.single) throw new MllmError('a scale-order model runs only as the single graph');
    this.plan = spec.plan ?? null;
    if (this.plan && (!Number.isInteger(s[this.plan.start]) || !Number.isInteger(s[this.plan.end]))) throw new MllmError('mllm.plan start/end are not special tokens');
    this.drafter = this.plan && this.runner.single && drafting.enabled !== false ? new PlanDrafter(this.plan, tok, drafting.concepts) : null;
  }

  /** Dispatch by sequence kind: an unknown one is an error. */
  async run(kind: string, req: ImageRequest | AnswerRequest): Promise<Pyramid | string> {
    if (kind === 't2i' || kind === 'edit') return this.generateImage(kind, req as ImageRequest);
    if (kind === 'answer') return this.answer(req as AnswerRequest);
    throw new MllmError(`unknown sequence kind "${String(kind)}" (known: ${SEQUENCES.join(', ')})`);
  }

  // ---- sequence building (training/mllm_tasks.py flatten builds the same) ----
  private textTokens(text: string, what: string): number[] {
    const norm = normalizeText(text ?? '');
    if (!norm) throw new MllmError(`empty ${what}`);
    return this.tok.encode(' ' + norm);
  }

  private imageTokens(p: Pyramid): Float32Array {
    const C = this.C;
    const out = new Float32Array(this.spec.image_tokens * C);
    let o = 0;
    this.spec.image_order.forEach((name, i) => {
      const f = p?.[name];
      const want = this.spec.scale_tokens[i] * C;
      if (!f) throw new MllmError(`source image lacks scale ${name}`);
      if (f.length !== want) throw new MllmError(`source image scale ${name} has ${f.length} values, want ${this.spec.scale_tokens[i]}x${C} (features of an image of the wrong size?)`);
      out.set(f, o);
      o += want;
    });
    return out;
  }

  /** A given image's tokens, and its reader tokens where the model has a reader (which then needs them). */
  private given(source: Pyramid, reader: Pyramid | undefined): Given {
    if (this.spec.reader && !reader) throw new MllmError("this model reads a given image through its reader too: the request lacks the reader's pyramid");
    if (!this.spec.reader && reader) throw new MllmError('this model has no reader, but a reader pyramid was given');
    return { feats: this.imageTokens(source), reader: reader ? this.imageTokens(reader) : null };
  }

  /** number[] = text/special ids (one attention block each); Given = one image read (all
   * scales, image order: a block per token in token order, per scale in scale order). */
  private build(parts: (number[] | Given)[]): Seq {
    const C = this.C;
    const seq: Seq = { ids: [], slot: [], feats: new Float32Array(0), block: [] };
    const chunks: { at: number; data: Given }[] = [];
    let nb = 0;
    for (const p of parts) {
      if (!Array.isArray(p)) {
        chunks.push({ at: seq.ids.length, data: p });
        let k = 0;
        this.spec.scale_tokens.forEach((n) => {
          for (let j = 0; j < n; j++, k++) {
            seq.ids.push(0);
            seq.slot.push(k + 1);
            seq.block.push(this.order === 'scale' ? nb : nb++);
          }
          if (this.order === 'scale') nb++;
        });
      } else {
        for (const id of p) {
          seq.ids.push(id);
          seq.slot.push(0);
          seq.block.push(nb++);
        }
      }
    }
    seq.feats = new Float32Array(seq.ids.length * C);
    for (const c of chunks) seq.feats.set(c.data.feats, c.at * C);
    if (chunks.some((c) => c.data.reader)) {
      seq.reader = new Float32Array(seq.ids.length * C);
      for (const c of chunks) if (c.data.reader) seq.reader.set(c.data.reader, c.at * C);
    }
    return seq;
  }

  /** A typed text's tokens, checked against its budget beside what the MLLM reads and writes
   * (manifest.ts tokenBudgets, the page's limit too). `extra`: tokens asked beyond the budget's
   * own (an answer longer than max_answer_tokens). */
  private typedTokens(text: string, what: 'prompt' | 'instruction' | 'question', extra = 0): number[] {
    const ids = this.textTokens(text, what);
    const budget = tokenBudgets(this.spec)[what] - extra;
    if (ids.length > budget) throw new MllmError(`${what} is too long: ${ids.length} tokens, at most ${budget} fit the context (${this.spec.ctx}) beside what the model reads and writes`);
    return ids;
  }

  /** Text tokens fed after the cache (each its own block). */
  private feedText(cache: KvCache, ids: number[], logitPositions?: number[]): Promise<CallOut> {
    const b = this.runner.nextBlock(cache);
    return this.runner.call(cache, { ids, slot: ids.map(() => 0), feats: new Float32Array(ids.length * this.C), block: ids.map((_, i) => b + i), logitPositions });
  }

  /** writeDrafted's graph side, with this drafter's guesses (none without one) */
  private drafted(o: Omit<DraftedWriting, 'feed' | 'truncate' | 'release'>): DraftedWriting {
    return {
      feed: (cache, ids, positions) => this.feedText(cache, ids, positions),
      truncate: (cache, keep) => this.runner.truncate(cache, keep),
      release: (cache) => this.runner.release(cache),
      ...o,
      draft: this.drafter ? o.draft : () => [],
    };
  }

  // ---- the pick ----
  /** The k concepts nearest the given image, best first, with their cosines: asked in the gallery's space with the
   * key model's embedding (key space) or the reader's pyramid at the gallery's scale (reader space), of the image
   * framed where the pick frames (spec.pick.frame). Refused, never asked with something else, where the request
   * lacks it. */
  private retrieved(req: { reader?: Pyramid; pickKey?: PickKey }): Retrieved[] {
    const pick = this.spec.pick;
    const g = this.gallery;
    if (!pick || !g) throw new MllmError('this model has no gallery to pick from');
    const image = pick.frame ? 'the framed image' : 'the given image';
    if (req.pickKey && req.pickKey.space !== g.space) throw new MllmError(`this model's gallery is in ${g.space} space, the pick was given a ${req.pickKey.space} key`);
    if (g.space === 'key') {
      if (req.pickKey?.space !== 'key') throw new MllmError(`a pick needs the key model's embedding of ${image}`);
      return g.retrieve(req.pickKey.embedding, pick.k);
    }
    const framed = req.pickKey?.space === 'reader' ? req.pickKey.pyramid : undefined;
    const key = (pick.frame ? framed : req.reader)?.[g.scale!];
    if (!key) throw new MllmError(`a pick needs the reader's pyramid of ${image}`);
    return g.retrieve(key, pick.k);
  }

  /** The temperature of the pick of the page's `task` (pickTemperature), resolved before any call: a pick whose
   * task is not given, or does not pick, is refused rather than scored with another task's temperature. */
  private pickTemperature(task: string | undefined): number | null {
    const pick = this.spec.pick;
    if (!task) throw new MllmError("a plan's pick needs the page task it draws for (edit, colorize, inpaint or sketch): each task's pick has its own temperature");
    if (!pick?.tasks.includes(task)) throw new MllmError(`the ${task} task does not pick (mllm.pick.tasks: ${pick?.tasks.join(', ') ?? 'none'})`);
    return pickTemperature(pick, task);
  }

  /** The pick's score of each retrieved name from its log-likelihood: plus its cosine / t where the picking task has
   * a temperature t (caption_rerank.pick: the retrieval's probability multiplied into the model's), else as it is. */
  private pickScores(loglik: number[], got: Retrieved[], t: number | null): number[] {
    return t == null ? loglik : loglik.map((ll, i) => ll + got[i].score / t);
  }

  /** A caption's re-drawings, checked against the spec's (refused before any call: a pick that reads them never
   * falls back to the image as given alone). */
  private pickViews(views: AnswerRequest['views']): NonNullable<AnswerRequest['views']> {
    const want = pickViews({ mllm: this.spec }, 'caption').length;
    if ((views?.length ?? 0) !== want) throw new MllmError(`a caption's pick reads ${want} re-drawings of the image (mllm.pick.views), got ${views?.length ?? 0}`);
    return views ?? [];
  }

  /** Each text's log-likelihood after `prefix`: its tokens (' ' + text, each its own block) then `end`,
   * log-softmax over the tokenizer's ids (caption_rerank.answer_loglik computes the same). One call a text,
   * each branched from the prefix's cache. */
  private async scoreTexts(prefix: CallOut, texts: string[], end: number, betweenCalls?: () => Promise<void> | void): Promise<number[]> {
    const V = this.tok.vocabSize;
    const first = logSoftmax(prefix.logits, V);
    const out: number[] = [];
    for (const text of texts) {
      const seq = [...this.textTokens(text, 'choice'), end];
      let ll = first[seq[0]];
      await betweenCalls?.();
      const r = await this.feedText(prefix.cache, seq.slice(0, -1), seq.slice(0, -1).map((_, i) => i));
      try {
        for (let t = 0; t + 1 < seq.length; t++) ll += logSoftmax(r.logitRows[t], V)[seq[t + 1]];
      } finally {
        this.runner.release(r.cache);
      }
      out.push(ll);
    }
    return out;
  }

  /** The text with the highest score (the first on a tie), and every text with its share of the scores' softmax
   * (what the page shows beside a pick: the same scores that chose it). */
  private static best(texts: string[], scores: number[]): { text: string; ranked: { text: string; p: number }[] } {
    const m = Math.max(...scores);
    const w = scores.map((x) => Math.exp(x - m));
    const sum = w.reduce((a, b) => a + b, 0);
    const ranked = texts.map((text, i) => ({ text, p: w[i] / sum, i })).sort((a, b) => b.p - a.p || a.i - b.i);
    return { text: texts[scores.indexOf(m)], ranked: ranked.map(({ text, p }) => ({ text, p })) };
  }

  // ---- the plan ----
  private specialIds(): Set<number> {
    return new Set(Object.values(this.spec.specials));
  }

  /** Greedy completion of one concept from a branch token: stops at the separator. */
  private async completeConcept(cache: KvCache, first: number, maxTokens: number, prompt: string): Promise<string> {
    const sep = this.plan!.separator.trim();
    const specials = this.specialIds();
    const w = await writeDrafted(cache, first, this.drafted({
      choose: argmax,
      take: (t, ids) => ids.length < maxTokens && (ids.length === 0 || !specials.has(t)),
      done: (ids) => this.tok.decode(ids).includes(sep),
      draft: (ids) => this.drafter!.concept(prompt, ids, maxTokens - ids.length),
    }));
    this.planCalls += w.calls;
    if (w.last) this.runner.release(w.last.cache);
    return normalizeText(this.tok.decode(w.ids).split(sep)[0]);
  }

  /**
   * After a prefix ending in the plan's start token: the plan (given, sampled or greedy). Returns
   * the last call made (the prefix itself when none was needed) and the tokens still to feed: the
   * plan's end token ([IMG]), after a given plan's own tokens. The caller feeds them in its first
   * image call (scale order: one call fewer than feeding them alone).
   */
  private async runPlan(prefix: CallOut, req: ImageRequest): Promise<{ last: CallOut; pending: number[]; info: PlanInfo; ids: number[] }> {
    const plan = this.plan!;
    const end = this.spec.specials[plan.end];
    const specials = this.specialIds();
    let ids: number[];
    let last = prefix;
    let pending: number[];
    let source: PlanInfo['source'];
    if (req.plan !== undefined) {
      ids = this.textTokens(req.plan, 'plan');
      if (ids.length > plan.max_tokens) throw new MllmError(`the plan is too long: ${ids.length} tokens > ${plan.max_tokens}`);
      source = 'given';
      pending = [...ids, end];
    } else {
      const sample = req.planSampling ? sampler(req.planSampling) : null;
      source = sample ? 'sampled' : 'greedy';
      const choose = sample ? (l: Float32Array) => sample(l, specials, end) : argmax;
      const w = await writeDrafted(prefix.cache, choose(prefix.logits), this.drafted({
        choose,
        // the plan ends with [IMG]; forced where the model never says it
        take: (t, written) => t !== end && !specials.has(t) && written.length < plan.max_tokens,
        draft: (written) => this.drafter!.plan(req.text, written, plan.max_tokens - written.length),
        keepFed: (t) => t === end,
        betweenCalls: () => req.betweenCalls?.({ tokensSoFar: 0 }),
      }));
      this.planCalls += w.calls;
      ids = w.ids;
      last = w.last ?? prefix;
      // a drafted [IMG] the model confirmed is in the cache already
      pending = w.nextFed ? [] : [end];
    }
    const text = normalizeText(this.tok.decode(ids));
    return { last, pending, info: { text, fields: parsePlan(plan, text), source, candidates: [] }, ids };
  }

  /** The model's top-k first plan tokens (from the prefix ending in <ans>), each completed
   * greedily to the end of the concept: the other things it might have drawn, as whole plans
   * with the current plan's other fields. */
  private async planCandidates(prefix: CallOut, info: PlanInfo, k: number, req: ImageRequest): Promise<PlanCandidate[]> {
    const plan = this.plan!;
    const probs = softmax(prefix.logits);
    const seen = new Set<string>();
    const out: PlanCandidate[] = [];
    // a concept leaves room for the other fields: a chip's plan must fit max_tokens
    const budget = Math.max(1, Math.floor(plan.max_tokens / 2));
    for (const t of topK(prefix.logits, k, this.specialIds())) {
      await req.betweenCalls?.({ tokensSoFar: 0 });
      const concept = await this.completeConcept(prefix.cache, t, budget, req.text);
      if (!concept || seen.has(concept)) continue;
      seen.add(concept);
      const f = { ...info.fields, [plan.fields[0]]: concept };
      out.push({ concept, text: normalizeText(plan.fields.map((n) => f[n] ?? '').join(plan.separator)), p: probs[t] });
    }
    return out;
  }

  /** Text-to-image ('t2i', req.text = prompt) or editing/conditional ('edit', req.source + instruction). */
  async generateImage(kind: 't2i' | 'edit', req: ImageRequest): Promise<Pyramid> {
    const { bos, img, imgEnd } = this.sp;
    const C = this.C;
    const order = this.spec.image_order;
    const wanted = req.scales && req.scales.length ? req.scales : order;
    for (const s of wanted) if (!order.includes(s)) throw new MllmError(`unknown scale "${s}" (known: ${order.join(', ')})`);
    const last = Math.max(...wanted.map((s) => order.indexOf(s)));
    const offsets: number[] = []; // first token of each scale
    this.spec.scale_tokens.reduce((a, n, i) => ((offsets[i] = a), a + n), 0);
    const nTokens = offsets[last] + this.spec.scale_tokens[last];
    if ((req.plan !== undefined || req.planSampling) && !this.plan) throw new MllmError('this model writes no plan');
    const mix = req.planMix;
    if (req.toneEdit && (kind !== 'edit' || !this.plan || mix)) throw new MllmError('toneEdit: an edit by a model with a plan, never restyled (planMix) too');
    if (mix) {
      if (kind !== 'edit' || !this.plan || this.order !== 'scale' || !this.plan.canonical_prompt) throw new MllmError('planMix: an edit by a scale-order model with a plan and its canonical phrasing');
      if (mix.length !== order.length || !mix.every((w) => Number.isFinite(w))) throw new MllmError(`planMix: ${order.length} numbers, one per scale`);
    }

    // the prefix ends where the model takes over: [IMG], or the plan's start token
    const opener = this.plan ? this.spec.specials[this.plan.start] : img;
    let parts: (number[] | Given)[];
    let residualSource: Float32Array | null = null; // [image_tokens * C], image order
    if (kind === 't2i') {
      if (req.source || req.reader) throw new MllmError('t2i takes no source image (use "edit")');
      parts = [[bos], this.typedTokens(req.text, 'prompt'), [opener]];
    } else if (kind === 'edit') {
      if (!req.source) throw new MllmError('edit needs a source image');
      const src = this.given(req.source, req.reader);
      if (this.spec.residual_edit) residualSource = src.feats; // drawn in the encoder's space, never the reader's
      parts = [[bos, img], src, [imgEnd], this.typedTokens(req.text, 'instruction'), [opener]];
    } else {
      throw new MllmError(`unknown sequence kind "${String(kind)}" (known: ${SEQUENCES.join(', ')})`);
    }
    const seq = this.build(parts);

    const tokens = new Float32Array(nTokens * C);
    const result: Pyramid = {};
    const t0 = performance.now();
    // `r`: the last call made (null: none yet, the cache is empty); `lead`: positions not yet fed,
    // which the first image call feeds before its own in scale order (block ids run on from the
    // cache's, so it attends exactly as two calls would)
    let r: CallOut | null = null;
    let lead: Seq = seq;
    // a model with a plan: the plan is announced before the first image token; the candidates
    // (more calls, branched from the prefix kept here) after the image, so they never delay it
    let prefix: CallOut | null = null;
    let planInfo: PlanInfo | null = null;
    let planIds: number[] = [];
    // the pick: the retrieved names (refused before any call), then their plans ranked by the model
    const picking = !!req.pick && this.plan !== null && req.plan === undefined && !req.planSampling;
    const got = picking ? this.retrieved(req) : null;
    const temperature = picking ? this.pickTemperature(req.task) : null;
    let ranked: { text: string; p: number }[] | null = null;
    /** the tone editor's drawing (req.toneEdit), which replaces the MLLM's image calls */
    let toneDrawing: Promise<Pyramid> | null = null;
    if (this.plan) {
      this.planCalls = 0;
      prefix = await this.runner.call(this.runner.empty(), seq);
      let planned = await this.runPlan(prefix, req);
      if (got) {
        // the greedy plan's style and tone with each name; the best is fed as a given plan would be (its own
        // tokens, as eval_mllm --pick feeds them), from the prefix
        const plan = this.plan;
        const end = this.spec.specials[plan.end];
        const plans = pickPlans(plan, planned.info.fields, got.map((r) => r.name), !!this.spec.pick?.page_styles);
        const texts = plans.map((x) => x.text);
        const loglik = await this.scoreTexts(prefix, texts, end, () => req.betweenCalls?.({ tokensSoFar: 0 }));
        const best = MllmGenerator.best(texts, this.pickScores(loglik, plans.map((x) => got[x.name]), temperature));
        this.planCalls += texts.length;
        if (planned.last !== prefix) this.runner.release(planned.last.cache);
        ranked = best.ranked;
        const ids = this.textTokens(best.text, 'plan');
        planned = { last: prefix, pending: [...ids, end], info: { text: best.text, fields: parsePlan(plan, best.text), source: 'picked', candidates: [] }, ids };
      }
      r = planned.last;
      const b = this.runner.nextBlock(r.cache);
      lead = { ids: planned.pending, slot: planned.pending.map(() => 0), feats: new Float32Array(planned.pending.length * C), block: planned.pending.map((_, i) => b + i) };
      planInfo = markRestyle(planned.info, order, wanted, mix, kind === 'edit' && req.keptStyle);
      planIds = planned.ids;
      // the tone editor's drawing, where the plan's tone is one it draws: asked before the plan is announced, which says
      // who draws it
      toneDrawing = req.toneEdit?.(planInfo.text) ?? null;
      if (toneDrawing) planInfo = { ...planInfo, toneEdited: true };
      req.onPlan?.(planInfo);
    }
    /** the cache after the last call; the prefix's is kept for the candidates */
    const cacheOf = (x: CallOut | null): KvCache => x?.cache ?? this.runner.empty();
    const releaseUnlessPrefix = (c: KvCache) => {
      if (c !== prefix?.cache) this.runner.release(c);
    };
    let scale = 0;
    /** generated token k from output position j of a call */
    const tokenAt = (k: number, res: CallOut, j: number): Float32Array => {
      const f = this.runner.featureAt(res, j);
      if (!residualSource) return f;
      const d = this.runner.deltaAt(res, j);
      if (!d) throw new MllmError('the manifest asks for residual edits but the mllm graph has no "delta" output');
      const t = new Float32Array(C);
      for (let c = 0; c < C; c++) t[c] = residualSource[k * C + c] + d[c];
      return t;
    };
    const emit = (k: number) => {
      // token k completed scale `scale`?
      if (k + 1 !== offsets[scale] + this.spec.scale_tokens[scale]) return;
      const name = order[scale];
      result[name] = tokens.slice(offsets[scale] * C, (k + 1) * C);
      req.onScale?.(name, result[name], { tokensSoFar: k + 1, ms: performance.now() - t0 });
      scale++;
    };
    try {
      if (toneDrawing) {
        // the editor drew it: its scales handed on as the MLLM's would be, coarse to fine, each decoded before the next
        // is handed on (betweenCalls, where the caller may stop) as the MLLM's are between two calls
        const drawn = await toneDrawing;
        for (let s = 0; s <= last; s++) {
          const f = drawn[order[s]];
          const n = this.spec.scale_tokens[s];
          if (f?.length !== n * C) throw new MllmError(`the tone editor's drawing has ${f?.length ?? 'no'} values at ${order[s]}, want ${n}x${C}`);
          if (s > 0) await req.betweenCalls?.({ tokensSoFar: offsets[s] });
          tokens.set(f, offsets[s] * C);
          emit(offsets[s] + n - 1);
        }
      } else if (this.order === 'token') {
        // the last position of each call predicts the next token, so what is pending goes alone
        if (lead.ids.length) {
          const prev = cacheOf(r);
          r = await this.runner.call(prev, lead);
          releaseUnlessPrefix(prev);
        }
        for (let k = 0; k < nTokens; k++) {
          const token = tokenAt(k, r!, -1);
          tokens.set(token, k * C);
          emit(k);
          if (k + 1 === nTokens) break;
          await req.betweenCalls?.({ tokensSoFar: k + 1 });
          const prev = r!.cache;
          r = await this.runner.call(prev, { ids: [0], slot: [k + 1], feats: token, block: [this.runner.nextBlock(prev)] });
          releaseUnlessPrefix(prev);
        }
      } else {
        // one call per scale: its queries are fed the coarser tokens that cover them, and the
        // output at each query is that token itself; the first also feeds what is pending
        const parent = this.spec.parent_index!;
        const qoff = this.spec.query_slot_offset!;
        /** scale s's queries: each fed the coarser token that covers it (f4: zeros) */
        const queries = (s: number): Seq => {
          const o = offsets[s];
          const n = this.spec.scale_tokens[s];
          const feats = new Float32Array(n * C);
          for (let j = 0; j < n; j++) if (parent[o + j] >= 0) feats.set(tokens.subarray(parent[o + j] * C, (parent[o + j] + 1) * C), j * C);
          return { ids: new Array(n).fill(0), slot: Array.from({ length: n }, (_, j) => qoff + 1 + o + j), feats, block: new Array(n).fill(0) };
        };
        /** one call: what is pending, then the queries of `scales` (a block each, after the pending's); returns the
         * call and the output position of the last scale's first query */
        const feed = async (prev: KvCache, pending: Seq, scales: number[]): Promise<{ out: CallOut; at: number }> => {
          const qs = scales.map(queries);
          const shift = pending.ids.length;
          const total = shift + qs.reduce((a, q) => a + q.ids.length, 0);
          const b = shift ? pending.block[shift - 1] + 1 : this.runner.nextBlock(prev);
          const feats = new Float32Array(total * C);
          feats.set(pending.feats);
          let at = shift;
          qs.forEach((q, i) => {
            feats.set(q.feats, at * C);
            if (i < qs.length - 1) at += q.ids.length;
          });
          // the reader's features ride with what is pending (the prompt's given image); the queries get zeros
          let reader: Float32Array | undefined;
          if (pending.reader) (reader = new Float32Array(total * C)).set(pending.reader);
          const out = await this.runner.call(prev, {
            ids: [...pending.ids, ...qs.flatMap((q) => q.ids)],
            slot: [...pending.slot, ...qs.flatMap((q) => q.slot)],
            feats,
            block: [...pending.block, ...qs.flatMap((q, i) => q.ids.map(() => b + i))],
            reader,
          });
          return { out, at };
        };
        const none: Seq = { ids: [], slot: [], feats: new Float32Array(0), block: [] };
        // restyle (req.planMix): the plan alone is a second sequence with a cache of its own, fed from the first scale
        // whose weight is not 1 on; that first call also feeds the earlier scales' queries, each its own block, which
        // attend exactly as calls of their own would. The edit's own sequence is fed while a weight from there on is
        // not 0.
        let alone: { r: CallOut | null; pending: Seq } | null = null;
        if (mix) {
          const plan = this.plan!;
          const prompt = this.textTokens(canonicalPrompt(plan, planInfo!.fields), 'prompt');
          alone = { r: null, pending: this.build([[bos], prompt, [this.spec.specials[plan.start]], planIds, [this.spec.specials[plan.end]]]) };
        }
        try {
          for (let s = 0; s <= last; s++) {
            const o = offsets[s];
            const n = this.spec.scale_tokens[s];
            if (s > 0) await req.betweenCalls?.({ tokensSoFar: o });
            const w = mix ? mix[s] : 1;
            let own: { out: CallOut; at: number } | null = null;
            if (!mix || mix.slice(s, last + 1).some((x) => x !== 0)) {
              const prev = cacheOf(r);
              own = await feed(prev, lead, [s]);
              r = own.out;
              releaseUnlessPrefix(prev);
              lead = none;
            }
            let planned: { out: CallOut; at: number } | null = null;
            if (alone && (alone.r || w !== 1)) {
              const prev = alone.r?.cache ?? this.runner.empty();
              planned = await feed(prev, alone.pending, alone.r ? [s] : Array.from({ length: s + 1 }, (_, k) => k));
              if (alone.r) this.runner.release(prev);
              alone = { r: planned.out, pending: none };
            }
            for (let j = 0; j < n; j++) {
              const c = own ? tokenAt(o + j, own.out, own.at + j) : null;
              const u = planned ? this.runner.featureAt(planned.out, planned.at + j) : null;
              let t: Float32Array;
              if (!u || w === 1) t = c!;
              else if (!c || w === 0) t = u;
              else {
                t = new Float32Array(C);
                for (let q = 0; q < C; q++) t[q] = u[q] + w * (c[q] - u[q]);
              }
              tokens.set(t, (o + j) * C);
              emit(o + j);
            }
          }
        } finally {
          if (alone?.r) this.runner.release(alone.r.cache);
        }
      }
      // a picked plan offers every name it was picked among by default
      const k = req.planCandidates ?? (ranked ? ranked.length : 4);
      if (prefix && planInfo && k > 0) {
        // a picked plan's alternatives are the other names it was picked among, with their share of the pick's scores
        const candidates = ranked ? conceptChoices(this.plan!, ranked).slice(0, k) : await this.planCandidates(prefix, planInfo, k, req);
        req.onPlan?.({ ...planInfo, candidates });
      }
    } finally {
      if (r) releaseUnlessPrefix(r.cache);
      if (prefix) this.runner.release(prefix.cache);
    }
    return result;
  }

  /** Captioning / VQA: greedy answer, streamed (token by token, several tokens a call where drafted). */
  async answer(req: AnswerRequest): Promise<string> {
    const { bos, img, imgEnd, ans, eos } = this.sp;
    if (!req.source) throw new MllmError('answer needs a source image');
    const maxTokens = req.maxTokens ?? this.spec.max_answer_tokens;
    if (!(maxTokens >= 1)) throw new MllmError(`maxTokens must be >= 1 (got ${maxTokens})`);
    const question = this.typedTokens(req.question, 'question', maxTokens - this.spec.max_answer_tokens);
    const seqOf = (source: Pyramid, reader: Pyramid | undefined) => this.build([[bos, img], this.given(source, reader), [imgEnd], question, [ans]]);
    const seq = seqOf(req.source, req.reader);
    const got = req.pick ? this.retrieved(req) : null; // refused before any call
    const names = got?.map((r) => r.name);
    const views = names ? this.pickViews(req.views) : [];
    // a picked answer is the page's caption: its pick scores with the caption task's temperature
    const temperature = got ? this.pickTemperature('caption') : null;
    const prefix = await this.runner.call(this.runner.empty(), seq);
    let text = '';
    try {
      if (got && names) {
        // the mean over the image as given and its re-drawings (none: as given alone), each a prefix of its own
        const scores = await this.scoreTexts(prefix, names, eos, req.betweenCalls);
        for (const v of views) {
          await req.betweenCalls?.();
          const p = await this.runner.call(this.runner.empty(), seqOf(v.source, v.reader));
          try {
            (await this.scoreTexts(p, names, eos, req.betweenCalls)).forEach((x, i) => (scores[i] += x));
          } finally {
            this.runner.release(p.cache);
          }
        }
        // the retrieval's term is added once, to the mean (caption_rerank.pick)
        const { text: best, ranked } = MllmGenerator.best(names, this.pickScores(scores.map((x) => x / (1 + views.length)), got, temperature));
        req.onPicked?.(ranked);
        req.onToken?.(best, best);
        return best;
      }
      // greedy, several tokens a call where the drafts guess the rest of a name (verified-draft.ts)
      const w = await writeDrafted(prefix.cache, argmax(prefix.logits), this.drafted({
        choose: argmax,
        take: (t) => t !== eos,
        done: (out) => out.length >= maxTokens,
        onWritten: (out) => {
          const full = this.tok.decode(out);
          if (full.endsWith('\uFFFD')) return;
          const piece = full.slice(text.length);
          text = full;
          if (piece) req.onToken?.(piece, text.trim());
        },
        draft: (out) => this.drafter!.answer(out, maxTokens - out.length, eos),
        betweenCalls: req.betweenCalls,
      }));
      if (w.last) this.runner.release(w.last.cache);
      return this.tok.decodeWhole(w.ids).trim(); // a budget can cut a character: the answer ends before it
    } finally {
      this.runner.release(prefix.cache);
    }
  }
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

/** log-softmax over the first n entries (the tokenizer's ids; the head may be wider) */
function logSoftmax(a: Float32Array, n: number): Float32Array {
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = Math.max(m, a[i]);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(a[i] - m);
  const lse = m + Math.log(sum);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i] - lse;
  return out;
}

function softmax(a: Float32Array): Float32Array {
  let m = -Infinity;
  for (const x of a) m = Math.max(m, x);
  const out = new Float32Array(a.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += out[i] = Math.exp(a[i] - m);
  for (let i = 0; i < a.length; i++) out[i] /= sum;
  return out;
}

/** The k ids with the largest logits, best first, skipping `skip`. */
function topK(a: Float32Array, k: number, skip: ReadonlySet<number>): number[] {
  const ids: number[] = [];
  for (let i = 0; i < a.length; i++) if (!skip.has(i)) ids.push(i);
  ids.sort((x, y) => a[y] - a[x] || x - y);
  return ids.slice(0, k);
}

/** Seeded top-k sampling for a plan ("variations" differ in what is drawn): the end token stays
 * a choice (a plan may end), other special tokens do not. */
function sampler(o: PlanSampling): (logits: Float32Array, specials: ReadonlySet<number>, end: number) => number {
  const u = mulberry32(o.seed);
  const k = o.topK ?? 5;
  const temp = o.temperature ?? 1;
  if (!(k >= 1) || !(temp > 0)) throw new MllmError(`plan sampling needs topK >= 1 and temperature > 0 (got ${k}, ${temp})`);
  return (logits, specials, end) => {
    const skip = new Set([...specials].filter((s) => s !== end));
    const ids = topK(logits, k, skip);
    const w = ids.map((i) => Math.exp((logits[i] - logits[ids[0]]) / temp));
    let x = u() * w.reduce((a, b) => a + b, 0);
    for (let i = 0; i < ids.length; i++) if ((x -= w[i]) <= 0) return ids[i];
    return ids[ids.length - 1];
  };
}
