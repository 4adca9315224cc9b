// Where the tests find the exported models: public/models (what ships), or PUMA_MODELS_DIR.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validateManifest, type Manifest } from '../workers/lib/manifest';

export const MODELS_DIR = resolve(process.env.PUMA_MODELS_DIR ?? resolve(import.meta.dirname, '../public/models'));
export const HAVE_MODELS = existsSync(resolve(MODELS_DIR, 'manifest.json'));

export function loadManifest(): Manifest {
  return validateManifest(JSON.parse(readFileSync(resolve(MODELS_DIR, 'manifest.json'), 'utf8')));
}

export function readJson<T>(rel: string): T {
  return JSON.parse(readFileSync(resolve(MODELS_DIR, rel), 'utf8')) as T;
}

if (!HAVE_MODELS) console.warn(`[tests] no ${MODELS_DIR}/manifest.json: model tests are skipped until the exporter writes it`);
