// The plan bar's line for a sketch drawn in the style its emoji was learned in (src/components/knownStyleWords.ts,
// PlanInfo.wroteStyle): it names both styles by the manifest's labels and says how to draw the written one anyway;
// a plan drawn as written gets no line.
import { describe, expect, it } from 'vitest';
import { knownStyleLine } from '../src/components/knownStyleWords';
import type { PlanSpec } from '../workers/lib/manifest';
import type { PlanInfo } from '../workers/mllm/plan';

const spec = {
  start: '<ans>', end: '[IMG]', separator: ' | ', fields: ['concept', 'style', 'tone'], max_tokens: 24,
  styles: { google: 'noto', twitter: 'twemoji' }, style_labels: { noto: 'Google style', twemoji: 'Twitter style' },
  tones: ['none', 'light'], tone_join: ' and ',
} as unknown as PlanSpec;
const plan = (style: string, wroteStyle?: string): PlanInfo => ({
  text: `alien monster | ${style} | none`, fields: { concept: 'alien monster', style, tone: 'none' }, source: 'picked', candidates: [], ...(wroteStyle ? { wroteStyle } : {}),
});

describe('knownStyleLine', () => {
  it('names the style drawn and the one written, by their labels', () => {
    const line = knownStyleLine(spec, plan('noto', 'twemoji'))!;
    expect(line).toBe('Drawn in Google style: the model wrote Twitter style, but it learned this emoji in Google style only. Pick Twitter style above to draw it that way anyway.');
  });
  it('no line for a plan drawn as written', () => {
    expect(knownStyleLine(spec, plan('noto'))).toBeNull();
    expect(knownStyleLine(spec, plan('noto', 'noto'))).toBeNull();
  });
});
