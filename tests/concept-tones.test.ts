// src/conceptTones.ts on the served word list (public/models/words.json): which emoji take a
// skin tone, what the page knows of a source image's concept, and when the Edit tab's tone
// suggestions are off or a typed tone request is warned about. The model learned tone edits only
// on emoji with tone variants; a tone edit of a smiley gives a brown blob. A trained concept's
// tones are the training data's (words.json concepts/toned), an untrained emoji's CLDR's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asksForSkinTone, conceptChar, emojiGlyph, markToneChips, resolveConcept, sourceTones, toneChipsOff, toneFacts, tonePickerOff, toneRequestWarning } from '../src/conceptTones';
import { parseWords, readPrompt, WordsError } from '../src/newcomer/promptWords';
import type { Sample } from '../src/samples';
import { taskInfo } from '../workers/engine/task-info';
import type { MllmGenerator } from '../workers/mllm/generate';
import { loadManifest, readJson } from './models';

const known = parseWords(readJson('words.json'));
const facts = toneFacts(known);
const samples = JSON.parse(readFileSync(new URL('../public/samples/samples.json', import.meta.url), 'utf8')).samples as Sample[];
// the Edit tab's suggestions, as the engine builds them from the shipped manifest
const instructions = taskInfo(loadManifest(), {} as MllmGenerator).instructions;
/** an emoji with the medium skin-tone modifier after its first code point, as CLDR lists it */
const medium = (char: string) => [...char][0] + '🏽' + [...char].slice(1).join('');
const takes = (char: string) => sourceTones({ name: '', code: [...char].map((c) => c.codePointAt(0)!.toString(16)).join('-'), from: 'sample' }, facts).takes;

describe('which concepts take a skin tone (the served word list)', () => {
  it('an emoji with tone variants in the list takes one; one without does not', () => {
    for (const c of ['👋', '👍', '☝', '🧑‍🤝‍🧑', '👩‍🚀']) expect(takes(c), c).toBe(true);
    for (const c of ['😀', '☕', '🍎', '❤', '🐒']) expect(takes(c), c).toBe(false);
    // the modifiers are listed as emoji of their own ("light skin tone"), not as a concept
    expect(facts.toned.has('')).toBe(false);
    expect(takes('🏽')).toBe(false);
  });

  it('a trained concept takes a tone only when the training data has its tones, whatever CLDR lists', () => {
    // wrestlers and people with bunny ears: CLDR variants, none in the training art
    for (const c of ['🤼', '🤼‍♂', '🤼‍♀', '👯', '👯‍♂', '👯‍♀']) {
      expect(known.emoji.has(medium(c)), `${c}: CLDR lists a tone`).toBe(true);
      expect(facts.trained.has(c), c).toBe(true);
      expect(takes(c), c).toBe(false);
    }
    // every trained concept: exactly the training data's answer
    expect(facts.trained.size).toBeGreaterThan(1000);
    for (const c of facts.trained) expect(takes(c), c).toBe(known.toned.has(c));
    expect(known.toned.size).toBeGreaterThan(100);
  });

  it('an emoji never trained on falls back to CLDR’s variants (a held-out child takes one)', () => {
    expect(facts.trained.has('🧒')).toBe(false);
    expect(takes('🧒')).toBe(true);
    expect(facts.trained.has('🐒')).toBe(false);
    expect(takes('🐒')).toBe(false);
  });

  it('derives only from the list given: training facts for trained concepts, CLDR variants for the rest', () => {
    const f = toneFacts(
      parseWords({
        format: 1,
        words: '',
        emoji: { '👋': 'waving hand', '👋🏽': 'waving hand: medium skin tone', '☕': 'hot beverage', '🏽': 'medium skin tone', '🤝🏻': 'handshake: light skin tone', '🤼': 'people wrestling', '🤼🏽': 'people wrestling: medium skin tone', '😄': 'beaming face with smiling eyes', '😁': 'grinning face' },
        concepts: { '🤼': 'wrestlers', '👋': 'waving hand sign', '😁': 'grinning face with smiling eyes', '🤵': 'man in tuxedo', '🤵‍♂': 'man in tuxedo' },
        toned: '👋 🤵‍♂',
      }),
    );
    expect([...f.toned].sort()).toEqual(['👋', '🤝', '🤵‍♂'].sort());
    expect(f.byName.get('waving hand')).toBe('👋');
    expect(f.byName.get('waving hand sign')).toBe('👋');
    expect(f.byName.get('wrestlers')).toBe('🤼');
    expect(f.byName.get('people wrestling')).toBe('🤼');
    // a training name that is another emoji's CLDR name: the plan means the trained one
    expect(f.byName.get('grinning face with smiling eyes')).toBe('😁');
    // two trained concepts of one name: the one with tones
    expect(f.byName.get('man in tuxedo')).toBe('🤵‍♂');
    expect(f.byName.has('waving hand: medium skin tone'), 'a toned name is no concept name').toBe(false);
    // a list written before concepts were listed: CLDR alone
    const old = toneFacts(parseWords({ format: 1, words: '', emoji: { '🤼': 'people wrestling', '🤼🏽': 'people wrestling: medium skin tone' } }));
    expect([...old.toned]).toEqual(['🤼']);
    expect(() => parseWords({ format: 1, words: '', emoji: {}, toned: ['👋'] })).toThrow(WordsError);
  });

  it('every shipped sample is a concept never trained on and resolves by its code; the toned one keeps its tone edits', () => {
    expect(samples.length).toBeGreaterThan(1);
    const toned = samples.filter((s) => s.concept && known.emoji.has(medium(conceptChar(s.concept))));
    expect(toned.map((s) => s.name)).toEqual(['woman raising hand']);
    for (const s of samples) {
      expect(facts.trained.has(conceptChar(s.concept!)), `${s.name} is held out`).toBe(false);
      const v = sourceTones({ name: s.name, code: s.concept, from: 'sample' }, facts);
      if (toned.includes(s)) {
        expect(v, s.name).toMatchObject({ takes: true });
        expect(toneChipsOff(v), s.name).toBeNull();
      } else {
        expect(v, s.name).toMatchObject({ takes: false });
        expect(toneChipsOff(v), s.name).toContain(`${s.name} has no skin tones`);
      }
    }
  });
});

describe('resolving a known concept', () => {
  it('a sample code, with or without U+FE0F; a ZWJ sequence', () => {
    expect(conceptChar('2764-FE0F')).toBe('❤');
    expect(conceptChar('1F469-200D-1F680')).toBe('👩‍🚀');
    expect(resolveConcept({ name: 'x', code: '2764-FE0F', from: 'sample' }, facts)).toBe('❤');
  });

  it('a plan’s name, as training wrote it (what a plan writes) or as CLDR does, in any case', () => {
    expect(resolveConcept({ name: 'Hot  Beverage', from: 'read' }, facts)).toBe('☕');
    expect(resolveConcept({ name: 'waving hand', from: 'drawn' }, facts)).toBe('👋');
    // emoji-datasource names that are no CLDR names
    expect(resolveConcept({ name: 'waving hand sign', from: 'read' }, facts)).toBe('👋');
    expect(resolveConcept({ name: 'thumbs up sign', from: 'drawn' }, facts)).toBe('👍');
    expect(sourceTones({ name: 'wrestlers', from: 'read' }, facts)).toMatchObject({ takes: false, char: '🤼' });
    expect(sourceTones({ name: 'smiling face with open mouth', from: 'read' }, facts)).toMatchObject({ takes: false, char: '😃' });
    expect(sourceTones({ name: 'happy person raising one hand', from: 'read' }, facts)).toMatchObject({ takes: true, char: '🙋' });
    // a training name that is another emoji's CLDR name (😄 "beaming face with smiling eyes")
    expect(resolveConcept({ name: 'grinning face with smiling eyes', from: 'read' }, facts)).toBe('😁');
    expect(sourceTones({ name: 'no such emoji', from: 'read' }, facts)).toEqual({ takes: null });
    // a held-out concept's emoji-datasource name: training never wrote it, CLDR does not either
    expect(resolveConcept({ name: 'smiling face with open mouth and smiling eyes', from: 'read' }, facts)).toBeNull();
  });

  it('every trained concept’s name, as a plan writes it, resolves to a concept of that name', () => {
    let n = 0;
    for (const [char, name] of known.concepts) {
      const got = resolveConcept({ name, from: 'read' }, facts);
      expect(known.concepts.get(got ?? ''), `${name} ${char}`).toBe(name);
      n++;
    }
    expect(n).toBe(facts.trained.size);
    expect(n).toBeGreaterThan(1000);
  });

  it('nothing is known without a concept or before the word list loads', () => {
    expect(sourceTones(undefined, facts)).toEqual({ takes: null });
    expect(sourceTones({ name: 'hot beverage', from: 'read' }, null)).toEqual({ takes: null });
  });

  it('a text-default emoji is shown with U+FE0F after its first code point', () => {
    expect(emojiGlyph('❤')).toBe('❤\uFE0F');
    expect(emojiGlyph('1\u20E3')).toBe('1\uFE0F\u20E3');
    expect(emojiGlyph('☕')).toBe('☕');
    expect(emojiGlyph('👩‍🚀')).toBe('👩‍🚀');
  });
});

describe('the Edit tab’s tone suggestions', () => {
  const coffee = sourceTones({ name: 'hot beverage', code: '2615', from: 'sample' }, facts);
  const readCoffee = sourceTones({ name: 'hot beverage', from: 'read' }, facts);
  const hand = sourceTones({ name: 'waving hand', from: 'read' }, facts);

  it('the shipped suggestions have tone and style kinds', () => {
    expect(instructions.filter((c) => c.kind === 'tone').length).toBeGreaterThan(1);
    expect(instructions.some((c) => c.kind === 'style')).toBe(true);
  });

  it('are off, with the reason, for a concept without tones; offered when it takes one or is unknown', () => {
    expect(toneChipsOff(coffee)).toBe('☕ hot beverage has no skin tones: the model learned skin-tone edits only on emoji that have them.');
    // the model's reading may be wrong: the user is told how to try anyway
    expect(toneChipsOff(readCoffee)).toMatch(/^The model read this image as ☕ hot beverage, which has no skin tones: .*Type an instruction to try one anyway\.$/);
    expect(toneChipsOff(sourceTones({ name: 'hot beverage', from: 'drawn' }, facts))).toMatch(/^This image was drawn as ☕ hot beverage/);
    expect(toneChipsOff(hand)).toBeNull();
    expect(toneChipsOff({ takes: null })).toBeNull();
  });

  it('marks only the tone suggestions unavailable, each with the reason', () => {
    const why = toneChipsOff(coffee);
    const marked = markToneChips(instructions, why);
    expect(marked.filter((c) => c.unavailable).map((c) => c.text)).toEqual(instructions.filter((c) => c.kind === 'tone').map((c) => c.text));
    expect(marked.filter((c) => c.kind === 'tone').every((c) => c.unavailable === why)).toBe(true);
    expect(marked.filter((c) => c.kind === 'style').some((c) => c.unavailable)).toBe(false);
    expect(markToneChips(instructions, null)).toEqual(instructions);
  });

  it('the text-to-image tone picker says why its other tones are off', () => {
    expect(tonePickerOff(sourceTones({ name: 'red apple', from: 'drawn' }, facts))).toBe('🍎 red apple has no skin tones: the model learned tones only on emoji that have them.');
    expect(tonePickerOff(sourceTones({ name: 'thumbs up', from: 'drawn' }, facts))).toBeNull();
  });
});

describe('a typed instruction that asks for a skin tone', () => {
  const asks = (raw: string) => asksForSkinTone(readPrompt(raw, known).text, instructions);

  it('every tone suggestion, and other wordings with the words they all share', () => {
    for (const c of instructions.filter((c) => c.kind === 'tone')) expect(asks(c.text), c.text).toBe(true);
    for (const t of ['Make it DARK skin tone', 'can it be medium skinned', 'change the skin tone to light', 'reset the skin tone']) expect(asks(t), t).toBe(true);
    // a typed toned emoji reads as its name ("waving hand: medium skin tone")
    expect(asks('like 👋🏽')).toBe(true);
  });

  it('not a style edit, other edits, or nothing', () => {
    for (const c of instructions.filter((c) => c.kind === 'style')) expect(asks(c.text), c.text).toBe(false);
    for (const t of ['make it blue', 'make it darker', '', '   ']) expect(asks(t), t).toBe(false);
  });

  it('the cue words are the tone suggestions’ own, less any a style suggestion has', () => {
    const chips = [
      { text: 'make it light skin tone', kind: 'tone' },
      { text: 'make it dark skin tone', kind: 'tone' },
      { text: 'make it noto style', kind: 'style' },
    ];
    expect(asksForSkinTone('make it blue', chips), '"make it" is shared with a style edit').toBe(false);
    expect(asksForSkinTone('a darker tone please', chips)).toBe(true);
    expect(asksForSkinTone('make it dark skin tone', [])).toBe(false);
  });

  it('is warned about only for a concept known to have no tones', () => {
    const coffee = sourceTones({ name: 'hot beverage', code: '2615', from: 'sample' }, facts);
    expect(toneRequestWarning(coffee, true)).toMatch(/^This asks for a skin tone, but ☕ hot beverage has no skin tones: .*brown blob/);
    expect(toneRequestWarning(coffee, false)).toBeNull();
    expect(toneRequestWarning(sourceTones({ name: 'waving hand', from: 'read' }, facts), true)).toBeNull();
    expect(toneRequestWarning({ takes: null }, true)).toBeNull();
  });
});
