// A prompt as the model reads it: emoji characters written as their CLDR names ("🍕" -> "pizza";
// the MLLM was taught names, not pictographs), and the words it never saw in training. Both facts
// come from public/models/words.json (training/known_words.py), listed in the manifest; nothing
// here knows the model itself, so the next model brings its own words. Pure functions (no DOM).
import { normalizeText } from '../../workers/mllm/tokenizer';

/** public/models/words.json */
export interface WordsJson {
  format: number;
  /** emoji character (U+FE0F removed) -> CLDR short name */
  emoji: Record<string, string>;
  /** the words of the training text, space-separated */
  words: string;
  /** trained concept (emoji, U+FE0F removed) -> its name as training and the MLLM's plan write it */
  concepts?: Record<string, string>;
  /** the trained concepts the training data has in two or more skin tones, space-separated */
  toned?: string;
}

export class WordsError extends Error {}

export interface KnownWords {
  emoji: ReadonlyMap<string, string>;
  words: ReadonlySet<string>;
  /** trained concept -> its training name (empty for a list written before concepts were listed) */
  concepts: ReadonlyMap<string, string>;
  /** trained concepts with skin tones in the training data */
  toned: ReadonlySet<string>;
}

export function parseWords(raw: unknown): KnownWords {
  const d = raw as WordsJson;
  if (!d || typeof d !== 'object' || d.format !== 1 || typeof d.words !== 'string' || !d.emoji || typeof d.emoji !== 'object')
    throw new WordsError('words.json: not a word list of format 1');
  if ((d.concepts !== undefined && (!d.concepts || typeof d.concepts !== 'object')) || (d.toned !== undefined && typeof d.toned !== 'string'))
    throw new WordsError('words.json: concepts or toned of the wrong type');
  const list = (s: string) => s.split(' ').filter(Boolean);
  return {
    emoji: new Map(Object.entries(d.emoji)),
    words: new Set(list(d.words)),
    concepts: new Map(Object.entries(d.concepts ?? {})),
    toned: new Set(list(d.toned ?? '')),
  };
}

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
