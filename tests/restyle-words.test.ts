// The plan bar's words for a style edit (src/components/restyleWords.ts): the restyle line says "the whole drawing"
// when every scale drawn is from the plan and lists the scales otherwise; a kept edit has its own line; an edit with
// neither mark gets no line; a tone edit the tone editor drew says so.
import { describe, expect, it } from 'vitest';
import { keptLine, restyledLine, restyledPart, toneEditedLine } from '../src/components/restyleWords';

const ALL = ['f4', 'f3', 'f2', 'f1', 'f0'];

describe('restyledPart / restyledLine', () => {
  it('every scale drawn from the plan reads as the whole drawing, not a list', () => {
    expect(restyledPart(ALL, ALL)).toEqual({ words: 'the whole drawing', plural: false });
    const line = restyledLine({ fromPlan: ALL }, ALL)!;
    expect(line).toContain('so the whole drawing is drawn from this plan');
    expect(line).not.toContain('f4');
    // a run that drew fewer scales, all of them from the plan, is whole too
    expect(restyledPart(ALL, ['f1', 'f0']).words).toBe('the whole drawing');
  });
  it('some scales from the plan are listed, with the verb agreeing', () => {
    expect(restyledLine({ fromPlan: ['f1', 'f0'] }, ALL)).toContain('so f1, f0 are drawn from this plan');
    expect(restyledLine({ fromPlan: ['f0'] }, ALL)).toContain('so f0 is drawn from this plan');
    // with nothing known of what was drawn, the scales are named
    expect(restyledPart(ALL, []).words).toBe(ALL.join(', '));
  });
  it('no restyle line for a kept edit, a plain edit, or nothing drawn from the plan', () => {
    expect(restyledLine({ fromPlan: [], kept: true }, ALL)).toBeNull();
    expect(restyledLine(undefined, ALL)).toBeNull();
    expect(restyledLine({ fromPlan: [] }, ALL)).toBeNull();
  });
});

describe('keptLine', () => {
  it('only a kept edit says its design was kept', () => {
    expect(keptLine({ fromPlan: [], kept: true })).toMatch(/^Kept your design: .*traced over your image/);
    expect(keptLine({ fromPlan: ['f0'] })).toBeNull();
    expect(keptLine(undefined)).toBeNull();
  });
});

describe('toneEditedLine', () => {
  it('only an edit the tone editor drew says so', () => {
    expect(toneEditedLine({ toneEdited: true })).toMatch(/^Tone editor: .*redrawn at this plan's tone by the tone editor, not drawn by the language model/);
    expect(toneEditedLine({})).toBeNull();
  });
});
