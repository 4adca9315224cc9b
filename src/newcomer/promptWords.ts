// A prompt as the model reads it: emoji characters written as their CLDR names ("🍕" -> "pizza";
// the MLLM was taught names, not pictographs), and the words it never saw in training. Both facts
// come from public/models/words.json (training/known_words.py), listed in the manifest; nothing
// here knows the model itself, so the next model brings its own words. Pure functions (no DOM).
import { normalizeText } from '../../workers/mllm/tokenizer';

export { parseWords, WordsError, type KnownWords, type WordsJson } from '../../workers/lib/words';
import type { KnownWords } from '../../workers/lib/words';

/** A word: a run of letters and digits, apostrophes inside it included ("don't");
 * training/known_words.py splits the same way. */
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
const VS16 = /\uFE0F/g;

export function wordsOf(normalized: string): string[] {
  return normalized.match(WORD) ?? [];
}

export interface PromptReading {
  /** what the model reads: emoji written as names, then normalized (NFC, lower case, single spaces) */
  text: string;
  /** the emoji that were written as names, in order */
  emoji: { char: string; name: string }[];
  /** words (and emoji without a name) outside the training text, each once, in order */
  unknown: string[];
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Reads a prompt, instruction or question the way the model will be given it. */
export function readPrompt(raw: string, known: KnownWords): PromptReading {
  let out = '';
  let spaceNext = false; // after a name: a space before a following letter or digit
  const emoji: PromptReading['emoji'] = [];
  const unnamed: string[] = [];
  for (const { segment: g } of graphemes.segment(raw)) {
    // an emoji sequence (ZWJ, skin tone, flag, keycap) is one grapheme
    const name = known.emoji.get(g.replace(VS16, ''));
    if (name !== undefined) {
      emoji.push({ char: g, name });
      if (out && !/\s$/.test(out)) out += ' ';
      out += name;
      spaceNext = true;
      continue;
    }
    if (PICTOGRAPH.test(g)) unnamed.push(g);
    if (spaceNext && LETTER_OR_DIGIT.test(g)) out += ' ';
    spaceNext = false;
    out += g;
  }
  const text = normalizeText(out);
  const unknown = [...new Set([...wordsOf(text).filter((w) => !known.words.has(w)), ...unnamed])];
  return { text, emoji, unknown };
}
