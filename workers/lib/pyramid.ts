import type { ScaleSpec } from './manifest';

// The PUMA feature pyramid: f0 is the encoder's grid; f_i = avgpool(2x2, stride 2) of f_{i-1}.
// Tokens are [N, C] row-major over the grid (token = row * grid + col).

/** 2x2 average pool of a [grid*grid, C] token grid -> [(grid/2)^2, C]. */
export function avgPool2x2(tokens: Float32Array, grid: number, C: number): Float32Array {
  const g = grid / 2;
  const out = new Float32Array(g * g * C);
  for (let r = 0; r < g; r++) {
    for (let c = 0; c < g; c++) {
      const o = (r * g + c) * C;
      const p00 = ((2 * r) * grid + 2 * c) * C;
      const p01 = p00 + C;
      const p10 = ((2 * r + 1) * grid + 2 * c) * C;
      const p11 = p10 + C;
      for (let k = 0; k < C; k++) {
        out[o + k] = (tokens[p00 + k] + tokens[p01 + k] + tokens[p10 + k] + tokens[p11 + k]) / 4;
      }
    }
  }
  return out;
}

/** f0 tokens -> every scale in the manifest's order (finest first), keyed by scale name. */
export function buildPyramid(f0: Float32Array, scales: Pick<ScaleSpec, 'name' | 'grid' | 'tokens'>[], C: number): Record<string, Float32Array> {
  if (f0.length !== scales[0].tokens * C) throw new Error(`pyramid: f0 has ${f0.length} values, want ${scales[0].tokens}x${C}`);
  const out: Record<string, Float32Array> = { [scales[0].name]: f0 };
  let cur = f0;
  for (let i = 1; i < scales.length; i++) {
    cur = avgPool2x2(cur, scales[i - 1].grid, C);
    out[scales[i].name] = cur;
  }
  return out;
}
