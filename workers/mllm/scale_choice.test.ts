import { describe, expect, it } from 'vitest';
import { recommendScale, scoreCond, scoreT2I } from './scale_choice';

const C = 2;
const pyr = (v: number) => ({
  f4: Float32Array.from([v, 1]),
  f3: new Float32Array(4 * C).fill(v),
  f2: new Float32Array(16 * C).fill(1),
  f1: new Float32Array(64 * C).fill(1),
  f0: new Float32Array(256 * C).fill(1),
});

describe('scale choice', () => {
  it('scores identical pyramids 1 and picks the best', () => {
    expect(scoreT2I(pyr(1), pyr(1))).toBeCloseTo(1, 6);
    expect(scoreCond(pyr(1), pyr(1), C)).toBeCloseTo(1, 6);
    expect(scoreT2I(pyr(-1), pyr(1))).toBeCloseTo(0, 6);
    expect(recommendScale({ f0: 0.2, f1: 0.9, f4: 0.5 })).toBe('f1');
  });
  it('rejects mismatched inputs', () => {
    expect(() => scoreCond({ f0: new Float32Array(3) }, pyr(1), C)).toThrow(/f0/);
    expect(() => recommendScale({})).toThrow();
  });
});
