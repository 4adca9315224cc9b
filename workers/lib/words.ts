// The word list the manifest lists (role "words", public/models/words.json, training/known_words.py):
// the page reads it for the prompt box's hints (src/newcomer), the engine for the trained concepts'
// names the MLLM's plan drafts from (workers/mllm/plan-draft.ts). One parser for both.
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

