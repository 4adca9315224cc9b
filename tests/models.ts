// Where the tests find the exported models: public/models (what ships), or PUMA_MODELS_DIR.
// Missing models or golden vectors fail the tests that need them, with the reason: a parity
// test that skips itself green would prove nothing.
import { existsSync, readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { validateManifest, type Manifest } from '../workers/lib/manifest';

export const MODELS_DIR = resolve(process.env.PUMA_MODELS_DIR ?? resolve(import.meta.dirname, '../public/models'));

/** Throws, naming the file, when something the exporter writes is missing. */
export function requireFile(rel: string): string {
  const path = resolve(MODELS_DIR, rel);
  if (!existsSync(path)) throw new Error(`${path} is missing: export the models (training/export.py, training/export_mllm.py) or point PUMA_MODELS_DIR at a folder that has them`);
  return path;
}

export function loadManifest(): Manifest {
  return validateManifest(JSON.parse(readFileSync(requireFile('manifest.json'), 'utf8')));
}

export function readJson<T>(rel: string): T {
  return JSON.parse(readFileSync(requireFile(rel), 'utf8')) as T;
}

/** Golden vectors `name`, as a path relative to MODELS_DIR like every path the manifest gives: beside the
 * ones the manifest names (training/manifest.py golden_file: the shipped models' live outside the served
 * folder, in golden/). */
export function goldenFile(name: string): string {
  const named = Object.values(loadManifest().models).find((e) => e.golden)?.golden;
  if (!named) throw new Error('the manifest names no golden vectors: export the models');
  return posix.join(posix.dirname(named), `${name}.json`);
}
