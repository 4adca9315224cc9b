// Restyle (manifest mllm.restyle, training/restyle.py): which instructions name a style, the plan's canonical
// phrasing a restyled edit's plan alone is drawn from, the manifest's checks, and how an edit is drawn and marked when
// the user keeps their design (the request's restyle: false). The generation itself is proved
// against PyTorch in workers/mllm/single-graph.test.ts (the fixture's restyled edit) and through the engine on the
// shipped models in engine-restyle.test.ts. The words and Python's verdicts come from the fixture's golden
// (training/golden_plan.py restyle_golden), never copied here.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadManifest } from './models';
import { validateManifest, ManifestError, type Manifest } from '../workers/lib/manifest';
import { canonicalPrompt, markRestyle, namesStyle, parsePlan, restyleChoice, restyledScales, type PlanInfo } from '../workers/mllm/plan';

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

describe('restyleChoice: how an edit is drawn, from the manifest rule and the request', () => {
  const order = shipped.mllm!.image_order;
  const rule = { words: WORDS, weights: [1, 1, 1, 0, 0] };
  const style = `draw it in ${WORDS[0]} style`;
  const all = { order, wanted: order };
  it('an instruction that names a style is drawn from its plan by the rule, unless asked not to', () => {
    expect(restyleChoice(style, rule, all)).toEqual({ planMix: [1, 1, 1, 0, 0] });
    expect(restyleChoice(style, rule, { ...all, restyle: true })).toEqual({ planMix: [1, 1, 1, 0, 0] });
    expect(restyleChoice(style, rule, { ...all, restyle: false })).toEqual({ keptStyle: true });
  });
  it('any other edit, or a model without the rule, is drawn as ever whatever the request says', () => {
    for (const restyle of [undefined, true, false]) {
      expect(restyleChoice('make it medium skin tone', rule, { ...all, restyle })).toEqual({});
      expect(restyleChoice(style, undefined, { ...all, restyle })).toEqual({});
      expect(restyleChoice(style, null, { ...all, restyle })).toEqual({});
    }
  });
  it('nothing is kept where the restyle would draw no wanted scale from the plan (it stops before f1)', () => {
    expect(restyleChoice(style, rule, { order, wanted: ['f4', 'f3'], restyle: false })).toEqual({});
    expect(restyleChoice(style, rule, { order, wanted: ['f4', 'f1'], restyle: false })).toEqual({ keptStyle: true });
  });
});

describe('markRestyle: what the plan info says about a style edit', () => {
  const order = ['f4', 'f3', 'f2', 'f1', 'f0'];
  const info: PlanInfo = { text: 'red apple | noto | none', fields: { concept: 'red apple', style: 'noto', tone: 'none' }, source: 'greedy', candidates: [] };
  it('a restyled edit names the scales generated from the plan (up to the finest wanted, weight not 1)', () => {
    expect(restyledScales(order, order, [1, 1, 1, 0, 0])).toEqual(['f1', 'f0']);
    expect(restyledScales(order, ['f4', 'f1'], [1, 1, 1, 0, 0])).toEqual(['f1']);
    expect(restyledScales(order, ['f3'], [0.5, 0, 1, 0, 0])).toEqual(['f4', 'f3']);
    expect(markRestyle(info, order, order, [0, 0, 0, 0, 0]).restyled).toEqual({ fromPlan: order });
  });
  it('a kept edit is marked kept with nothing from the plan; a plain edit is left as it was', () => {
    expect(markRestyle(info, order, order, undefined, true)).toEqual({ ...info, restyled: { fromPlan: [], kept: true } });
    expect(markRestyle(info, order, order)).toBe(info);
    expect(markRestyle(info, order, order, undefined, false)).toBe(info);
    expect(info.restyled, 'the plan info given is not changed').toBeUndefined();
  });
  it('refuses an edit both restyled and kept', () => {
    expect(() => markRestyle(info, order, order, [0, 0, 0, 0, 0], true)).toThrow(/either restyled/);
  });
});
