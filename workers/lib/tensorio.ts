// Decoding of golden-vector tensors ({shape, dtype, data_b64}) written by the Python exporter.
import { bytesFromBase64 } from './base64';

export interface B64Tensor {
  shape: number[];
  dtype: string;
  data_b64: string;
}

/** Little-endian float32 payload -> Float32Array (copied, so alignment never matters). */
export function decodeTensor(t: B64Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`golden dtype ${t.dtype} not supported`);
  const bytes = bytesFromBase64(t.data_b64);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  const want = t.shape.reduce((a, b) => a * b, 1);
  if (want !== out.length) throw new Error(`golden tensor: shape ${t.shape} wants ${want} values, has ${out.length}`);
  return out;
}

/** numpy.allclose semantics: |a - b| <= atol + rtol * |b|. Returns the worst offender. */
export function allClose(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number) {
  if (a.length !== b.length) return { ok: false, index: -1, maxAbs: Infinity };
  let ok = true;
  let maxAbs = 0;
  let index = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= atol + rtol * Math.abs(b[i]))) {
      if (ok) index = i;
      ok = false;
    }
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
  }
  return { ok, index, maxAbs };
}
