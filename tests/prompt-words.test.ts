// src/newcomer/promptWords.ts on the shipped word list (public/models/words.json, written by
// training/known_words.py): emoji become their CLDR names before tokenising, words the training
// text never had are flagged, and the file is the one the manifest lists.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import examples from '../src/newcomer/examplePrompts.json';
import { parseWords, readPrompt, wordsOf, WordsError } from '../src/newcomer/promptWords';
import { Tokenizer } from '../workers/mllm/tokenizer';

const file = (p: string) => readFileSync(new URL(`../public/models/${p}`, import.meta.url));
const manifest = JSON.parse(file('manifest.json').toString('utf8'));
const bytes = file('words.json');
const known = parseWords(JSON.parse(bytes.toString('utf8')));

describe('words.json', () => {
  it('is listed in the manifest with its bytes and sha256', () => {
    const e = Object.values(manifest.models as Record<string, { role: string; file?: string; bytes?: number; sha256?: string }>).find((x) => x.role === 'words');
    expect(e?.file).toBe('words.json');
    expect(e?.bytes).toBe(bytes.length);
    expect(e?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('refuses what is not a word list', () => {
    expect(() => parseWords({ format: 2, emoji: {}, words: '' })).toThrow(WordsError);
    expect(() => parseWords('<!doctype html>')).toThrow(WordsError);
  });
});

describe('readPrompt', () => {
  it('writes an emoji as its CLDR name, spaced from the words around it', () => {
    const r = readPrompt('🍕', known);
    expect(r.text).toBe('pizza');
    expect(r.emoji).toEqual([{ char: '🍕', name: 'pizza' }]);
    expect(r.unknown).toEqual([]);
    expect(readPrompt('A 🍕on a plate🍎!', known).text).toBe('a pizza on a plate red apple!');
    expect(readPrompt('🍕🍕', known).text).toBe('pizza pizza');
  });

  it('reads emoji sequences whole: skin tones, ZWJ, flags, keycaps, with or without U+FE0F', () => {
    expect(readPrompt('👍🏽', known).text).toBe('thumbs up: medium skin tone');
    expect(readPrompt('❤️', known).text).toBe('red heart');
    expect(readPrompt('❤', known).text).toBe('red heart');
    expect(readPrompt('🇫🇷', known).text).toBe('flag: france');
    expect(readPrompt('1️⃣', known).text).toBe('keycap: 1');
    expect(readPrompt('👩‍🚀', known).text).toBe('woman astronaut');
    // plain digits and signs are not emoji
    expect(readPrompt('1 # *', known).text).toBe('1 # *');
  });

  it('flags words outside the training text, each once, and keeps the text as typed otherwise', () => {
    const r = readPrompt('Une pomme rouge, une POMME', known);
    expect(r.text).toBe('une pomme rouge, une pomme');
    expect(r.unknown).toEqual(['une', 'pomme']); // "rouge" is in the lexicon (lip rouge)
    expect(readPrompt('a red apple', known).unknown).toEqual([]);
    // a pictograph without a name (unassigned here) is new too (it stays in the text: the model reads its bytes)
    expect(readPrompt('a \u{1FC00}', known)).toMatchObject({ text: 'a \u{1FC00}', unknown: ['\u{1FC00}'] });
  });

  it('every example prompt reads as typed, with no new words', () => {
    for (const { prompt } of examples.examples) expect(readPrompt(prompt, known)).toEqual({ text: prompt, emoji: [], unknown: [] });
  });

  it('an emoji costs fewer tokens as its name than as bytes', () => {
    const tok = new Tokenizer(JSON.parse(file('tokenizer.json').toString('utf8')));
    expect(tok.encode(' ' + readPrompt('🍕', known).text).length).toBeLessThan(tok.encode(' 🍕').length);
  });

  it('splits words as the Python exporter does', () => {
    // training/tests/test_known_words.py test_word_split_matches_the_page: the same string, the same words
    expect(wordsOf(readPrompt("Une  POMME, rouge! i'd like 2D café_au_lait for kids'", known).text)).toEqual(['une', 'pomme', 'rouge', "i'd", 'like', '2d', 'café', 'au', 'lait', 'for', 'kids']);
  });
});
