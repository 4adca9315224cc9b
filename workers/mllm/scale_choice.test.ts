import { describe, expect, it } from 'vitest';
import { recommendScale, scoreAtLevels } from './scale_choice';

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
    const all = ['f0', 'f1', 'f2', 'f3', 'f4'];
    expect(scoreAtLevels(pyr(1), pyr(1), C, ['f4'])).toBeCloseTo(1, 6);
    expect(scoreAtLevels(pyr(1), pyr(1), C, all)).toBeCloseTo(1, 6);
    expect(scoreAtLevels(pyr(-1), pyr(1), C, ['f4'])).toBeCloseTo(0, 6);
    // f3's four tokens reversed, the others equal: the mean over two levels halves it
    expect(scoreAtLevels(pyr(-1), pyr(1), C, ['f3'])).toBeCloseTo(-1, 6);
    expect(scoreAtLevels(pyr(-1), pyr(1), C, ['f3', 'f2'])).toBeCloseTo(0, 6);
    expect(recommendScale({ f0: 0.2, f1: 0.9, f4: 0.5 })).toBe('f1');
  });
  it('rejects mismatched inputs', () => {
    expect(() => scoreAtLevels({ f0: new Float32Array(3) }, pyr(1), C, ['f0'])).toThrow(/f0/);
    expect(() => scoreAtLevels(pyr(1), pyr(1), C, [])).toThrow();
    expect(() => recommendScale({})).toThrow();
  });
});
