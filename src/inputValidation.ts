// What the user types (prompt, steps, guidance, seed) checked before anything runs, each with a
// message that says what is wrong and what would do. Nothing is cut or coerced silently: a
// value that does not pass is kept as typed and the run waits. Pure functions (no DOM).
//
// The limits come from the manifest through workers/lib/manifest.ts (tokenBudgets,
// allowedSteps), the same functions the engine uses.
import { normalizeText } from '../workers/mllm/tokenizer';
import { allowedSteps, modelText } from '../workers/lib/manifest';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const utf8 = new TextEncoder();

/**
 * An upper bound of the prompt's token count without the tokenizer: byte-level BPE never
 * makes more tokens than bytes of the text the MLLM reads.
 */
export function promptTokenBound(raw: string): number {
  return utf8.encode(modelText(raw)).length;
}

export interface PromptCheck {
  /** normalised text as the model reads it */
  text: string;
  /** tokens (exact with countTokens, else the byte bound) */
  count: number;
  limit: number;
  exact: boolean;
  /** null when the prompt can run */
  message: string | null;
}

/**
 * Checks a prompt against the token budget. countTokens, when the page has the tokenizer,
 * gives the exact count (it should encode " " + text as the MLLM does); without it the byte
 * bound is used, which never lets a too-long prompt through.
 */
export function checkPrompt(raw: string, limit: number, countTokens?: (normalized: string) => number, what: 'prompt' | 'instruction' | 'question' = 'prompt'): PromptCheck {
  const text = normalizeText(raw);
  const exact = !!countTokens;
  const count = text ? (countTokens ? countTokens(text) : promptTokenBound(raw)) : 0;
  let message: string | null = null;
  if (!text) message = `Type ${what === 'instruction' ? 'an' : 'a'} ${what} first, e.g. one of the ${what === 'prompt' ? 'examples' : 'suggestions'}.`;
  else if (count > limit)
    message = `The ${what} is too long: ${exact ? '' : 'up to '}${count} tokens (${[...text].length} characters); the model reads at most ${limit}. Shorten it; nothing was cut.`;
  return { text, count, limit, exact, message };
}

/** The counter shown under the prompt box, e.g. "12 / 425 tokens". */
export function promptCounter(c: PromptCheck): string {
  return `${c.exact || c.count === 0 ? '' : '≤ '}${c.count} / ${c.limit} tokens`;
}

/** The manifest's sampler fields that bound steps and guidance. */
export interface SamplerLimits {
  steps: number;
  allowed_steps?: number[];
  schedules?: Record<string, unknown>;
  guidance: number;
  /** [min, max]; the manifest may carry it; see GUIDANCE_FALLBACK_RANGE otherwise */
  guidance_range?: [number, number];
}


function parseNumber(raw: string | number): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  const t = raw.trim();
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

export function checkSteps(raw: string | number, s: SamplerLimits): Checked<number> {
  const ok = allowedSteps(s);
  const n = parseNumber(raw);
  if (n === null) return { ok: false, message: `Steps must be a number: one of ${ok.join(', ')} (default ${s.steps}).` };
  if (!ok.includes(n)) return { ok: false, message: `${n} steps has no schedule in this model; pick one of ${ok.join(', ')} (default ${s.steps}).` };
  return { ok: true, value: n };
}

/**
 * Guidance bounds when the manifest gives none: the range the page's guidance box has always
 * offered. 0 decodes without the prompt's features, 1 with them unguided; far above the trained
 * default the decodes saturate.
 */
export const GUIDANCE_FALLBACK_RANGE: [number, number] = [0, 10];

export function checkGuidance(raw: string | number, s: SamplerLimits): Checked<number> {
  const [lo, hi] = s.guidance_range ?? GUIDANCE_FALLBACK_RANGE;
  if (typeof raw === 'string' && !raw.trim()) return { ok: false, message: `Guidance is empty; enter a number from ${lo} to ${hi} (default ${s.guidance}).` };
  const g = parseNumber(raw);
  if (g === null) return { ok: false, message: `Guidance must be a number from ${lo} to ${hi} (default ${s.guidance}).` };
  if (g < lo || g > hi) return { ok: false, message: `Guidance ${g} is outside ${lo} to ${hi}; the default is ${s.guidance}.` };
  return { ok: true, value: g };
}

/**
 * A note beside a valid guidance below the one the decoders were distilled at: they run it as a mix
 * of their one-pass output and their blank-features pass, which trained as the unguided branch on a
 * tenth of the samples only, so such images keep a little less detail than the teachers' (at
 * guidance 1: -0.6 dB at f0, model card "Other guidance values"). Null when nothing to say.
 */
export function guidanceNote(g: number, distilledGuidance: number | null | undefined): string | null {
  if (!distilledGuidance || !(g < distilledGuidance)) return null;
  return `The decoders were distilled for guidance ${distilledGuidance} and above; at ${g} they draw with less detail than the undistilled ones did.`;
}

/**
 * The steps box when the model offers one count only (step-distilled decoders learnt their own
 * schedule's timesteps, so no other count is valid): the count and why there is no choice.
 */
export function fixedStepsText(n: number, stepDistilled: { from: number; to: number } | null | undefined): { label: string; title: string } {
  if (stepDistilled && stepDistilled.to === n)
    return { label: `${n} (distilled)`, title: `The decoders were distilled to do in ${n} steps what they did in ${stepDistilled.from}; they draw with ${n} steps only.` };
  return { label: String(n), title: `This model's decoders draw with ${n} steps only.` };
}

/** Seeds are 32-bit: the noise generator (workers/lib/rng.ts mulberry32) takes seed >>> 0. */
export const SEED_MAX = 0xffffffff;

export function checkSeed(raw: string | number): Checked<number> {
  if (typeof raw === 'string' && !raw.trim()) return { ok: false, message: `Seed is empty; enter a whole number from 0 to ${SEED_MAX}.` };
  const n = parseNumber(raw);
  if (n === null || !Number.isInteger(n)) return { ok: false, message: `Seed must be a whole number from 0 to ${SEED_MAX}.` };
  if (n < 0 || n > SEED_MAX) return { ok: false, message: `Seed ${n} is outside 0 to ${SEED_MAX}.` };
  return { ok: true, value: n };
}

// Bidirectional-text controls (embeddings, overrides, isolates, marks). Inside user text they can
// reorder the page's own words around it (U+202E turns "Prompt: abc. Encoder 3 ms" backwards).
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export function hasBidiControls(s: string): boolean {
  return new RegExp(BIDI_CONTROLS.source).test(s);
}

/**
 * For status lines and other plain strings that put user text inside the page's text: the
 * controls are removed. Where user text is rendered as an element, wrap it in <bdi> (UserText)
 * instead, which keeps the text as typed and isolates it.
 */
export function stripBidiControls(s: string): string {
  return s.replace(BIDI_CONTROLS, '');
}
