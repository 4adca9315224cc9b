import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '../workers/lib/rng';
import { psnr } from '../workers/lib/metrics';
import type { RGBAImage } from '../workers/lib/image';

describe('seeded rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect([...gaussian(100, 7)]).toEqual([...gaussian(100, 7)]);
    expect([...gaussian(100, 7)]).not.toEqual([...gaussian(100, 8)]);
    const a = mulberry32(1);
    const vals = Array.from({ length: 1000 }, a);
    expect(Math.min(...vals)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...vals)).toBeLessThan(1);
  });

  it('gives standard normal statistics', () => {
    const g = gaussian(200_001, 42); // odd length exercises the tail
    let m = 0;
    for (const v of g) m += v;
    m /= g.length;
    let v2 = 0;
    for (const v of g) v2 += (v - m) ** 2;
    v2 /= g.length;
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(v2 - 1)).toBeLessThan(0.02);
    expect(g.every(Number.isFinite)).toBe(true);
  });
});

describe('psnr', () => {
  const img = (v: number): RGBAImage => ({ width: 2, height: 2, data: new Uint8ClampedArray(16).fill(v).map((x, i) => (i % 4 === 3 ? 255 : x)) });
  it('is infinite for identical images and matches the formula', () => {
    expect(psnr(img(10), img(10))).toBe(Infinity);
    // every channel off by 10 -> mse 100
    expect(psnr(img(10), img(20))).toBeCloseTo(10 * Math.log10((255 * 255) / 100), 6);
  });
  it('ignores alpha', () => {
    const a = img(10);
    const b = img(10);
    b.data[3] = 0;
    expect(psnr(a, b)).toBe(Infinity);
  });
});
