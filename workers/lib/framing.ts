// A given image framed as the gallery's drawings are, for the pick's retrieval (manifest mllm.pick.frame;
// training/framing.py is the same arithmetic, golden/pick.json proves it). The gallery's drawings fill the frame
// (their ink's longer side spans 62 of 64 px); an OpenMoji drawing spans 50, a user's upload anything, and the
// reader finds a smaller drawing's concept less often. So the gallery is asked with the image framed: the ink's
// bounding box cut out, resized by area averaging (resizeArea's box filter) so its longer side spans `span`,
// centred on white. A drawing already framed as the gallery's (its extent within `keep`) stays as it is: the
// reader is not shift-invariant, and moving such a drawing by a pixel loses more than it gains (measured: the
// model card). Only the retrieval reads it: the MLLM reads and draws the image as given.

import { areaOverlaps } from './image';

export interface FrameSpec {
  /** the ink's longer side after framing, in pixels (the gallery's drawings' median) */
  span: number;
  /** a pixel is ink where its darkness summed over R, G, B ((1 - x) / 2 each, so 0 white .. 3 black) exceeds this */
  ink: number;
  /** [lo, hi]: an image whose ink's longer side is within it is left as it is (the gallery's central 80%) */
  keep?: [number, number] | null;
}

/** [n_out x n_in] each output pixel's shares of the input pixels (rows sum to 1): resizeArea's box filter. */
function areaWeights(nOut: number, nIn: number): Float64Array {
  const { w } = areaOverlaps(nOut, nIn);
  for (let o = 0; o < nOut; o++) {
    let sum = 0;
    for (let i = 0; i < nIn; i++) sum += w[o * nIn + i];
    for (let i = 0; i < nIn; i++) w[o * nIn + i] /= sum;
  }
  return w;
}

/** One NCHW image [3, size, size] in [-1, 1] -> the same framed (a copy; an image without ink as it is). */
export function frameInk(nchw: Float32Array, size: number, spec: FrameSpec): Float32Array {
  const n = size * size;
  let y0 = size, y1 = -1, x0 = size, x1 = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const dark = (1 - nchw[p]) / 2 + (1 - nchw[n + p]) / 2 + (1 - nchw[2 * n + p]) / 2;
      if (dark > spec.ink) {
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
      }
    }
  }
  const h = y1 - y0 + 1;
  const w = x1 - x0 + 1;
  if (y1 < 0 || (spec.keep && spec.keep[0] <= Math.max(h, w) && Math.max(h, w) <= spec.keep[1])) return nchw.slice();
  const span = Math.min(spec.span, size); // an integer (the manifest's validation)
  const scale = span / Math.max(h, w);
  const nh = Math.max(1, Math.floor(h * scale + 0.5));
  const nw = Math.max(1, Math.floor(w * scale + 0.5));
  const wy = areaWeights(nh, h);
  const wx = areaWeights(nw, w);
  const oy = Math.floor((size - nh) / 2);
  const ox = Math.floor((size - nw) / 2);
  const out = new Float32Array(3 * n).fill(1);
  const rows = new Float64Array(nh * w); // the crop resized along y, one channel at a time
  for (let c = 0; c < 3; c++) {
    const src = c * n;
    rows.fill(0);
    for (let o = 0; o < nh; o++) {
      for (let i = 0; i < h; i++) {
        const f = wy[o * h + i];
        if (f === 0) continue;
        for (let x = 0; x < w; x++) rows[o * w + x] += f * nchw[src + (y0 + i) * size + x0 + x];
      }
    }
    for (let o = 0; o < nh; o++) {
      for (let q = 0; q < nw; q++) {
        let v = 0;
        for (let x = 0; x < w; x++) v += wx[q * w + x] * rows[o * w + x];
        out[src + (oy + o) * size + ox + q] = v;
      }
    }
  }
  return out;
}
