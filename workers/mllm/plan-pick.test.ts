// The plans a pick chooses among (workers/mllm/plan.ts pickPlans; training/caption_rerank.py plan_fix's rule) and the
// alternatives the page shows from the pick's ranked plans (conceptChoices). Pure functions: no model.
import { describe, expect, it } from 'vitest';
import { conceptChoices, parsePlan, pickPlans, type PlanSpec } from './plan';

const spec = { start: '<ans>', end: '[IMG]', separator: ' | ', fields: ['concept', 'style', 'tone'], max_tokens: 24,
  styles: { google: 'noto', twitter: 'twemoji' }, tones: ['none', 'light'] } as unknown as PlanSpec;
const names = ['red apple', 'cat face'];

describe('pickPlans', () => {
  it("each retrieved name with the greedy plan's style and tone, whether or not the pick keeps to the page's styles", () => {
    const greedy = { concept: 'dog', style: 'twemoji', tone: 'light' };
    for (const page of [false, true]) {
      expect(pickPlans(spec, greedy, names, page)).toEqual([
        { text: 'red apple | twemoji | light', name: 0 },
        { text: 'cat face | twemoji | light', name: 1 },
      ]);
    }
  });

  it("a greedy style the page does not offer: kept without page_styles, else each name with each page style", () => {
    const greedy = { concept: 'dog', style: 'fluent', tone: 'none' };
    expect(pickPlans(spec, greedy, names, false).map((x) => x.text)).toEqual(['red apple | fluent | none', 'cat face | fluent | none']);
    const both = pickPlans(spec, greedy, names, true);
    expect(both).toEqual([
      { text: 'red apple | noto | none', name: 0 },
      { text: 'red apple | twemoji | none', name: 0 },
      { text: 'cat face | noto | none', name: 1 },
      { text: 'cat face | twemoji | none', name: 1 },
    ]);
    // a greedy plan that wrote no style at all is not one of the page's either
    expect(pickPlans(spec, { concept: 'dog', style: '', tone: 'none' }, names, true)).toHaveLength(4);
  });
});

describe('conceptChoices', () => {
  it("one alternative a concept: its best plan's text and the share of all its plans, in the ranked order", () => {
    const ranked = [
      { text: 'cat face | noto | none', p: 0.4 },
      { text: 'red apple | twemoji | none', p: 0.3 },
      { text: 'cat face | twemoji | none', p: 0.2 },
      { text: 'red apple | noto | none', p: 0.1 },
    ];
    const got = conceptChoices(spec, ranked);
    expect(got.map((c) => [c.concept, c.text])).toEqual([['cat face', 'cat face | noto | none'], ['red apple', 'red apple | twemoji | none']]);
    expect(got[0].p).toBeCloseTo(0.6, 12);
    expect(got[1].p).toBeCloseTo(0.4, 12);
    expect(got.every((c) => parsePlan(spec, c.text).concept === c.concept)).toBe(true);
    // one plan a concept (no page styles): the ranked plans as they are
    expect(conceptChoices(spec, ranked.slice(0, 2))).toEqual(ranked.slice(0, 2).map(({ text, p }) => ({ concept: parsePlan(spec, text).concept, text, p })));
  });
});
