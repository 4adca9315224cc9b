// Base64 text -> bytes, with the platform's atob (browsers, workers and Node all have it): the
// golden tensors and the stored result history both travel as base64.
export function bytesFromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
