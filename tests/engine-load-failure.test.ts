// A model file the MLLM needs fails to load: the engine still loads (reconstruction works), and
// its answer names the failed file. The page relies on that answer rather than on the file
// events, which come through a callback and can arrive after it.
import { afterAll, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { MODELS_DIR, loadManifest } from './models';
import { PumaEngine, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import type { LoadEvent } from '../workers/engine/protocol';

ort.env.wasm.numThreads = 1;
let engine: PumaEngine | undefined;
afterAll(() => engine?.release());

it('a failed MLLM file leaves the visual models loaded and is named in the load answer', async () => {
  const manifest = loadManifest();
  const folder = filesFromFolder(MODELS_DIR);
  const stepFile = manifest.mllm ? manifest.models.mllm_step?.variants?.[0].file : undefined;
  expect(stepFile, 'the shipped manifest has an MLLM step graph').toBeTruthy();
  const files: ModelFiles = {
    read: (v, onProgress) => (v.file === stepFile ? Promise.reject(new TypeError('Failed to fetch')) : folder.read(v, onProgress)),
  };
  const events: LoadEvent[] = [];
  engine = await PumaEngine.load({ ort, manifest, files, provider: 'wasm', onEvent: (e) => events.push(e) });
  const info = engine.info();
  expect(info.textToImage).toBe(false);
  expect(info.failedFiles.map((f) => [f.file, f.mllm])).toEqual([[stepFile, true]]);
  expect(info.failedFiles[0].message).toContain(stepFile);
  // the same failure as the file event says
  const ev = events.find((e) => e.type === 'file' && e.state === 'failed');
  expect(ev && ev.type === 'file' && ev.reason).toBe(info.failedFiles[0].reason);
}, 120_000);
