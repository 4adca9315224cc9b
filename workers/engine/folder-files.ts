// Model files from a folder on disk (Node: benchmarks and tests), checked against the manifest's
// size so a stale or truncated file fails loudly instead of giving wrong numbers.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { mllmGraphNames, type Manifest } from '../lib/manifest';
import { readModel, type ModelBytes } from './model-bytes';
import type { ModelFiles } from './puma-engine';

export function filesFromFolder(dir: string): ModelFiles {
  return {
    async read(v, onProgress) {
      const buf = new Uint8Array(readFileSync(resolve(dir, v.file)));
      if (v.bytes && buf.byteLength !== v.bytes) throw new Error(`${v.file}: ${buf.byteLength} bytes on disk, the manifest says ${v.bytes}`);
      onProgress({ loaded: buf.byteLength, total: buf.byteLength, source: 'cache' });
      return buf;
    },
  };
}

/** A folder's MLLM graph(s) and tokenizer, as createMllmSessions takes them (the MLLM tests and
 * bench/mllm.mjs, which run the MLLM without the rest of the engine). */
export async function mllmFromFolder(dir: string, m: Manifest): Promise<{ graphs: Record<string, ModelBytes>; tokenizer: Uint8Array }> {
  const files = filesFromFolder(dir);
  const read = (f: { file: string; sha256: string; bytes: number }) => files.read(f, () => undefined);
  const names = mllmGraphNames(m.mllm!);
  const graphs = await Promise.all(names.map((n) => readModel(read, m.models[n].variants![0])));
  const tok = m.models.tokenizer;
  return { graphs: Object.fromEntries(names.map((n, i) => [n, graphs[i]])), tokenizer: await read({ file: tok.file!, sha256: tok.sha256!, bytes: tok.bytes ?? 0 }) };
}
