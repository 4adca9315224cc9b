// Source images of the conditional tasks (colorize, inpaint, sketch), made the way training made
// them. The recipes are read from the manifest's "mllm.sources" block (written by Python from
// training/transforms.py); the numbers in them are parsed here, never copied, and a recipe this
// code does not understand is an error rather than a silent guess.
// All functions work on one NCHW float image [3,S,S] in [-1,1] (what toNCHW gives).

export class SourceError extends Error {}

export interface SourceRecipes {
  luma: [number, number, number];
  /** Sobel magnitude m -> min(m, clip) / div; pixel = 1 - 2 * mag */
  sobelClip: number;
  sobelDiv: number;
  /** value of a masked pixel (white = 1) */
  maskFill: number;
}

const NUM = '([0-9]*\\.?[0-9]+)';

/** Parses manifest.mllm.sources. Throws SourceError naming the recipe it could not read. */
export function parseSourceRecipes(sources: Record<string, string> | undefined): SourceRecipes {
  if (!sources) throw new SourceError('the manifest has no mllm.sources block: conditional tasks are unavailable');
  const c = sources.colorize ?? '';
  const lm = new RegExp(`luma ${NUM} R \\+ ${NUM} G \\+ ${NUM} B`).exec(c);
  if (!lm) throw new SourceError(`cannot read the colorize recipe from the manifest: "${c}"`);
  const s = sources.sketch ?? '';
  if (!/sobel/i.test(s) || !/replicate/i.test(s) || !/1 - 2\*mag/.test(s)) throw new SourceError(`cannot read the sketch recipe from the manifest: "${s}"`);
  const sm = new RegExp(`min\\(\\|g\\|,\\s*${NUM}\\)\\s*/\\s*${NUM}`).exec(s);
  if (!sm) throw new SourceError(`cannot read the sketch recipe from the manifest: "${s}"`);
  const m = sources.inpaint ?? '';
  let maskFill: number;
  if (/white/.test(m)) maskFill = 1;
  else throw new SourceError(`cannot read the inpaint recipe from the manifest: "${m}"`);
  const fm = new RegExp(`\\(${NUM}\\)`).exec(m);
  if (fm) maskFill = Number(fm[1]);
  return { luma: [Number(lm[1]), Number(lm[2]), Number(lm[3])], sobelClip: Number(sm[1]), sobelDiv: Number(sm[2]), maskFill };
}

function size(x: Float32Array): number {
  const s = Math.round(Math.sqrt(x.length / 3));
  if (3 * s * s !== x.length) throw new SourceError(`expected one square 3-channel image, got ${x.length} values`);
  return s;
}

function lumaPlane(x: Float32Array, r: SourceRecipes): Float32Array {
  const n = x.length / 3;
  const g = new Float32Array(n);
  const [a, b, c] = r.luma;
  for (let i = 0; i < n; i++) g[i] = x[i] * a + x[n + i] * b + x[2 * n + i] * c;
  return g;
}

/** Grayscale: luma in all three channels. */
export function grayscaleSource(x: Float32Array, r: SourceRecipes): Float32Array {
  size(x);
  const g = lumaPlane(x, r);
  const out = new Float32Array(x.length);
  out.set(g, 0);
  out.set(g, g.length);
  out.set(g, 2 * g.length);
  return out;
}

/** Masked: where mask[i] > 0.5 (one value per pixel, row-major S*S) the pixel becomes maskFill. */
export function maskedSource(x: Float32Array, mask: Float32Array | Uint8Array, r: SourceRecipes): Float32Array {
  const s = size(x);
  const n = s * s;
  if (mask.length !== n) throw new SourceError(`mask has ${mask.length} values, want ${s}x${s}`);
  const out = new Float32Array(x);
  const thr = mask instanceof Uint8Array ? 127 : 0.5;
  for (let i = 0; i < n; i++) if (mask[i] > thr) for (let c = 0; c < 3; c++) out[c * n + i] = r.maskFill;
  return out;
}

/**
 * Inpainting's last step, as in most inpainting tools: outside the hole the original pixels are
 * kept, inside it the model's. (The MLLM redraws the whole image from features, so without this
 * the untouched part would drift; the page offers it as an option, on by default.)
 */
export function pasteUnmasked(decoded: Float32Array, original: Float32Array, mask: Float32Array | Uint8Array): Float32Array {
  const s = size(decoded);
  const n = s * s;
  if (original.length !== decoded.length) throw new SourceError(`original has ${original.length} values, want ${decoded.length}`);
  if (mask.length !== n) throw new SourceError(`mask has ${mask.length} values, want ${s}x${s}`);
  const thr = mask instanceof Uint8Array ? 127 : 0.5;
  const out = new Float32Array(decoded);
  for (let i = 0; i < n; i++) if (!(mask[i] > thr)) for (let c = 0; c < 3; c++) out[c * n + i] = original[c * n + i];
  return out;
}

/** Sobel edge map of the luma (replicate padding), dark lines on white, in all three channels. */
export function sketchSource(x: Float32Array, r: SourceRecipes): Float32Array {
  const s = size(x);
  const n = s * s;
  const g = lumaPlane(x, r);
  const at = (y: number, xx: number) => g[Math.min(s - 1, Math.max(0, y)) * s + Math.min(s - 1, Math.max(0, xx))];
  const out = new Float32Array(3 * n);
  for (let y = 0; y < s; y++) {
    for (let xx = 0; xx < s; xx++) {
      // cross-correlation with [[-1,0,1],[-2,0,2],[-1,0,1]] (gx) and its transpose (gy), as conv2d does
      const gx = -at(y - 1, xx - 1) + at(y - 1, xx + 1) - 2 * at(y, xx - 1) + 2 * at(y, xx + 1) - at(y + 1, xx - 1) + at(y + 1, xx + 1);
      const gy = -at(y - 1, xx - 1) - 2 * at(y - 1, xx) - at(y - 1, xx + 1) + at(y + 1, xx - 1) + 2 * at(y + 1, xx) + at(y + 1, xx + 1);
      const mag = Math.min(Math.sqrt(gx * gx + gy * gy), r.sobelClip) / r.sobelDiv;
      const v = 1 - 2 * mag;
      const i = y * s + xx;
      out[i] = v;
      out[n + i] = v;
      out[2 * n + i] = v;
    }
  }
  return out;
}

/** How the encoder's input is made from the image: itself, grayscale, masked, or its edges. */
export type SourceKind = 'edit' | 'colorize' | 'inpaint' | 'sketch';

/** The encoder's input, from the prepared image (and the mask for inpaint). */
export function makeSource(kind: SourceKind, x: Float32Array, r: SourceRecipes, mask?: Float32Array | Uint8Array): Float32Array {
  if (kind === 'edit') return new Float32Array(x);
  if (kind === 'colorize') return grayscaleSource(x, r);
  if (kind === 'sketch') return sketchSource(x, r);
  if (kind === 'inpaint') {
    if (!mask) throw new SourceError('inpaint needs a mask');
    return maskedSource(x, mask, r);
  }
  throw new SourceError(`unknown source kind "${String(kind)}"`);
}
