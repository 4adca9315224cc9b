// A given image re-drawn in geometry alone, for the pick's choice (manifest mllm.pick.views; training/redraw.py is the
// same arithmetic, golden/pick.json proves it). The MLLM names a drawing it has not seen from one reading of it; each
// retrieved name's log-likelihood averaged over the drawing as given and a few re-drawings of it (a little larger or
// smaller, shifted, turned) depends less on that one reading: captions of held-out drawings 47% -> 52% (model card).
// A re-drawing is torch's affine_grid + grid_sample: theta maps each output pixel's centre, in [-1, 1] coordinates
// (align_corners=False), to where it samples the input, bilinearly, white outside; clamped to [-1, 1].

/** 2 x 3: [[a, b, tx], [c, d, ty]] (source x = a * x + b * y + tx, source y = c * x + d * y + ty) */
export type Theta = number[][];

/** One NCHW image [3, size, size] in [-1, 1] -> re-drawn by theta (a copy). */
export function redraw(nchw: Float32Array, size: number, theta: Theta): Float32Array {
  const [[a, b, tx], [c, d, ty]] = theta;
  const n = size * size;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < size; i++) {
    const yn = (2 * i + 1) / size - 1;
    for (let j = 0; j < size; j++) {
      const xn = (2 * j + 1) / size - 1;
      // where this pixel samples, in input pixels (align_corners=False)
      const ix = ((a * xn + b * yn + tx + 1) * size - 1) / 2;
      const iy = ((c * xn + d * yn + ty + 1) * size - 1) / 2;
      const x0 = Math.floor(ix);
      const y0 = Math.floor(iy);
      const fx = ix - x0;
      const fy = iy - y0;
      const corners: [number, number, number][] = [[y0, x0, (1 - fx) * (1 - fy)], [y0, x0 + 1, fx * (1 - fy)], [y0 + 1, x0, (1 - fx) * fy], [y0 + 1, x0 + 1, fx * fy]];
      for (let ch = 0; ch < 3; ch++) {
        // sampled from (x - 1), zero outside: white comes in at the borders
        let v = 0;
        for (const [y, x, w] of corners) if (y >= 0 && y < size && x >= 0 && x < size) v += w * (nchw[ch * n + y * size + x] - 1);
        out[ch * n + i * size + j] = Math.min(1, Math.max(-1, v + 1));
      }
    }
  }
  return out;
}
