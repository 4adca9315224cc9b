// Restyle (manifest mllm.restyle, training/restyle.py): which instructions name a style, the plan's canonical
// phrasing a restyled edit's plan alone is drawn from, and the manifest's checks. The generation itself is proved
// against PyTorch in workers/mllm/single-graph.test.ts (the fixture's restyled edit) and through the engine on the
// shipped models in engine-restyle.test.ts. The words and Python's verdicts come from the fixture's golden
// (training/golden_plan.py restyle_golden), never copied here.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadManifest } from './models';
import { validateManifest, ManifestError, type Manifest } from '../workers/lib/manifest';
import { canonicalPrompt, namesStyle, parsePlan } from '../workers/mllm/plan';

const shipped = loadManifest();
const plan = shipped.mllm!.plan!;
const golden = JSON.parse(readFileSync(resolve(import.meta.dirname, '../workers/mllm/fixtures/single_scale/golden/mllm_single.json'), 'utf8')).plan.restyle as {
  words: string[];
  names_style: Record<string, boolean>;
};
const WORDS = golden.words;

describe('namesStyle: a style word or phrase as whole words, as training/restyle.py names_style decides', () => {
  it('agrees with Python on every golden instruction, both verdicts among them', () => {
    const cases = Object.entries(golden.names_style);
    expect(new Set(cases.map(([, v]) => v))).toEqual(new Set([true, false]));
    for (const [text, named] of cases) expect(namesStyle(text, WORDS), JSON.stringify(text)).toBe(named);
  });
  it('reads the words it is given, not a list of its own', () => {
    expect(namesStyle('make it fluent style', WORDS)).toBe(false);
    expect(namesStyle('make it fluent style', ['fluent'])).toBe(true);
  });
});

describe("canonicalPrompt: the plan's fields in the training's canonical phrasing", () => {
  it('the shipped plan spec carries the pieces, and the phrasing is the training one', () => {
    expect(plan.canonical_prompt).toEqual({ concept: '{concept} emoji', style: ' in {style} style', tone: ' with {tone} skin tone' });
    expect(canonicalPrompt(plan, parsePlan(plan, 'red apple | noto | none'))).toBe('red apple emoji in noto style');
    expect(canonicalPrompt(plan, parsePlan(plan, 'thumbs up | twemoji | medium and dark'))).toBe('thumbs up emoji in twemoji style with medium and dark skin tone');
    expect(canonicalPrompt(plan, parsePlan(plan, 'red apple'))).toBe('red apple emoji');
  });
  it('refuses a plan spec without the pieces', () => {
    const { canonical_prompt: _, ...bare } = plan;
    expect(() => canonicalPrompt(bare, parsePlan(plan, 'red apple | noto | none'))).toThrow(/canonical_prompt/);
  });
});

describe('manifest mllm.restyle', () => {
  const withRestyle = (restyle: unknown, change?: (m: Manifest) => void): Manifest => {
    const m = structuredClone(shipped) as Manifest;
    (m.mllm as unknown as Record<string, unknown>).restyle = restyle;
    change?.(m);
    return m;
  };
  it('takes words and one weight per scale', () => {
    expect(validateManifest(withRestyle({ words: WORDS, weights: [1, 1, 1, 0, 0] })).mllm!.restyle!.weights).toEqual([1, 1, 1, 0, 0]);
  });
  it.each([
    ['weights of the wrong length', { words: WORDS, weights: [1, 0] }, undefined, /one per scale/],
    ['a weight that is not a number', { words: WORDS, weights: [1, 1, 1, 0, 'x'] }, undefined, /one per scale/],
    ['no words', { words: [], weights: [1, 1, 1, 0, 0] }, undefined, /words/],
    ['no canonical phrasing', { words: WORDS, weights: [1, 1, 1, 0, 0] }, (m: Manifest) => delete m.mllm!.plan!.canonical_prompt, /canonical_prompt/],
  ])('refuses %s', (_, restyle, change, why) => {
    expect(() => validateManifest(withRestyle(restyle, change))).toThrow(ManifestError);
    expect(() => validateManifest(withRestyle(restyle, change))).toThrow(why);
  });
});
