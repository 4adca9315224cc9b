// An inpaint mask in the model's input space: one value per model pixel, 1 where the model fills
// in (the hole). The engine reads a request's mask with holeMask (workers/engine/tasks/conditional.ts),
// and the page's history stores what holeMask read, so that a mask put back (maskImage, drawn on the
// canvas) gives the engine the very same hole. Pure, no DOM.
import { bytesFromBase64 } from './base64';
import { resizeArea, type RGBAImage } from './image';

/** A mask image (any size, RGBA) -> the hole at the model's size: a model pixel whose area-averaged
 * red and alpha are both above half is in it. */
export function holeMask(mask: RGBAImage, size: number): Uint8Array {
  const small = resizeArea(mask, size);
  const out = new Uint8Array(size * size);
  for (let i = 0; i < out.length; i++) out[i] = small.data[i * 4] > 127 && small.data[i * 4 + 3] > 127 ? 1 : 0;
  return out;
}

/**
 * A hole (side x side, 1 = hole) as a mask image of `out` x `out`: the hole opaque red, the rest
 * transparent, each model pixel a nearest-neighbour block. When `out` is a multiple of `side`
 * every block is whole, so holeMask(maskImage(hole, side, out), side) is `hole` again.
 */
export function maskImage(hole: Uint8Array, side: number, out = side): RGBAImage {
  const data = new Uint8ClampedArray(out * out * 4);
  for (let y = 0; y < out; y++) {
    const row = Math.floor((y * side) / out) * side;
    for (let x = 0; x < out; x++) if (hole[row + Math.floor((x * side) / out)]) data.set([255, 0, 0, 255], (y * out + x) * 4);
  }
  return { width: out, height: out, data };
}

/** The hole as bits, 8 model pixels a byte (most significant first), base64: 512 bytes for 64x64. */
export function packHole(hole: Uint8Array): string {
  const bytes = new Uint8Array(Math.ceil(hole.length / 8));
  for (let i = 0; i < hole.length; i++) if (hole[i]) bytes[i >> 3] |= 0x80 >> (i & 7);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** packHole's bits back to a side x side hole; null when they are not that (cut, not base64, another size). */
export function unpackHole(b64: string, side: number): Uint8Array | null {
  if (!Number.isInteger(side) || side < 1 || side > 256) return null;
  let bytes: Uint8Array;
  try {
    bytes = bytesFromBase64(b64);
  } catch {
    return null;
  }
  const n = side * side;
  if (bytes.length !== Math.ceil(n / 8)) return null;
  const hole = new Uint8Array(n);
  for (let i = 0; i < n; i++) hole[i] = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
  return hole;
}
