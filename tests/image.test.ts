import { describe, expect, it } from 'vitest';
import { blankNCHW, compositeOnWhite, fromNCHW, prepareImage, resizeArea, toNCHW, type RGBAImage } from '../workers/lib/image';

function solid(w: number, h: number, rgba: [number, number, number, number]): RGBAImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set(rgba, i * 4);
  return { width: w, height: h, data };
}

describe('image processing', () => {
  it('composites transparency onto white', () => {
    const out = compositeOnWhite(solid(2, 2, [0, 0, 0, 0]));
    expect([...out.data.slice(0, 4)]).toEqual([255, 255, 255, 255]);
    const half = compositeOnWhite(solid(1, 1, [0, 100, 200, 128]));
    // 0*a + 255*(1-a) with a = 128/255
    expect(half.data[0]).toBe(Math.round(255 * (1 - 128 / 255)));
    expect(half.data[2]).toBe(Math.round(200 * (128 / 255) + 255 * (1 - 128 / 255)));
  });

  it('area-resizes exactly for integer factors', () => {
    const img: RGBAImage = { width: 2, height: 2, data: new Uint8ClampedArray([0, 0, 0, 255, 100, 0, 0, 255, 0, 200, 0, 255, 100, 200, 40, 255]) };
    const out = resizeArea(img, 1);
    expect([...out.data]).toEqual([50, 100, 10, 255]);
  });

  it('resizes any size to the model size, keeping a flat colour flat', () => {
    for (const [w, h] of [[1000, 1000], [65, 65], [13, 13], [300, 200]]) {
      const out = prepareImage(solid(w, h, [10, 20, 30, 255]), 64);
      expect(out.width).toBe(64);
      expect(out.height).toBe(64);
      for (let i = 0; i < out.data.length; i += 4) expect([...out.data.slice(i, i + 4)]).toEqual([10, 20, 30, 255]);
    }
  });

  it('maps pixels to NCHW [-1,1] and back without loss', () => {
    const img = solid(4, 4, [0, 128, 255, 255]);
    img.data[5] = 7; // pixel 1, green
    const x = toNCHW(img);
    expect(x.length).toBe(3 * 16);
    expect(x[0]).toBeCloseTo(-1);
    expect(x[16]).toBeCloseTo(128 / 127.5 - 1);
    expect(x[17]).toBeCloseTo(7 / 127.5 - 1); // channel-major: G plane, pixel 1
    expect(x[32]).toBeCloseTo(1);
    const back = fromNCHW(x, 4, 4);
    expect([...back.data]).toEqual([...img.data]);
  });

  it('clamps out-of-range model output', () => {
    const out = fromNCHW(new Float32Array([-3, 3, 0]), 1, 1);
    expect([...out.data]).toEqual([0, 255, 128, 255]);
  });

  it('blank image is all -1 (black)', () => {
    const b = blankNCHW(8);
    expect(b.length).toBe(192);
    expect(b.every((v) => v === -1)).toBe(true);
  });
});
