// Image pre/post-processing between RGBA pixels (what canvases give) and the models' NCHW float
// tensors in [-1, 1]. Pure functions on typed arrays so they run in workers and in tests.

export interface RGBAImage {
  width: number;
  height: number;
  data: Uint8ClampedArray; // RGBA, row-major
}

/** Alpha-composites onto white (training does the same: transparent emoji background -> white). */
export function compositeOnWhite(img: RGBAImage): RGBAImage {
  const out = new Uint8ClampedArray(img.data.length);
  for (let i = 0; i < img.data.length; i += 4) pixelOnWhite(img.data, i, out, i);
  return { width: img.width, height: img.height, data: out };
}

/** The RGBA pixel of `src` at byte offset `s`, composited onto white, written opaque to `out` at `o`. */
export function pixelOnWhite(src: ArrayLike<number>, s: number, out: Uint8ClampedArray, o: number) {
  const a = src[s + 3] / 255;
  for (let k = 0; k < 3; k++) out[o + k] = src[s + k] * a + 255 * (1 - a);
  out[o + 3] = 255;
}

/**
 * Resizes by area averaging (box filter over the source footprint of each output pixel), which
 * is exact for integer downscales such as 128 -> 64 and behaves for any other ratio; upscales
 * degrade to nearest-neighbour-ish sampling, fine for tiny inputs.
 */
export function resizeArea(img: RGBAImage, size: number): RGBAImage {
  if (img.width === size && img.height === size) return { ...img, data: new Uint8ClampedArray(img.data) };
  const { width: W, height: H, data } = img;
  const out = new Uint8ClampedArray(size * size * 4);
  const sx = W / size;
  const sy = H / size;
  for (let oy = 0; oy < size; oy++) {
    const y0 = oy * sy;
    const y1 = Math.max(y0 + 1e-9, (oy + 1) * sy);
    for (let ox = 0; ox < size; ox++) {
      const x0 = ox * sx;
      const x1 = Math.max(x0 + 1e-9, (ox + 1) * sx);
      const acc = [0, 0, 0, 0];
      let wsum = 0;
      for (let y = Math.floor(y0); y < Math.min(H, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        if (wy <= 0) continue;
        for (let x = Math.floor(x0); x < Math.min(W, Math.ceil(x1)); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          if (wx <= 0) continue;
          const w = wx * wy;
          const p = (y * W + x) * 4;
          acc[0] += data[p] * w;
          acc[1] += data[p + 1] * w;
          acc[2] += data[p + 2] * w;
          acc[3] += data[p + 3] * w;
          wsum += w;
        }
      }
      const o = (oy * size + ox) * 4;
      for (let c = 0; c < 4; c++) out[o + c] = Math.round(acc[c] / wsum);
    }
  }
  return { width: size, height: size, data: out };
}

/** Any RGBA image -> the model's input: composite on white, resize to size x size. */
export function prepareImage(img: RGBAImage, size: number): RGBAImage {
  return resizeArea(compositeOnWhite(img), size);
}

/** RGBA (already size x size) -> NCHW float32 [1,3,H,W] with p / 127.5 - 1. */
export function toNCHW(img: RGBAImage): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[c * n + i] = img.data[i * 4 + c] / 127.5 - 1;
  }
  return out;
}

/** NCHW float [-1,1] (one image) -> opaque RGBA, clamped and rounded. */
export function fromNCHW(x: Float32Array, width: number, height: number, offset = 0): RGBAImage {
  const n = width * height;
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = Math.round((x[offset + c * n + i] + 1) * 127.5);
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** An all-black image in model space (every pixel -1): the CFG unconditional input. */
export function blankNCHW(size: number): Float32Array {
  return new Float32Array(3 * size * size).fill(-1);
}
