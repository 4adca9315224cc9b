// Which emoji take a skin tone, and what that means for a source image whose concept the page
// knows. The MLLM learned tone edits only on emoji that have tone variants (training: an
// edit_tone source needs a second tone of its own concept), so "make it dark skin tone" on a
// smiley or a cup of coffee gives a brown blob. The facts come from the served word list
// (public/models/words.json, training/known_words.py): for a concept the model was trained on,
// the training data's own answer (`toned`: it has two skin tones of it, so tone edits were learned
// on it; wrestlers have CLDR tone variants but none in the training art); for any other emoji,
// whether CLDR lists it plus a skin-tone modifier. A plan names its concept as training did
// (emoji-datasource names, `concepts`), so a name resolves through the training names first,
// then CLDR's. Nothing here lists concepts. Pure functions (no DOM, no store).
import { normalizeText } from '../workers/mllm/tokenizer';
import type { KnownWords } from './newcomer/promptWords';
import type { SourceConcept } from './state/types';

/** Unicode's five skin-tone modifiers (U+1F3FB..U+1F3FF): a Unicode fact, not a model's. */
const TONE_MODIFIER = /[\u{1F3FB}-\u{1F3FF}]/gu;
const VS16 = /\uFE0F/g;

export interface ToneFacts {
  /** emoji (U+FE0F removed) that take a skin tone: the trained concepts with tones in the
   * training data, and the untrained emoji that CLDR lists with skin-tone variants */
  toned: ReadonlySet<string>;
  /** the trained concepts (whose tones come from the training data alone) */
  trained: ReadonlySet<string>;
  /** normalized name -> emoji: training names (how a plan writes them), then CLDR names for
   * names written without a tone */
  byName: ReadonlyMap<string, string>;
  /** every listed emoji (a concept outside it is not known) */
  listed: ReadonlySet<string>;
}

const memo = new WeakMap<KnownWords, ToneFacts>();

/** The word list's tone facts, worked out once per loaded list. */
export function toneFacts(known: KnownWords): ToneFacts {
  let f = memo.get(known);
  if (f) return f;
  const trained = new Set(known.concepts.keys());
  const toned = new Set([...known.toned].filter((c) => trained.has(c)));
  const byName = new Map<string, string>();
  for (const [char, name] of known.concepts) {
    const key = normalizeText(name);
    const had = byName.get(key);
    // two trained concepts of one name ("man in tuxedo"): the plan may mean either, so one
    // with tones wins (the tone edits stay offered)
    if (had === undefined || (!toned.has(had) && toned.has(char))) byName.set(key, char);
  }
  for (const [char, name] of known.emoji) {
    const bare = char.replace(TONE_MODIFIER, '');
    // the modifiers themselves (🏻 "light skin tone") are listed too: they leave nothing
    if (bare !== char) {
      if (bare && !trained.has(bare)) toned.add(bare);
    } else {
      const key = normalizeText(name);
      if (!byName.has(key)) byName.set(key, char);
    }
  }
  f = { toned, trained, byName, listed: new Set([...known.emoji.keys(), ...trained]) };
  memo.set(known, f);
  return f;
}

/** A sample's concept code ("1F604", "1F469-200D-1F680") as the word list keys it (no U+FE0F). */
export function conceptChar(code: string): string {
  return code
    .split('-')
    .filter((p) => p && p.toUpperCase() !== 'FE0F')
    .map((p) => String.fromCodePoint(parseInt(p, 16)))
    .join('');
}

/** The emoji a known concept is: a sample's code, else its name as training wrote it (what a
 * plan writes), else as CLDR does. A name that is neither stays unknown (the tone edits stay
 * offered). */
export function resolveConcept(c: SourceConcept, facts: ToneFacts): string | null {
  if (c.code) {
    const char = conceptChar(c.code).replace(VS16, '');
    if (facts.listed.has(char)) return char;
  }
  return facts.byName.get(normalizeText(c.name)) ?? null;
}

/** What the page can say about a source's skin tones: not known (no concept, no word list, a
 * name it cannot place), or whether its concept takes one. */
export type ToneVerdict = { takes: null } | { takes: boolean; char: string; concept: SourceConcept };

export function sourceTones(concept: SourceConcept | null | undefined, facts: ToneFacts | null): ToneVerdict {
  if (!concept || !facts) return { takes: null };
  const char = resolveConcept(concept, facts);
  if (!char) return { takes: null };
  return { takes: facts.toned.has(char), char, concept };
}

/** The emoji as shown: the word list drops U+FE0F, which a text-default character (☺, ❤, a
 * keycap) needs after its first code point to be drawn as an emoji. */
export function emojiGlyph(char: string): string {
  const first = String.fromCodePoint(char.codePointAt(0) ?? 0x20);
  if (/\p{Emoji_Presentation}/u.test(first) || char.includes('\uFE0F')) return char;
  return first + '\uFE0F' + char.slice(first.length);
}

/** "😄 grinning face has no skin tones", said the way the page came to know the concept. */
function hasNoTones(v: Extract<ToneVerdict, { takes: boolean }>): string {
  const what = `${emojiGlyph(v.char)} ${v.concept.name}`;
  if (v.concept.from === 'sample') return `${what} has no skin tones`;
  if (v.concept.from === 'drawn') return `this image was drawn as ${what}, which has no skin tones`;
  return `the model read this image as ${what}, which has no skin tones`;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Why the tone suggestions are off for this source, or null when they are offered (the
 * concept takes a tone, or is not known: the page cannot tell before a run). */
export function toneChipsOff(v: ToneVerdict): string | null {
  if (v.takes !== false) return null;
  // the model's own reading may be wrong: typing one still runs
  const anyway = v.concept.from === 'read' ? ' Type an instruction to try one anyway.' : '';
  return `${cap(hasNoTones(v))}: the model learned skin-tone edits only on emoji that have them.${anyway}`;
}

/** The warning beside a typed (or earlier chosen) instruction that asks for a tone, or null. */
export function toneRequestWarning(v: ToneVerdict, asksForTone: boolean): string | null {
  if (v.takes !== false || !asksForTone) return null;
  return `This asks for a skin tone, but ${hasNoTones(v)}: the model never learned that edit and tends to turn the image into a brown blob. Edit still runs it if you press it.`;
}

/** The plan's tone picker (text-to-image): why the other tones are off for this concept. */
export function tonePickerOff(v: ToneVerdict): string | null {
  if (v.takes !== false) return null;
  return `${emojiGlyph(v.char)} ${v.concept.name} has no skin tones: the model learned tones only on emoji that have them.`;
}

/** Suggestions with the tone ones marked unavailable (with why) when `off` says so. */
export function markToneChips<T extends { kind?: string }>(items: readonly T[], off: string | null): (T & { unavailable?: string })[] {
  return items.map((c) => (off && c.kind === 'tone' ? { ...c, unavailable: off } : c));
}

/** Whether an instruction (as the model reads it) asks for a skin tone: it is one of the tone
 * suggestions, or it has a word every tone suggestion shares and no other suggestion has
 * ("skin", "tone" for the shipped wordings; "skinned" and "tones" count). The cue words come
 * from the manifest's own instructions, so another model's wording brings its own. A typed
 * toned emoji reads as its name (👋🏽 "waving hand: medium skin tone"). */
export function asksForSkinTone(text: string, suggestions: readonly { text: string; kind?: string }[]): boolean {
  const said = normalizeText(text);
  const tone = suggestions.filter((c) => c.kind === 'tone').map((c) => normalizeText(c.text));
  if (!said || !tone.length) return false;
  if (tone.includes(said)) return true;
  const wordsOf = (s: string) => s.match(/[\p{L}\p{N}]+/gu) ?? [];
  const [first, ...rest] = tone.map((s) => new Set(wordsOf(s)));
  const others = new Set(suggestions.filter((c) => c.kind !== 'tone').flatMap((c) => wordsOf(normalizeText(c.text))));
  const cues = [...first].filter((w) => rest.every((r) => r.has(w)) && !others.has(w));
  return wordsOf(said).some((w) => cues.some((c) => w.startsWith(c)));
}
