// The MLLM's autoregressive loop over two onnxruntime sessions (prefill + step, KV cache as
// past_*/present_* tensors). Pure inference code: no DOM, no fetch; the caller creates the
// sessions (with mllmSessionOptions from engine/ort.ts) and the Tokenizer from the manifest's files.
//
// Image features come out coarse to fine, one token per call: f4 after the prefill, f3 after
// 4 more steps, then f2, f1, f0; each scale is handed to onScale as soon as its last token
// exists, and the loop stops after the finest scale the caller asked for. Text answers are
// greedy and streamed token by token to onToken. With the spec's residual_edit, an edit's token
// is the source image's token at the same place plus the graphs' "delta" output (the model
// predicts the change, so what the instruction leaves alone is copied).
import type { InferenceSession, OrtLike, Tensor as TensorT } from '../engine/ort';
import type { MllmSpec } from '../lib/manifest';
import { Tokenizer, normalizeText } from './tokenizer';

export type { MllmSpec };

export interface MllmSessions {
  prefill: Pick<InferenceSession, 'run'>;
  step: Pick<InferenceSession, 'run'>;
}

/** The sequence layouts the MLLM was trained on (training/mllm_tasks.py): text -> image,
 * image + instruction -> image, image + question -> text. */
export const SEQUENCES = ['t2i', 'edit', 'answer'] as const;
export type SequenceKind = (typeof SEQUENCES)[number];

export class MllmError extends Error {}

/** Pyramid of one image keyed by scale name, each [tokens * C] row-major (as buildPyramid gives). */
export type Pyramid = Record<string, Float32Array>;

export interface ImageRequest {
  /** t2i: the prompt. edit/conditional: the instruction. */
  text: string;
  /** edit/conditional tasks: the source image's pyramid (all five scales are read). */
  source?: Pyramid;
  /** Scales wanted (names); generation stops after the finest of them. Default: all. */
  scales?: string[];
  onScale?: (name: string, tokens: Float32Array, info: { tokensSoFar: number; ms: number }) => void;
  /** awaited between two graph calls (after each generated token): the caller may stop the
   * generation (throw) or do other work there, such as decoding a scale that is complete */
  betweenCalls?: () => Promise<void> | void;
}

export interface AnswerRequest {
  source: Pyramid;
  question: string;
  maxTokens?: number;
  onToken?: (piece: string, textSoFar: string) => void;
  /** awaited between two graph calls; throws to stop the answer */
  betweenCalls?: () => Promise<void> | void;
}

interface Seq {
  ids: number[];
  slot: number[];
  feats: Float32Array; // [len * C]
}

export class MllmGenerator {
  private readonly C: number;
  private readonly sp: { bos: number; eos: number; img: number; imgEnd: number; ans: number };
  constructor(
    private readonly ort: Pick<OrtLike, 'Tensor'>,
    readonly spec: MllmSpec,
    readonly tok: Tokenizer,
    private readonly sessions: MllmSessions,
  ) {
    this.C = spec.feature_dim;
    const s = spec.specials;
    this.sp = { bos: s['<s>'], eos: s['</s>'], img: s['[IMG]'], imgEnd: s['[/IMG]'], ans: s['<ans>'] };
    for (const [k, v] of Object.entries(this.sp)) if (!Number.isInteger(v)) throw new MllmError(`mllm spec lacks special token ${k}`);
    if (tok.vocabSize > spec.vocab_size) throw new MllmError(`tokenizer has ${tok.vocabSize} ids, model ${spec.vocab_size}`);
    if (spec.scale_tokens.reduce((a, b) => a + b, 0) !== spec.image_tokens) throw new MllmError('mllm spec: scale_tokens do not sum to image_tokens');
  }

  /** Dispatch by sequence kind: an unknown one is an error. */
  async run(kind: string, req: ImageRequest | AnswerRequest): Promise<Pyramid | string> {
    if (kind === 't2i' || kind === 'edit') return this.generateImage(kind, req as ImageRequest);
    if (kind === 'answer') return this.answer(req as AnswerRequest);
    throw new MllmError(`unknown sequence kind "${kind}" (known: ${SEQUENCES.join(', ')})`);
  }

  // ---- sequence building (training/mllm_tasks.py builds the same) ----
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

  private build(parts: (number[] | Float32Array)[]): Seq {
    // number[] = text/special ids; Float32Array = one image (all scales, image order)
    const C = this.C;
    const ids: number[] = [];
    const slot: number[] = [];
    const chunks: { at: number; data: Float32Array }[] = [];
    for (const p of parts) {
      if (p instanceof Float32Array) {
        chunks.push({ at: ids.length, data: p });
        for (let k = 0; k < this.spec.image_tokens; k++) {
          ids.push(0);
          slot.push(k + 1);
        }
      } else {
        for (const id of p) {
          ids.push(id);
          slot.push(0);
        }
      }
    }
    const feats = new Float32Array(ids.length * C);
    for (const c of chunks) feats.set(c.data, c.at * C);
    return { ids, slot, feats };
  }

  private checkFits(seq: Seq, generate: number, what: string) {
    const total = seq.ids.length + generate;
    if (total > this.spec.ctx) {
      throw new MllmError(`${what} is too long: ${seq.ids.length} prompt tokens + ${generate} to generate = ${total} > context ${this.spec.ctx}`);
    }
  }

  // ---- the loop ----
  private i64(a: number[]): TensorT {
    return new this.ort.Tensor('int64', BigInt64Array.from(a, (x) => BigInt(x)), [1, a.length]);
  }

  private async call(first: boolean, ids: number[], slot: number[], feats: Float32Array, past: Record<string, TensorT> | null) {
    const feeds: Record<string, TensorT> = {
      ids: this.i64(ids),
      slot: this.i64(slot),
      feats: new this.ort.Tensor('float32', feats, [1, ids.length, this.C]),
    };
    if (!first) {
      for (let i = 0; i < this.spec.n_layer; i++) {
        feeds[`past_key_${i}`] = past![`present_key_${i}`];
        feeds[`past_value_${i}`] = past![`present_value_${i}`];
      }
    }
    const out = await (first ? this.sessions.prefill : this.sessions.step).run(feeds);
    if (past) for (const t of Object.values(past)) (t as { dispose?: () => void }).dispose?.();
    const presents: Record<string, TensorT> = {};
    for (let i = 0; i < this.spec.n_layer; i++) {
      for (const kv of ['key', 'value']) {
        const n = `present_${kv}_${i}`;
        if (!out[n]) throw new MllmError(`mllm graph did not return ${n}`);
        presents[n] = out[n];
      }
    }
    const logits = (await out.logits.getData()) as Float32Array;
    const feature = ((await out.feature.getData()) as Float32Array).slice(0, this.C);
    const delta = out.delta ? ((await out.delta.getData()) as Float32Array).slice(0, this.C) : null;
    return { logits, feature, delta, presents };
  }

  /** Text-to-image ('t2i', req.text = prompt) or editing/conditional ('edit', req.source + instruction). */
  async generateImage(kind: 't2i' | 'edit', req: ImageRequest): Promise<Pyramid> {
    const { bos, img, imgEnd } = this.sp;
    const order = this.spec.image_order;
    const wanted = req.scales && req.scales.length ? req.scales : order;
    for (const s of wanted) if (!order.includes(s)) throw new MllmError(`unknown scale "${s}" (known: ${order.join(', ')})`);
    const last = Math.max(...wanted.map((s) => order.indexOf(s)));
    const bounds: number[] = []; // token count at the end of each scale
    this.spec.scale_tokens.reduce((a, n, i) => ((bounds[i] = a + n), a + n), 0);
    const nTokens = bounds[last];

    let seq: Seq;
    let residualSource: Float32Array | null = null; // [image_tokens * C], image order
    if (kind === 't2i') {
      if (req.source) throw new MllmError('t2i takes no source image (use "edit")');
      seq = this.build([[bos], this.textTokens(req.text, 'prompt'), [img]]);
    } else if (kind === 'edit') {
      if (!req.source) throw new MllmError('edit needs a source image');
      const src = this.imageTokens(req.source);
      if (this.spec.residual_edit) residualSource = src;
      seq = this.build([[bos, img], src, [imgEnd], this.textTokens(req.text, 'instruction'), [img]]);
    } else {
      throw new MllmError(`unknown sequence kind "${String(kind)}" (known: ${SEQUENCES.join(', ')})`);
    }
    this.checkFits(seq, this.spec.image_tokens, kind === 't2i' ? 'prompt' : 'instruction');

    const C = this.C;
    const tokens = new Float32Array(nTokens * C);
    const result: Pyramid = {};
    const t0 = performance.now();
    let r = await this.call(true, seq.ids, seq.slot, seq.feats, null);
    let scale = 0;
    const tokenAt = (k: number, res: { feature: Float32Array; delta: Float32Array | null }): Float32Array => {
      if (!residualSource) return res.feature;
      if (!res.delta) throw new MllmError('the manifest asks for residual edits but the mllm graphs have no "delta" output');
      const t = new Float32Array(C);
      for (let c = 0; c < C; c++) t[c] = residualSource[k * C + c] + res.delta[c];
      return t;
    };
    for (let k = 0; k < nTokens; k++) {
      const token = tokenAt(k, r);
      tokens.set(token, k * C);
      if (k + 1 === bounds[scale]) {
        const name = order[scale];
        result[name] = tokens.slice((bounds[scale] - this.spec.scale_tokens[scale]) * C, bounds[scale] * C);
        req.onScale?.(name, result[name], { tokensSoFar: k + 1, ms: performance.now() - t0 });
        scale++;
      }
      if (k + 1 === nTokens) break;
      await req.betweenCalls?.();
      r = await this.call(false, [0], [k + 1], token, r.presents);
    }
    for (const t of Object.values(r.presents)) (t as { dispose?: () => void }).dispose?.();
    return result;
  }

  /** Captioning / VQA: greedy answer, streamed. */
  async answer(req: AnswerRequest): Promise<string> {
    const { bos, img, imgEnd, ans, eos } = this.sp;
    if (!req.source) throw new MllmError('answer needs a source image');
    const maxTokens = req.maxTokens ?? this.spec.max_answer_tokens;
    if (!(maxTokens >= 1)) throw new MllmError(`maxTokens must be >= 1 (got ${maxTokens})`);
    const seq = this.build([[bos, img], this.imageTokens(req.source), [imgEnd], this.textTokens(req.question, 'question'), [ans]]);
    this.checkFits(seq, maxTokens, 'question');
    let r = await this.call(true, seq.ids, seq.slot, seq.feats, null);
    const out: number[] = [];
    let text = '';
    for (let n = 0; n < maxTokens; n++) {
      let best = 0;
      for (let i = 1; i < r.logits.length; i++) if (r.logits[i] > r.logits[best]) best = i;
      if (best === eos) break;
      out.push(best);
      const full = this.tok.decode(out);
      if (!full.endsWith('\uFFFD')) {
        const piece = full.slice(text.length);
        text = full;
        if (piece) req.onToken?.(piece, text.trim());
      }
      if (n + 1 === maxTokens) break;
      await req.betweenCalls?.();
      r = await this.call(false, [best], [0], new Float32Array(this.C), r.presents);
    }
    for (const t of Object.values(r.presents)) (t as { dispose?: () => void }).dispose?.();
    return this.tok.decode(out).trim();
  }
}
