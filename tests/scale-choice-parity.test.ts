// workers/mllm/scale_choice.ts scoreAtLevels against training/eval_mllm.py level_cosines + choice_score (golden file
// from tests/make_scale_choice_golden.py): the page's scale choice scores a drawing as the evaluation does.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { scoreAtLevels } from '../workers/mllm/scale_choice';

const gold = JSON.parse(readFileSync(resolve(import.meta.dirname, 'fixtures/scale_choice_golden.json'), 'utf8')) as {
  C: number; order: string[]; tokens: Record<string, number>; generated: number[]; decoded: number[];
  scores: { levels: string[]; score: number[] }[];
};

/** item b's pyramid from the flat [B, 341, C] image-order array */
function pyramid(flat: number[], b: number): Record<string, Float32Array> {
  const n = gold.order.reduce((a, k) => a + gold.tokens[k], 0) * gold.C;
  const out: Record<string, Float32Array> = {};
  let off = b * n;
  for (const k of gold.order) {
    out[k] = Float32Array.from(flat.slice(off, off + gold.tokens[k] * gold.C));
    off += gold.tokens[k] * gold.C;
  }
  return out;
}

describe('scale choice parity with PyTorch', () => {
  it('scoreAtLevels reproduces choice_score over every golden level set', () => {
    expect(gold.scores.length).toBe(3);
    for (const { levels, score } of gold.scores) {
      score.forEach((want, b) => {
        expect(scoreAtLevels(pyramid(gold.decoded, b), pyramid(gold.generated, b), gold.C, levels), `${levels} item ${b}`).toBeCloseTo(want, 5);
      });
    }
  });
});
