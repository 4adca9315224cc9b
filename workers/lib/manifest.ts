// Types and validation for public/models/manifest.json (docs/manifest.md is the contract), and
// every fact derived from it (scale order and labels, allowed steps, token budgets, the text the
// MLLM reads): the engine and the page both call these, so each is derived once.
import type { FrameSpec } from './framing';
import type { Theta } from './redraw';
import { normalizeText } from '../mllm/tokenizer';

export type Dtype = 'float32' | 'float16' | 'int8' | 'int4' | 'uint8' | 'int32' | 'int64';

export interface TensorSpec {
  name: string;
  shape: (number | string)[];
  dtype: Dtype;
}

/** One file the page downloads, checked against its sha256. */
export interface ModelFile {
  file: string;
  bytes: number;
  sha256: string;
}

export interface ModelVariant extends ModelFile {
  dtype: string;
  requires: string[];
  /** the graph's weights in ONNX external data files (each below 16 MiB), read beside it */
  external_data?: ModelFile[];
  /** this variant's own golden vectors, where its arithmetic differs from the entry's (int8 decoders) */
  golden?: string;
}

/** A variant's files as downloaded: the graph, then its external weight files. */
export function variantFiles(v: ModelVariant): ModelFile[] {
  return [v, ...(v.external_data ?? [])];
}

export interface ModelEntry {
  role: string;
  scale?: string;
  variants?: ModelVariant[];
  file?: string;
  bytes?: number;
  sha256?: string;
  inputs?: TensorSpec[];
  outputs?: TensorSpec[];
  golden?: string;
  /** mllm_prefill / mllm_step / mllm: the MLLM's golden vectors (prefill + steps + an edit) */
  golden_mllm?: string;
  /** a guidance-distilled decoder: its conditional pass alone gives the teacher's guided v at this
   * guidance (training/distill_decoders.py); see decoderGuidance */
  distilled_guidance?: number;
  /** a step-distilled decoder (training/distill_decoders.py --progressive): one of its DDIM steps does
   * `from`/`to` of its teacher's, so it is valid at `to` steps only (the sampler's allowed_steps say so) */
  step_distilled?: { from: number; to: number; guidance: number; train_steps: number };
  /** role "gallery" (training/gallery.py): rows x dim, the concept characters its rows index, its layout in words;
   * a key's values before its projection where it has one (in_dim: the reader's tokens at `scale` x feature_dim) */
  rows?: number;
  dim?: number;
  in_dim?: number;
  concepts?: string[];
  layout?: string;
  /** role "gallery": what a query is (gallerySpace). "reader" (or absent): the reader's tokens at `scale`, centred
   * and projected as the file says; "key": the embedding of the key model `key` names (no scale, no projection) */
  space?: GallerySpace;
  /** role "gallery" in key space: the models key of its key model (role "key") */
  key?: string;
  /** role "key" (training/pick_key.py), role "tone_editor" (training/tone_editor.py): the network's sizes, informational */
  config?: Record<string, unknown>;
}

/** What a gallery's rows, and so its queries, are: the reader's tokens at a scale, or a key model's embedding. */
export type GallerySpace = 'reader' | 'key';

/** A gallery entry's space: "reader" where the entry names none (galleries written before the key model). */
export function gallerySpace(e: Pick<ModelEntry, 'space'>): GallerySpace {
  return e.space ?? 'reader';
}

export interface ScaleSpec {
  name: string;
  grid: number;
  tokens: number;
  /** what the UI writes under the scale's images, e.g. "coarsest, 1 token" */
  label: string;
}

export interface Schedule {
  timesteps: number[];
  alphas_cumprod: number[];
}

export interface SamplerSpec {
  kind: string;
  prediction: string;
  train_timesteps: number;
  steps: number;
  allowed_steps?: number[];
  schedules: Record<string, Schedule>;
  guidance: number;
  uncond: string;
  eta?: number;
  clamp_x0?: boolean;
}

/** The wordings the MLLM was trained on (training/mllm_tasks.py); {tone}/{style} are filled in. */
export interface MllmPrompts {
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
  /** vendor -> style word */
  styles: Record<string, string>;
  skin_tones: string[];
}

/** The plan the MLLM writes before an image (training/export_mllm.py mllm_extra): one text
 * segment after `start` ("<ans>"), ended by the model emitting `end` ("[IMG]"). */
export interface PlanSpec {
  /** special token names */
  start: string;
  end: string;
  separator: string;
  /** field names in the order written: concept, style, tone */
  fields: string[];
  max_tokens: number;
  /** vendor -> style word */
  styles: Record<string, string>;
  /** style word -> the page's label */
  style_labels?: Record<string, string>;
  /** tone words, the default (no skin tone) first */
  tones: string[];
  /** joins the tones of a multi-person emoji ("light and dark") */
  tone_join: string;
  /** a plan's fields in the training's canonical phrasing, piece by piece (training/mllm_tasks.py CANONICAL_PROMPT):
   * the concept's template, then the style's where the plan names a style, then the tone's where it names a tone
   * other than the default ("red apple emoji in noto style"); what a restyled edit's plan alone is drawn from.
   * Absent: no restyle. Read it through canonicalPrompt (workers/mllm/plan.ts). */
  canonical_prompt?: { concept: string; style: string; tone: string };
}

/** Restyle (training/restyle.py): an edit whose instruction names a style is drawn per scale as u + w (c - u), c from
 * the edit's own sequence and u from its plan alone (text-to-image in the plan's canonical phrasing, the plan fed),
 * w the scale's weight: 1 keeps the edit's scale, 0 takes the plan's. A style edit's target is the asked vendor's own
 * drawing, which the MLLM was trained on; drawn through the source it keeps the source's design. */
export interface RestyleSpec {
  /** the words and phrases that make an instruction a style request (normalised; matched as whole words) */
  words: string[];
  /** one weight per scale, image order (f4 .. f0) */
  weights: number[];
  rule?: string;
}

/** A model that reads each given image (the image a question is about, an edit's source) through a second
 * encoder as well (training/mllm.py MLLMConfig.reader; export_mllm reader_spec). */
export interface ReaderSpec {
  /** models key of the reader encoder (role "reader": the encoder's inputs and outputs) */
  model: string;
  /** the MLLM graph's input it is fed through, [batch, seq, feature_dim] like feats */
  input: string;
  /** what is fed, in words (the reader's pyramid at a given image's positions, zeros elsewhere) */
  fed?: string;
}

/** The manifest's "mllm" block (training/export_mllm.py). */
export interface MllmSpec {
  /** "pair": mllm_prefill + mllm_step (token order only); "single": one graph "mllm" fed `block`. Absent: pair. */
  graph?: 'pair' | 'single';
  /** "token": one image token per call; "scale": one whole scale per call. Absent: token. */
  order?: 'token' | 'scale';
  /** scale order: query slot of image token k = query_slot_offset + 1 + k */
  query_slot_offset?: number | null;
  /** scale order: per image token, the coarser token fed at its query (-1: zeros) */
  parent_index?: number[] | null;
  /** absent/null: a model without a plan (prompt ends [IMG]) */
  plan?: PlanSpec | null;
  ctx: number;
  n_layer: number;
  n_head: number;
  head_dim: number;
  d_model?: number;
  feature_dim: number;
  vocab_size: number;
  /** coarse to fine: f4 f3 f2 f1 f0 */
  image_order: string[];
  scale_tokens: number[];
  image_tokens: number;
  specials: Record<string, number>;
  text?: { normalize: string; segment_prefix: string };
  max_answer_tokens: number;
  prompts: MllmPrompts;
  /** how the conditional tasks' source images are made, in words the app parses (workers/lib/sources.ts) */
  sources: Record<string, string>;
  /** edits: token = source token + delta (training/mllm.py residual_edit). Absent: false. */
  residual_edit?: boolean;
  /** absent/null: a model without a reader (the graph has no reader input, no reader file is loaded) */
  reader?: ReaderSpec | null;
  /** absent/null: captions and plans are the MLLM's greedy ones */
  pick?: PickSpec | null;
  /** absent/null: every edit is drawn from its own sequence alone */
  restyle?: RestyleSpec | null;
  /** absent/null: every edit's image is the MLLM's; present: a tone edit's may be the tone editor's (ToneEditSpec) */
  tone_edit?: ToneEditSpec | null;
  /** absent/null: every sketch's image is the MLLM's; present: a colour image's sketch is redrawn by the sketch
   * editor (SketchEditSpec) */
  sketch_edit?: SketchEditSpec | null;
}

/** The sketch editor's rule (training/sketch_editor.py export; eval_mllm's sketch_edited measures it): a sketch whose
 * given image has colour is redrawn by the model `model` (role "sketch_editor": the sketch's f0, of its edge map, and
 * the MLLM's f0 drawing in, the edited f0 out); its coarser scales are the edited f0's 2x2 means. On 8-bit RGB, a
 * pixel is ink where its smallest channel is below `ink_below`, coloured ink where its largest exceeds its smallest by
 * more than `chroma_above`; the image has colour where `share_div` x coloured >= ink (and ink > 0). Read it through
 * workers/engine/sketch-editor.ts. */
export interface SketchEditSpec {
  model: string;
  ink_below: number;
  chroma_above: number;
  share_div: number;
  /** Stop 73: only a sketch near a design the editor trained on is redrawn: the editor's `output` (the sketch's cosine
   * with its nearest training drawing, read from the sketch alone) at least `threshold`. Absent: the colour rule alone. */
  near?: { output: string; threshold: number };
  rule?: string;
}

/** The tone editor's rule (training/tone_editor.py export; eval_mllm's tone_editor_variants measures it): an edit whose
 * normalised instruction holds one of `words` as whole words and names no style (mllm.restyle's words: a style edit is
 * restyle's), and whose plan's tone is one of `tones` (under route "one" one person's), is drawn by the model
 * `model` (role "tone_editor") from the given image's f0 and the plan's tone, not by the MLLM's image tokens. Read it
 * through workers/mllm/tone-edit.ts. */
export interface ToneEditSpec {
  /** models key of the editor (role "tone_editor": f0 [batch, tokens, C] and the tone's code [batch, 2 x tones] in,
   * the edited f0 out) */
  model: string;
  /** the tones in the code's order: a person's tone is its one-hot over these (the plan's tone words) */
  tones: string[];
  /** the words and phrases that make an instruction ask for a skin tone (normalised; matched as whole words) */
  words: string[];
  /** "one": only a plan of one person's tone is the editor's (two people's are left to the MLLM); "all": also two */
  route: ToneRoute;
  rule?: string;
}

export type ToneRoute = 'one' | 'all';

/** The pick (training/gallery.py): a caption, and the concept of a picking task's plan, chosen by the MLLM's
 * likelihood among the names of the k concepts the gallery retrieves for the given image (by its reader's tokens, or
 * by its key model's embedding: the gallery's space). */
export interface PickSpec {
  /** models key of the gallery (role "gallery") */
  gallery: string;
  k: number;
  /** the page's tasks that pick: "caption", "edit", "colorize", "inpaint", "sketch" */
  tasks: string[];
  /** the rule, in words */
  rule?: string;
  /** present: the gallery is asked with the given image framed as its drawings are (workers/lib/framing.ts);
   * absent: with the image as given */
  frame?: FrameSpec | null;
  /** present: for these tasks each retrieved name's log-likelihood is the mean over the given image as given and
   * re-drawn by each theta (workers/lib/redraw.ts), each re-drawing read by the encoder and the reader */
  views?: PickViews | null;
  /** present: a name's score is its log-likelihood plus its retrieval cosine / temperature (training/caption_rerank.py
   * pick: a product of the two experts); absent: its log-likelihood alone. One number for every picking task, or one
   * per task ({task: T}, every task of `tasks` named; null: that task's log-likelihood alone), as
   * training/pick_temperature.py chooses them. Read it through pickTemperature. */
  temperature?: number | null | Record<string, number | null>;
  /** true: a plan whose greedy style is none of plan.styles' words (a design the model drew only in training,
   * MLLMConfig.draw_vendors) has its concept and style picked together among the names x plan.styles (workers/mllm/plan.ts
   * pickPlans; training/caption_rerank.py plan_fix); absent/false: a picked plan keeps its greedy style */
  page_styles?: boolean;
}

export interface PickViews {
  /** the page's tasks whose choice reads the re-drawings (the engine applies them to captions) */
  tasks: string[];
  /** one 2 x 3 affine map per re-drawing (training/redraw.py) */
  thetas: Theta[];
  rule?: string;
}

export interface ScaleChoiceRule {
  candidates: string[];
  levels: string[];
}

export interface Manifest {
  format: number;
  family: string;
  image: { size: number; channels: number; layout: string; range: [number, number] };
  feature_dim: number;
  scales: ScaleSpec[];
  sampler: SamplerSpec;
  models: Record<string, ModelEntry>;
  total_bytes: number;
  /** present when an MLLM was exported: text-to-image, the conditional tasks and understanding */
  mllm?: MllmSpec;
  /** the automatic scale choice per task (training/scale_choice_fit.py, fitted on the evaluation's items): the
   * best-scoring of `candidates` is recommended, a drawing scored over the pyramid `levels` (scoreAtLevels); a task
   * not named here picks among every drawn scale with its own default levels */
  scale_choice?: Record<string, ScaleChoiceRule>;
}

export class ManifestError extends Error {}

function need(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new ManifestError(`manifest: ${msg}`);
}

/** Checks the parts of the manifest the app relies on; throws ManifestError naming what is wrong. */
export function validateManifest(raw: unknown): Manifest {
  need(raw && typeof raw === 'object', 'not an object');
  const m = raw as Manifest;
  need(m.format === 1, `unsupported format ${String(m.format)} (app reads format 1)`);
  need(m.image && m.image.size > 0 && m.image.channels === 3, 'image.size/channels missing');
  need(m.image.layout === 'NCHW', `image.layout ${m.image.layout} unsupported`);
  need(Number.isInteger(m.feature_dim) && m.feature_dim > 0, 'feature_dim missing');
  need(Array.isArray(m.scales) && m.scales.length > 0, 'scales missing');
  m.scales.forEach((s, i) => {
    need(s.tokens === s.grid * s.grid, `scale ${s.name}: tokens != grid^2`);
    need(typeof s.label === 'string' && s.label.length > 0, `scale ${s.name}: label missing`);
    if (i > 0) need(s.grid * 2 === m.scales[i - 1].grid, `scale ${s.name}: grid is not half of ${m.scales[i - 1].name}`);
  });
  const sm = m.sampler;
  need(sm && sm.kind === 'ddim' && sm.prediction === 'v', 'sampler must be ddim with v-prediction');
  // the TypeScript sampler implements deterministic DDIM with x0 clamped (training/decoder.py)
  need((sm.eta ?? 0) === 0, `sampler.eta ${sm.eta} unsupported (app implements eta = 0)`);
  need(sm.clamp_x0 !== false, 'sampler.clamp_x0 = false unsupported (app clamps x0 as training does)');
  need(sm.schedules && sm.schedules[String(sm.steps)], `sampler.schedules lacks default steps ${sm.steps}`);
  for (const [k, s] of Object.entries(sm.schedules)) {
    need(s.timesteps.length === Number(k) && s.alphas_cumprod.length === Number(k), `schedule ${k}: wrong length`);
  }
  need(allowedSteps(sm).every((n) => sm.schedules[String(n)]), `sampler.allowed_steps ${sm.allowed_steps} has a count without a schedule`);
  need(m.models && typeof m.models === 'object', 'models missing');
  need(m.models.encoder, 'models.encoder missing');
  for (const [name, e] of Object.entries(m.models)) {
    if (e.role === 'encoder' || e.role === 'decoder' || e.role === 'reader' || e.role === 'key' || e.role === 'tone_editor' || e.role === 'sketch_editor') {
      need(Array.isArray(e.variants) && e.variants.length > 0, `${name}: no variants`);
      for (const v of e.variants!) for (const f of variantFiles(v)) need(typeof f.file === 'string' && /^[0-9a-f]{64}$/.test(f.sha256) && f.bytes > 0, `${name}: bad variant file ${f.file}`);
      need(Array.isArray(e.inputs) && Array.isArray(e.outputs), `${name}: inputs/outputs missing`);
      need(e.distilled_guidance === undefined || (Number.isFinite(e.distilled_guidance) && e.distilled_guidance > 0), `${name}: distilled_guidance must be a positive number`);
      // a step-distilled decoder learnt its own schedule only: the sampler must offer nothing else
      if (e.step_distilled) need(allowedSteps(sm).join() === String(e.step_distilled.to), `${name}: step-distilled to ${e.step_distilled.to} steps, but the sampler allows ${allowedSteps(sm).join(', ')}`);
    }
  }
  if (m.mllm !== undefined) validateMllm(m);
  if (m.scale_choice !== undefined) {
    need(m.scale_choice && typeof m.scale_choice === 'object', 'scale_choice must be an object');
    const names = new Set(m.scales.map((s) => s.name));
    const scaleList = (x: unknown) => Array.isArray(x) && x.length > 0 && x.every((s) => names.has(s));
    for (const [task, r] of Object.entries(m.scale_choice)) {
      need(r && scaleList(r.candidates) && scaleList(r.levels), `scale_choice.${task}: candidates and levels must be non-empty lists of scale names`);
    }
  }
  return m;
}

const PROMPT_KEYS = ['caption', 'category', 'skin_tone', 'style', 'edit_tone', 'edit_tone_none', 'edit_style', 'colorize', 'inpaint', 'sketch'] as const;

function validateMllm(m: Manifest) {
  const s = m.mllm!;
  need(s && typeof s === 'object', 'mllm is not an object');
  for (const k of ['ctx', 'n_layer', 'n_head', 'head_dim', 'feature_dim', 'vocab_size', 'image_tokens', 'max_answer_tokens'] as const) {
    need(Number.isInteger(s[k]) && s[k] > 0, `mllm.${k} missing`);
  }
  need(s.feature_dim === m.feature_dim, `mllm.feature_dim ${s.feature_dim} != feature_dim ${m.feature_dim}`);
  need(Array.isArray(s.image_order) && Array.isArray(s.scale_tokens) && s.image_order.length === s.scale_tokens.length, 'mllm.image_order/scale_tokens missing');
  s.image_order.forEach((name, i) => {
    const sc = m.scales.find((x) => x.name === name);
    need(sc, `mllm.image_order names unknown scale ${name}`);
    need(sc.tokens === s.scale_tokens[i], `mllm.scale_tokens[${i}] ${s.scale_tokens[i]} != scale ${name} tokens ${sc.tokens}`);
  });
  need(s.scale_tokens.reduce((a, b) => a + b, 0) === s.image_tokens, 'mllm.scale_tokens do not sum to image_tokens');
  need(s.specials && typeof s.specials === 'object', 'mllm.specials missing');
  need(s.prompts && typeof s.prompts === 'object', 'mllm.prompts missing');
  for (const k of PROMPT_KEYS) need(typeof s.prompts[k] === 'string', `mllm.prompts.${k} missing`);
  need(Array.isArray(s.prompts.skin_tones) && s.prompts.styles && typeof s.prompts.styles === 'object', 'mllm.prompts.skin_tones/styles missing');
  need(s.sources && typeof s.sources === 'object', 'mllm.sources missing');
  need(s.graph === undefined || s.graph === 'pair' || s.graph === 'single', `mllm.graph "${String(s.graph)}" unknown`);
  need(s.order === undefined || s.order === 'token' || s.order === 'scale', `mllm.order "${String(s.order)}" unknown`);
  if (s.order === 'scale') {
    need(s.graph === 'single', 'mllm.order "scale" needs the single graph');
    need(Number.isInteger(s.query_slot_offset), 'mllm.query_slot_offset missing (scale order)');
    need(Array.isArray(s.parent_index) && s.parent_index.length === s.image_tokens, 'mllm.parent_index missing (scale order)');
  }
  if (s.reader) validateReader(m, s.reader);
  if (s.pick) validatePick(m, s.pick);
  if (s.restyle) validateRestyle(s);
  if (s.tone_edit) validateToneEdit(m, s.tone_edit);
  if (s.sketch_edit) validateSketchEdit(m, s.sketch_edit);
  if (s.plan) {
    const p = s.plan;
    need(Number.isInteger(s.specials[p.start]) && Number.isInteger(s.specials[p.end]), `mllm.plan start/end "${p.start}"/"${p.end}" are not special tokens`);
    need(typeof p.separator === 'string' && p.separator.trim().length > 0, 'mllm.plan.separator missing');
    need(Array.isArray(p.fields) && p.fields.length > 0 && Number.isInteger(p.max_tokens) && p.max_tokens > 0, 'mllm.plan fields/max_tokens missing');
    need(p.styles && typeof p.styles === 'object' && Array.isArray(p.tones) && p.tones.length > 0, 'mllm.plan styles/tones missing');
  }
}

/** The reader names a reader model with the encoder's interface, and an input the single graph has. */
function validateReader(m: Manifest, r: ReaderSpec) {
  const s = m.mllm!;
  need(typeof r.model === 'string' && typeof r.input === 'string', 'mllm.reader needs model and input');
  need(s.order === 'scale' && s.graph === 'single', 'mllm.reader needs the single graph in scale order');
  const e = m.models[r.model];
  need(e && e.role === 'reader', `mllm.reader.model "${r.model}" is not a model with role "reader"`);
  // the reader's pyramid is built as the encoder's is: the same image in, the same features out
  const enc = m.models.encoder;
  need(ioSignature(e.inputs) === ioSignature(enc.inputs) && ioSignature(e.outputs) === ioSignature(enc.outputs), `${r.model}: inputs/outputs differ from the encoder's`);
  for (const g of mllmGraphNames(s)) need(m.models[g]?.inputs?.some((t) => t.name === r.input), `${g} has no input "${r.input}" (mllm.reader.input)`);
}

/** The pick asks its gallery (a file with its rows' facts) with the given image read by the reader or by the
 * gallery's key model, and takes the names from the word list. */
function validateRestyle(s: MllmSpec): void {
  const r = s.restyle!;
  need(s.plan && s.order === 'scale', 'mllm.restyle needs a plan and scale order');
  const c = s.plan!.canonical_prompt;
  need(c && ['concept', 'style', 'tone'].every((k) => typeof c[k as keyof typeof c] === 'string'), 'mllm.restyle needs mllm.plan.canonical_prompt (concept, style, tone)');
  need(c!.concept.includes('{concept}') && c!.style.includes('{style}') && c!.tone.includes('{tone}'), 'mllm.plan.canonical_prompt: each piece names its field');
  need(Array.isArray(r.words) && r.words.length > 0 && r.words.every((w) => typeof w === 'string' && w.trim().length > 0), 'mllm.restyle.words must be non-empty strings');
  need(Array.isArray(r.weights) && r.weights.length === s.image_order.length && r.weights.every((w) => Number.isFinite(w)), `mllm.restyle.weights must be ${s.image_order.length} numbers (one per scale)`);
}

/** The tone edit names a role "tone_editor" model whose inputs are the encoder's finest scale and the code of two
 * people's tones over `tones` and whose output is that scale again, and words, tones and a route the page runs; the
 * plan's tone is what it reads, so the model must write a plan. */
function validateToneEdit(m: Manifest, t: ToneEditSpec) {
  const s = m.mllm!;
  need(s.plan, 'mllm.tone_edit needs a plan (the tone the editor draws is the plan\'s)');
  need(typeof t.model === 'string' && t.model.length > 0, 'mllm.tone_edit needs the editor\'s models key ("model")');
  const strings = (x: unknown) => Array.isArray(x) && x.length > 0 && x.every((w) => typeof w === 'string' && w.trim().length > 0);
  need(strings(t.words), 'mllm.tone_edit.words must be non-empty strings');
  need(strings(t.tones) && new Set(t.tones).size === t.tones.length, 'mllm.tone_edit.tones must be distinct non-empty strings');
  need(t.route === 'one' || t.route === 'all', `mllm.tone_edit.route "${String(t.route)}" unknown (one or all)`);
  const e = m.models[t.model];
  need(e && e.role === 'tone_editor', `mllm.tone_edit.model "${t.model}" is not a model with role "tone_editor"`);
  const f0 = m.scales[0];
  needEditorIo(m, t.model, e, [['f0', [f0.tokens, m.feature_dim]], ['tone', [2 * t.tones.length]]], `${f0.name}'s tokens x feature_dim, two people's tones one-hot over mllm.tone_edit.tones`);
}

/** A tensor list's names and per-item shapes (the batch axis dropped), as one comparable string. */
function ioSignature(x: TensorSpec[] | undefined): string {
  return JSON.stringify((x ?? []).map((v) => [v.name, v.shape.slice(1)]));
}

/** A local editor's graph takes `inputs` ([name, per-item shape], in order; `why` says what they are) and gives the
 * finest scale's tokens as "edited", as the page's LocalEditor feeds and reads it. */
function needEditorIo(m: Manifest, name: string, e: ModelEntry, inputs: [string, number[]][], why: string, more: [string, number[]][] = []) {
  const f0 = m.scales[0];
  const want = { inputs: JSON.stringify(inputs), outputs: JSON.stringify([['edited', [f0.tokens, m.feature_dim]], ...more]) };
  need(ioSignature(e.inputs) === want.inputs, `${name}: its inputs must be ${want.inputs} (${why}), it has ${ioSignature(e.inputs)}`);
  need(ioSignature(e.outputs) === want.outputs, `${name}: its output must be ${want.outputs}, it has ${ioSignature(e.outputs)}`);
}

/** The sketch edit names a role "sketch_editor" model whose inputs are two drawings at the encoder's finest scale
 * (the sketch's, the MLLM's) and whose output is that scale again, and the colour rule's integer thresholds. */
function validateSketchEdit(m: Manifest, t: SketchEditSpec) {
  need(typeof t.model === 'string' && t.model.length > 0, 'mllm.sketch_edit needs the editor\'s models key ("model")');
  const byte = (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 255;
  need(byte(t.ink_below) && byte(t.chroma_above) && Number.isInteger(t.share_div) && t.share_div >= 1, 'mllm.sketch_edit: ink_below and chroma_above must be integers in 0..255, share_div an integer >= 1');
  const e = m.models[t.model];
  need(e && e.role === 'sketch_editor', `mllm.sketch_edit.model "${t.model}" is not a model with role "sketch_editor"`);
  const f0 = m.scales[0];
  const grid = [f0.tokens, m.feature_dim];
  if (t.near !== undefined) {
    need(typeof t.near.output === 'string' && t.near.output.length > 0 && Number.isFinite(t.near.threshold), 'mllm.sketch_edit.near needs the editor\'s output ("output") and a number ("threshold")');
    need(t.near.output !== 'edited', 'mllm.sketch_edit.near.output must be a second output, not "edited"');
  }
  // the near output: one number a sketch (shape [batch], no axis after it)
  needEditorIo(m, t.model, e, [['sketch', grid], ['drawn', grid]], `${f0.name}'s tokens x feature_dim`, t.near ? [[t.near.output, []]] : []);
}

/** The sketch editor (manifest models[mllm.sketch_edit.model]) and its rule; null where the model has none (every
 * sketch's image is the MLLM's). */
export function sketchEditorModel(m: Pick<Manifest, 'mllm' | 'models'>): { name: string; entry: ModelEntry; rule: SketchEditSpec } | null {
  const t = m.mllm?.sketch_edit;
  return t ? { name: t.model, entry: m.models[t.model], rule: t } : null;
}

/** Every local editor the MLLM's rules name (the tone editor, the sketch editor): loaded with the MLLM, on the
 * encoder's provider. */
export function editorModels(m: Pick<Manifest, 'mllm' | 'models'>): { name: string; entry: ModelEntry }[] {
  return [toneEditorModel(m), sketchEditorModel(m)].filter((x) => x !== null).map(({ name, entry }) => ({ name, entry }));
}

/** The tone editor (manifest models[mllm.tone_edit.model], role "tone_editor") and its rule; null where the model
 * has no tone edit (every edit's image is the MLLM's). */
export function toneEditorModel(m: Pick<Manifest, 'mllm' | 'models'>): { name: string; entry: ModelEntry; rule: ToneEditSpec } | null {
  const t = m.mllm?.tone_edit;
  return t ? { name: t.model, entry: m.models[t.model], rule: t } : null;
}

function validatePick(m: Manifest, p: PickSpec) {
  need(Number.isInteger(p.k) && p.k >= 1 && Array.isArray(p.tasks), 'mllm.pick needs k >= 1 and a list of tasks');
  // a drawing task picks its plan's concept: without a plan it could not, and the engine would read the framed image for nothing
  const drawing = p.tasks.filter((t) => t !== 'caption');
  need(drawing.length === 0 || m.mllm!.plan, `mllm.pick: ${drawing.join(', ')} pick a plan's concept, and the model has no plan`);
  const e = m.models[p.gallery];
  need(e && e.role === 'gallery' && typeof e.file === 'string' && /^[0-9a-f]{64}$/.test(e.sha256 ?? ''), `mllm.pick.gallery "${p.gallery}" is not a gallery file`);
  need(Number.isInteger(e.rows) && e.rows! > 0 && Number.isInteger(e.dim) && e.dim! > 0 && Array.isArray(e.concepts) && e.concepts.length > 0, `${p.gallery}: rows, dim and concepts missing`);
  need(e.space === undefined || e.space === 'reader' || e.space === 'key', `${p.gallery}: space "${String(e.space)}" unknown (reader or key)`);
  if (gallerySpace(e) === 'key') validateKeyGallery(m, p.gallery, e);
  else validateReaderGallery(m, p.gallery, e);
  validatePickTemperature(p);
  need(p.page_styles === undefined || typeof p.page_styles === 'boolean', 'mllm.pick.page_styles must be true or false');
  need(!p.page_styles || Object.keys(m.mllm!.plan?.styles ?? {}).length > 0, 'mllm.pick.page_styles needs the plan\'s styles to keep to');
  need(wordsEntry(m), 'mllm.pick needs the word list (its concepts name the gallery\'s)');
  const f = p.frame;
  if (f) {
    need(Number.isInteger(f.span) && f.span >= 1 && f.span <= m.image.size && f.ink > 0 && f.ink < 3, `mllm.pick.frame needs a span of 1..${m.image.size} pixels and an ink threshold in (0, 3)`);
    need(f.keep == null || (Array.isArray(f.keep) && f.keep.length === 2 && f.keep[0] <= f.span && f.span <= f.keep[1]), 'mllm.pick.frame.keep must be [lo, hi] around the span');
  }
  const v = p.views;
  if (v) {
    // the engine reads re-drawings for a caption's choice only: a manifest asking more would be silently half-applied
    need(Array.isArray(v.tasks) && v.tasks.every((t) => t === 'caption' && p.tasks.includes(t)), 'mllm.pick.views: only a picking caption reads re-drawings');
    need(Array.isArray(v.thetas) && v.thetas.every((t) => Array.isArray(t) && t.length === 2 && t.every((r) => Array.isArray(r) && r.length === 3 && r.every(Number.isFinite))), 'mllm.pick.views.thetas must be 2 x 3 affine maps');
  }
}

/** mllm.pick.temperature: absent/null, a positive number, or {task: positive number or null} naming exactly the
 * picking tasks (a task left out would have no rule; an unknown one is a typo the page would never read). */
function validatePickTemperature(p: PickSpec) {
  const t = p.temperature;
  const positive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;
  // NaN and Infinity shown as themselves (JSON would say null)
  const shown = (x: unknown) => (typeof x === 'number' ? String(x) : (JSON.stringify(x) ?? String(x)));
  if (t == null || typeof t !== 'object' || Array.isArray(t)) {
    need(t == null || positive(t), `mllm.pick.temperature must be a positive number or {task: T} (got ${shown(t)})`);
    return;
  }
  const missing = p.tasks.filter((task) => !(task in t));
  const unknown = Object.keys(t).filter((task) => !p.tasks.includes(task));
  need(missing.length === 0, `mllm.pick.temperature names no temperature for the picking task${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (null: its log-likelihood alone)`);
  need(unknown.length === 0, `mllm.pick.temperature names ${unknown.join(', ')}, which mllm.pick.tasks (${p.tasks.join(', ')}) does not pick`);
  for (const [task, x] of Object.entries(t)) need(x === null || positive(x), `mllm.pick.temperature.${task} must be a positive number or null (got ${shown(x)})`);
}

/** A reader-space gallery: a key is the reader's tokens at the gallery's scale, flattened; projected to dim where
 * the entry has in_dim. */
function validateReaderGallery(m: Manifest, name: string, e: ModelEntry) {
  need(m.mllm!.reader, 'mllm.pick needs a reader (the gallery holds reader features)');
  const scale = m.scales.find((s) => s.name === (e.scale ?? 'f4'));
  need(scale, `${name}: scale "${e.scale}" is not one of the manifest's scales`);
  const keyValues = scale!.tokens * m.feature_dim;
  need((e.in_dim ?? e.dim) === keyValues && e.dim! <= keyValues, `${name}: a key at ${scale!.name} has ${keyValues} values, the entry says ${e.in_dim ?? e.dim}${e.in_dim === undefined ? '' : ` projected to ${e.dim}`}`);
}

/** A key-space gallery: a query is its key model's embedding of the image the encoder reads, as long as a row, with
 * nothing between (no scale, no projection). */
function validateKeyGallery(m: Manifest, name: string, e: ModelEntry) {
  need(e.in_dim === undefined && e.scale === undefined, `${name}: a gallery in key space has no in_dim or scale (its queries are the key model's embeddings)`);
  const k = pickKeyModel(m)!;
  const perImage = (t: TensorSpec | undefined) => JSON.stringify(t?.shape.slice(1));
  // the key reads the tensor the encoder and the reader get (workers/engine/steps.ts hands it the same image)
  need(k.entry.inputs?.length === 1 && perImage(k.entry.inputs[0]) === perImage(m.models.encoder.inputs?.[0]), `${k.name}: its input must be one image as the encoder's (${ioSignature(m.models.encoder.inputs)}), it has ${ioSignature(k.entry.inputs)}`);
  need(k.entry.outputs?.length === 1 && perImage(k.entry.outputs[0]) === JSON.stringify([e.dim]), `${k.name}: its output must be one embedding of the gallery's ${e.dim} values, it has ${ioSignature(k.entry.outputs)}`);
}

/** The pick's key model (manifest models[gallery.key], role "key") where its gallery is in key space; null where
 * the model does not pick or its gallery is in the reader's space. A gallery naming a key model the manifest lacks
 * throws ManifestError (validateManifest calls this). */
export function pickKeyModel(m: Pick<Manifest, 'mllm' | 'models'>): { name: string; entry: ModelEntry } | null {
  const g = pickGallery(m);
  if (!g || !g[1] || gallerySpace(g[1]) !== 'key') return null;
  const [gallery, e] = g;
  if (typeof e.key !== 'string' || !e.key) throw new ManifestError(`manifest: ${gallery} is in key space but names no key model ("key")`);
  const entry = m.models[e.key];
  if (!entry) throw new ManifestError(`manifest: ${gallery} is in key space and names the key model "${e.key}", which models lacks`);
  if (entry.role !== 'key') throw new ManifestError(`manifest: ${gallery}.key "${e.key}" is a "${entry.role}" model, not one with role "key"`);
  return { name: e.key, entry };
}

/** The re-drawings the pick of the page's `task` reads beside the image as given (manifest mllm.pick.views; none: []). */
export function pickViews(m: Pick<Manifest, 'mllm'>, task: string): Theta[] {
  const p = m.mllm?.pick;
  return p?.views && p.tasks.includes(task) && p.views.tasks.includes(task) ? p.views.thetas : [];
}

/** The pick's gallery entry as [models key, entry] (null: the model does not pick). */
export function pickGallery(m: Pick<Manifest, 'mllm' | 'models'>): [string, ModelEntry] | null {
  const p = m.mllm?.pick;
  return p ? [p.gallery, m.models[p.gallery]] : null;
}

/** The temperature of the pick of the page's `task` (mllm.pick.temperature: one for every task, or the task's own);
 * null: that task's names score their log-likelihood alone. The one place a task's temperature is resolved. A task
 * the manifest does not pick has no temperature to ask for: asking throws rather than borrow another task's. */
export function pickTemperature(pick: PickSpec | null | undefined, task: string): number | null {
  if (!pick) return null;
  if (!pick.tasks.includes(task)) throw new ManifestError(`manifest: "${task}" does not pick (mllm.pick.tasks: ${pick.tasks.join(', ')}), so it has no pick temperature`);
  const t = pick.temperature;
  if (t == null || typeof t === 'number') return t ?? null;
  return t[task] ?? null;
}

/** What the shares of a pick's alternatives are of for the page's `task`, in the page's words: the softmax of the
 * MLLM's log-likelihoods, to which the retrieval's cosine / temperature is added where that task's pick has a
 * temperature (pickTemperature). */
export function pickShareOf(m: Pick<Manifest, 'mllm'>, task: string): string {
  return pickTemperature(m.mllm?.pick, task) != null ? "the model's likelihood, weighed by likeness, among the look-alikes" : "the model's likelihood among the look-alikes";
}

/** Whether the page's `task` ("caption", "edit", "colorize", "inpaint", "sketch") picks (manifest mllm.pick.tasks). */
export function picks(m: Pick<Manifest, 'mllm'>, task: string): boolean {
  return !!m.mllm?.pick?.tasks.includes(task);
}

/** The MLLM's reader model (null: a model without a reader). */
export function mllmReader(m: Pick<Manifest, 'mllm' | 'models'>): { name: string; entry: ModelEntry; input: string } | null {
  const r = m.mllm?.reader;
  return r ? { name: r.model, entry: m.models[r.model], input: r.input } : null;
}

/** The word list (role "words", public/models/words.json) as [models key, entry], where the manifest lists one with its file and hash. */
export function wordsEntry(m: Pick<Manifest, 'models'>): [string, ModelEntry] | null {
  return Object.entries(m.models).find(([, e]) => e.role === 'words' && e.file && e.sha256) ?? null;
}

/** The MLLM's graph files' model keys: the single graph, or the older prefill + step pair. */
export function mllmGraphNames(s: Pick<MllmSpec, 'graph'>): string[] {
  return s.graph === 'single' ? ['mllm'] : ['mllm_prefill', 'mllm_step'];
}

/** Scale names coarse to fine (f4 first): the order images are generated and shown in. */
export function coarseToFine(m: Manifest): string[] {
  return coarseToFineNames(m.scales.map((s) => s.name));
}

/** The manifest's scale names (finest first) coarse to fine. */
export function coarseToFineNames(finestFirst: readonly string[]): string[] {
  return [...finestFirst].reverse();
}

/** The allowed step count nearest to `n` (the fewer steps on a tie): what a shared link or a saved result
 * made with a count this model does not offer runs with. */
export function nearestSteps(n: number, allowed: readonly number[]): number {
  return allowed.reduce((best, a) => (Math.abs(a - n) < Math.abs(best - n) ? a : best), allowed[0]);
}

/** Steps the sampler has a schedule for (allowed_steps, else the schedules' keys), ascending. */
export function allowedSteps(s: Pick<SamplerSpec, 'steps' | 'allowed_steps'> & { schedules?: Record<string, unknown> }): number[] {
  const list = s.allowed_steps?.length ? s.allowed_steps : Object.keys(s.schedules ?? {}).map(Number).filter(Number.isInteger);
  return [...new Set(list.length ? list : [s.steps])].sort((a, b) => a - b);
}

/** Decoder model key for a scale name (decoder_f0 ... decoder_f4). */
export function decoderKey(m: Manifest, scale: string): string {
  const hit = Object.entries(m.models).find(([, e]) => e.role === 'decoder' && e.scale === scale);
  if (!hit) throw new ManifestError(`manifest: no decoder for scale ${scale}`);
  return hit[0];
}

/**
 * Picks the variant to load: fp16 only where the adapter has shader-f16 (WebGPU); the first
 * listed variant whose requirements are met otherwise. The WASM path gets no GPU features.
 */
export function pickVariant(e: ModelEntry, features: ReadonlySet<string>, prefer: string[] = ['float16', 'float32']): ModelVariant {
  const ok = (e.variants ?? []).filter((v) => v.requires.every((r) => features.has(r)));
  if (ok.length === 0) throw new ManifestError(`no usable variant (features: ${[...features].join(',') || 'none'})`);
  for (const d of prefer) {
    const v = ok.find((x) => x.dtype === d);
    if (v) return v;
  }
  return ok[0];
}

/** Scale name -> the label the page writes under its images. */
export function scaleLabels(m: Pick<Manifest, 'scales'>): Record<string, string> {
  return Object.fromEntries(m.scales.map((s) => [s.name, s.label]));
}

/** The text as the MLLM reads it: normalised, after one space (what its token counts are of). */
export function modelText(raw: string): string {
  return ' ' + normalizeText(raw);
}

/**
 * Tokens a typed text may take beside what the MLLM writes or reads, so the sequence fits its
 * context (workers/mllm/generate.ts checks the same at run time):
 *   prompt       <s> text [IMG] f4..f0                          (text to image)
 *   instruction  <s> [IMG] source [/IMG] text [IMG] f4..f0      (edit, colorize, ...)
 *   question     <s> [IMG] source [/IMG] text <ans> answer      (understand)
 * A model with a plan writes `<ans> plan` (up to plan.max_tokens) before an image's [IMG].
 */
export function tokenBudgets(s: Pick<MllmSpec, 'ctx' | 'image_tokens' | 'max_answer_tokens' | 'plan'>): { prompt: number; instruction: number; question: number } {
  const plan = planTokens(s);
  return {
    prompt: s.ctx - (2 + plan + s.image_tokens),
    instruction: s.ctx - (2 + s.image_tokens + 1 + 1 + plan + s.image_tokens),
    question: s.ctx - (2 + s.image_tokens + 1 + 1 + s.max_answer_tokens),
  };
}

/** Tokens the plan may take before an image: `<ans>` and up to plan.max_tokens (0 without a plan). */
export function planTokens(s: Pick<MllmSpec, 'plan'>): number {
  return s.plan ? s.plan.max_tokens + 1 : 0;
}
