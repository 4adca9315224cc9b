// Model files from a folder on disk (Node: benchmarks and tests), checked against the manifest's
// size so a stale or truncated file fails loudly instead of giving wrong numbers.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
