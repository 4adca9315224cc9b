// An inpaint mask in the model's input space (workers/lib/mask.ts): the engine's reading of a
// painted mask, its bits as the history stores them, and the mask the canvas paints back from
// them, which the engine reads as the very same hole (so a run put back is given as it was).
import { describe, expect, it } from 'vitest';
import { holeMask, maskImage, packHole, unpackHole } from '../workers/lib/mask';
import type { RGBAImage } from '../workers/lib/image';

/** A 256x256 stroke layer as the canvas paints one: a soft-edged red disc, transparent elsewhere. */
function painted(cx: number, cy: number, r: number): RGBAImage {
  const W = 256;
  const data = new Uint8ClampedArray(W * W * 4);
  for (let y = 0; y < W; y++)
    for (let x = 0; x < W; x++) {
      const a = Math.max(0, Math.min(1, r - Math.hypot(x + 0.5 - cx, y + 0.5 - cy)));
      if (a > 0) data.set([255, 0, 0, Math.round(a * 255)], (y * W + x) * 4);
    }
  return { width: W, height: W, data };
}

describe('inpaint mask in the model space', () => {
  it("reads a painted layer as the hole: model pixels mostly painted red; a layer's other colours are not a hole", () => {
    const hole = holeMask(painted(128, 128, 40), 64);
    expect(hole.length).toBe(64 * 64);
    expect(hole[32 * 64 + 32]).toBe(1);
    expect(hole[0]).toBe(0);
    const n = hole.reduce((a, b) => a + b, 0);
    // a disc of radius 10 model pixels: about pi * 100 of them
    expect(n).toBeGreaterThan(290);
    expect(n).toBeLessThan(340);
    const blue = { width: 4, height: 4, data: new Uint8ClampedArray(64).map((_, i) => (i % 4 === 2 || i % 4 === 3 ? 255 : 0)) };
    expect(Array.from(holeMask(blue, 2))).toEqual([0, 0, 0, 0]);
  });

  it('the canvas painting the hole back (each model pixel a 4x4 block) gives the engine the same hole', () => {
    const hole = holeMask(painted(90, 150, 57), 64);
    const back = maskImage(hole, 64, 256);
    expect([back.width, back.height]).toEqual([256, 256]);
    // only opaque red or fully clear pixels: what a canvas's putImageData keeps exactly
    expect(back.data.filter((_, i) => i % 4 === 3 && back.data[i] !== 0 && back.data[i] !== 255).length).toBe(0);
    expect(Buffer.from(holeMask(back, 64)).equals(Buffer.from(hole))).toBe(true);
    expect(Buffer.from(holeMask(maskImage(hole, 64), 64)).equals(Buffer.from(hole))).toBe(true);
  });

  it('bits round trip: 512 bytes for 64x64; cut, foreign or another size read as null, never thrown', () => {
    const hole = holeMask(painted(100, 120, 70), 64);
    const bits = packHole(hole);
    expect(bits.length).toBe(684); // 512 bytes, base64
    expect(Buffer.from(unpackHole(bits, 64)!).equals(Buffer.from(hole))).toBe(true);
    // a side that does not fill its last byte
    const odd = Uint8Array.from({ length: 9 }, (_, i) => i % 2);
    expect(Array.from(unpackHole(packHole(odd), 3)!)).toEqual(Array.from(odd));
    for (const [b64, side] of [[bits.slice(0, 400), 64], [bits, 32], [bits, 65], ['%%%' + bits.slice(3), 64], ['', 64], [bits, 0], [bits, 1.5]] as const) {
      expect(() => unpackHole(b64, side)).not.toThrow();
      expect(unpackHole(b64, side)).toBeNull();
    }
  });
});
