// The tone editor's rule (manifest mllm.tone_edit, workers/mllm/tone-edit.ts): which edits it draws, the code it is
// fed, and the manifest's checks. Python's verdicts come from golden/tone_rule.json (training/golden_tone_rule.py:
// training/tone_editor.py names_tone, plan_tone, routed and tone_onehot, and restyle's names_style, over the
// training's own edit instructions and a few edge cases), never copied here. The drawing itself is tested in
// tests/tone-editor.test.ts (the model) and tests/engine-tone-edit.test.ts (the generator and the engine).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadManifest } from './models';
import { toneEditorModel, validateManifest, type Manifest, type ToneEditSpec } from '../workers/lib/manifest';
import { namesTone, planToneCode, planTones, toneCode, toneEditAsked } from '../workers/mllm/tone-edit';

const golden = JSON.parse(readFileSync(resolve(import.meta.dirname, '../golden/tone_rule.json'), 'utf8')) as {
  tones: string[];
  words: string[];
  style_words: string[];
  instructions: Record<string, { names_tone: boolean; names_style: boolean }>;
  plans: Record<string, { plan_tone: string | null; one: boolean; all: boolean; code: number[] | null }>;
};
const shipped = loadManifest();
const plan = shipped.mllm!.plan!;
const rule = (route: ToneEditSpec['route'] = 'one'): ToneEditSpec => ({ model: 'tone_editor', tones: golden.tones, words: golden.words, route });
const mllm = (route: ToneEditSpec['route'] = 'one') => ({ tone_edit: rule(route), restyle: { words: golden.style_words, weights: [0, 0, 0, 0, 0] } });

describe('namesTone / toneEditAsked: a tone word as whole words, no style word, as eval_mllm decides', () => {
  const cases = Object.entries(golden.instructions);
  it("the golden holds the training's tone, style and other edits, each verdict among them", () => {
    expect(cases.length).toBeGreaterThan(300);
    for (const k of ['names_tone', 'names_style'] as const) expect(new Set(cases.map(([, v]) => v[k])), k).toEqual(new Set([true, false]));
    // a tone asked with a style too, which restyle draws
    expect(cases.some(([, v]) => v.names_tone && v.names_style)).toBe(true);
  });
  it('agrees with Python on every instruction', () => {
    for (const [text, v] of cases) {
      expect(namesTone(text, rule()), JSON.stringify(text)).toBe(v.names_tone);
      // the editor's only where the instruction asks for a tone and names no style (a style edit is restyle's)
      expect(toneEditAsked(text, mllm()) !== null, JSON.stringify(text)).toBe(v.names_tone && !v.names_style);
    }
  });
  it('without mllm.restyle a style word does not hold the editor back (eval_mllm filters by restyle only where it restyles)', () => {
    const both = cases.find(([, v]) => v.names_tone && v.names_style)![0];
    expect(toneEditAsked(both, mllm())).toBeNull();
    expect(toneEditAsked(both, { tone_edit: rule() })).toEqual(rule());
  });
  it('never without the rule', () => {
    for (const [text] of cases) {
      expect(toneEditAsked(text, { restyle: mllm().restyle }), text).toBeNull();
      expect(toneEditAsked(text, null)).toBeNull();
    }
  });
  it('reads the words it is given, not a list of its own', () => {
    expect(namesTone('make it purple', rule())).toBe(false);
    expect(namesTone('make it purple', { words: ['purple'] })).toBe(true);
  });
});

describe("planTones / planToneCode: the plan's tone, routed, and the code it is drawn with", () => {
  const plans = Object.entries(golden.plans);
  it('agrees with Python on every plan: its tone, both routes, the code', () => {
    expect(plans.some(([, v]) => v.plan_tone === 'none' && v.one), '"none" is a tone the editor draws').toBe(true);
    expect(plans.some(([, v]) => v.all && !v.one), 'two people: only route "all"').toBe(true);
    expect(plans.some(([, v]) => !v.all), 'a plan the editor never draws').toBe(true);
    for (const [text, v] of plans) {
      expect(planTones(rule(), plan, text)?.join(',') ?? null, text).toBe(v.plan_tone);
      for (const route of ['one', 'all'] as const) {
        const code = planToneCode(rule(route), plan, text);
        expect(code !== null, `${text} (${route})`).toBe(v[route]);
        if (code) expect(Array.from(code), text).toEqual(v.code);
      }
    }
  });
  it("one person's tone is in both halves; two people's are the first's then the second's", () => {
    const n = golden.tones.length;
    const dark = Array.from(toneCode(rule(), ['dark']));
    expect(dark.length).toBe(2 * n);
    expect([dark.indexOf(1), dark.lastIndexOf(1), dark.reduce((a, b) => a + b)]).toEqual([golden.tones.indexOf('dark'), n + golden.tones.indexOf('dark'), 2]);
    const two = Array.from(toneCode(rule(), ['light', 'dark']));
    expect([two.indexOf(1), two.lastIndexOf(1)]).toEqual([golden.tones.indexOf('light'), n + golden.tones.indexOf('dark')]);
  });
  it('refuses a tone it does not know and a count of people it cannot code, naming them', () => {
    expect(() => toneCode(rule(), ['purple'])).toThrow(/"purple" is not one of the tone editor's tones/);
    expect(() => toneCode(rule(), [])).toThrow(/one or two people's tones, got 0/);
    expect(() => toneCode(rule(), ['light', 'dark', 'medium'])).toThrow(/got 3/);
  });
});

describe('manifest mllm.tone_edit', () => {
  const C = shipped.feature_dim;
  const T = shipped.scales[0].tokens;
  const editor = (inputs?: unknown, outputs?: unknown) => ({
    role: 'tone_editor',
    variants: [{ dtype: 'float32', file: 'tone_editor.onnx', requires: [], bytes: 1000, sha256: 'a'.repeat(64) }],
    inputs: inputs ?? [{ name: 'f0', shape: ['batch', T, C], dtype: 'float32' }, { name: 'tone', shape: ['batch', 12], dtype: 'float32' }],
    outputs: outputs ?? [{ name: 'edited', shape: ['batch', T, C], dtype: 'float32' }],
  });
  const withToneEdit = (t: unknown, change?: (m: Manifest) => void): Manifest => {
    const m = structuredClone(shipped) as Manifest;
    m.models.tone_editor = editor() as unknown as Manifest['models'][string];
    (m.mllm as unknown as Record<string, unknown>).tone_edit = t;
    change?.(m);
    return m;
  };
  it('takes a tone editor with f0 and two people\'s codes in, f0 out; toneEditorModel reads it back', () => {
    const m = validateManifest(withToneEdit(rule()));
    expect(toneEditorModel(m)).toMatchObject({ name: 'tone_editor', rule: rule() });
    const without = structuredClone(shipped) as Manifest;
    delete without.mllm!.tone_edit;
    expect(toneEditorModel(validateManifest(without))).toBeNull();
  });
  it.each([
    ['an unknown route', { ...rule(), route: 'some' }, undefined, /route "some" unknown/],
    ['no words', { ...rule(), words: [] }, undefined, /words must be non-empty strings/],
    ['tones twice', { ...rule(), tones: ['none', 'dark', 'dark', 'light', 'medium', 'medium-dark'] }, undefined, /tones must be distinct/],
    ['a model that is not one', { ...rule(), model: 'encoder' }, undefined, /"encoder" is not a model with role "tone_editor"/],
    ['a model the manifest lacks', { ...rule(), model: 'nowhere' }, undefined, /"nowhere" is not a model with role "tone_editor"/],
    ['a code of another size', { ...rule(), tones: ['none', 'dark'] }, undefined, /tone_editor: its inputs must be .*"tone",\[4\]/],
    ['an editor of another grid', rule(), (m: Manifest) => (m.models.tone_editor = editor([{ name: 'f0', shape: ['batch', 64, C], dtype: 'float32' }, { name: 'tone', shape: ['batch', 12], dtype: 'float32' }]) as unknown as Manifest['models'][string]), /its inputs must be/],
    ['an editor of another output', rule(), (m: Manifest) => (m.models.tone_editor = editor(undefined, [{ name: 'out', shape: ['batch', T, C], dtype: 'float32' }]) as unknown as Manifest['models'][string]), /its output must be \[\["edited"/],
    // (the pick and restyle need the plan too: without them the tone edit is what asks for it)
    ['a model without a plan', rule(), (m: Manifest) => ['plan', 'pick', 'restyle'].forEach((k) => delete (m.mllm as unknown as Record<string, unknown>)[k]), /tone_edit needs a plan/],
  ])('refuses %s, naming it', (_, t, change, msg) => {
    expect(() => validateManifest(withToneEdit(t, change))).toThrow(msg);
  });
  it('the shipped manifest, where it has the rule, has the words and tones of the training', () => {
    const t = shipped.mllm!.tone_edit;
    if (!t) return expect(toneEditorModel(shipped)).toBeNull();
    expect({ words: t.words, tones: t.tones, route: t.route }).toEqual({ words: golden.words, tones: golden.tones, route: 'one' });
    expect(t.tones[0]).toBe(plan.tones[0]);
  });
});
