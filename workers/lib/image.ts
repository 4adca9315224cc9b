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

/** The box filter's overlaps of `nOut` output pixels with `nIn` input pixels on one axis: `w[o * nIn + i]` is
 * output pixel o's overlap with input pixel i (0 where none), nonzero only in [first[o], end[o]). resizeArea and
 * the pick's framing (framing.ts) share it. */
export function areaOverlaps(nOut: number, nIn: number): { w: Float64Array; first: Int32Array; end: Int32Array } {
  const w = new Float64Array(nOut * nIn);
  const first = new Int32Array(nOut);
  const end = new Int32Array(nOut);
  const s = nIn / nOut;
  for (let o = 0; o < nOut; o++) {
    const a = o * s;
    const b = Math.max(a + 1e-9, (o + 1) * s);
    first[o] = Math.floor(a);
    end[o] = Math.min(nIn, Math.ceil(b));
    for (let i = first[o]; i < end[o]; i++) w[o * nIn + i] = Math.max(0, Math.min(i + 1, b) - Math.max(i, a));
  }
  return { w, first, end };
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
  const ay = areaOverlaps(size, H);
  const ax = areaOverlaps(size, W);
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      const acc = [0, 0, 0, 0];
      let wsum = 0;
      for (let y = ay.first[oy]; y < ay.end[oy]; y++) {
        const wy = ay.w[oy * H + y];
        if (wy <= 0) continue;
        for (let x = ax.first[ox]; x < ax.end[ox]; x++) {
          const wx = ax.w[ox * W + x];
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
