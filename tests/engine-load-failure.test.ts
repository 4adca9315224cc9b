// A model file the MLLM needs fails to load: the engine still loads (reconstruction works), says
// text-to-image is unavailable, and names the failed file and its reason in a 'file' event, before
// the load ends (in the load stream, before its last event, so the page has it before it acts on "ready").
import { afterAll, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { MODELS_DIR, loadManifest } from './models';
import { PumaEngine, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import type { LoadEvent } from '../workers/engine/protocol';

ort.env.wasm.numThreads = 1;
let engine: PumaEngine | undefined;
afterAll(() => engine?.release());

it('a failed MLLM file leaves the visual models loaded and is named, with its reason, before the load returns', async () => {
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
  const failed = events.flatMap((e) => (e.type === 'file' && e.state === 'failed' ? [e] : []));
  expect(failed.map((f) => [f.file, f.mllm])).toEqual([[stepFile, true]]);
  expect(failed[0].message).toContain(stepFile);
  expect(failed[0].reason).toBeTruthy();
  // the visual models are all there
  expect(Object.keys(engine.variants)).toEqual(expect.arrayContaining(['encoder', ...manifest.scales.map((s) => `decoder_${s.name}`)]));
}, 120_000);
