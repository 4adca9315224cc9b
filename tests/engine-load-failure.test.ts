// A model file the MLLM needs fails to load: the engine still loads (reconstruction works), says
// text-to-image is unavailable, and names the failed file and its reason in a 'file' event, before
// the load ends (in the load stream, before its last event, so the page has it before it acts on "ready").
import { afterAll, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { MODELS_DIR, loadManifest } from './models';
import { PumaEngine, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import type { LoadEvent } from '../workers/engine/protocol';
import { allowedSteps, mllmGraphNames } from '../workers/lib/manifest';
import { readAll } from '../workers/engine/stream';
import { TaskInputError } from '../workers/engine/errors';
import type { RGBAImage } from '../workers/lib/image';

/** An all-white image the size the models take (reconstruction's input; its content does not matter here). */
const blankImage = (size: number): RGBAImage => ({ width: size, height: size, data: new Uint8ClampedArray(size * size * 4).fill(255) });

ort.env.wasm.numThreads = 1;
let engine: PumaEngine | undefined;
afterAll(() => engine?.release());

it('a failed MLLM file leaves the visual models loaded and is named, with its reason, before the load returns', async () => {
  const manifest = loadManifest();
  const folder = filesFromFolder(MODELS_DIR);
  // the graph that writes the image tokens: the single graph, or the pair's step graph
  const stepFile = manifest.mllm ? manifest.models[mllmGraphNames(manifest.mllm).at(-1)!]?.variants?.[0].file : undefined;
  expect(stepFile, 'the shipped manifest has an MLLM graph').toBeTruthy();
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

it('an MLLM session that fails in the background (its file read fine) leaves reconstruction running and says why on the MLLM tasks', async () => {
  const manifest = loadManifest();
  // the fewest steps the manifest offers (the decoders refuse others): this checks the load, not images
  const fewest = { steps: Math.min(...allowedSteps(manifest.sampler)), guidance: manifest.sampler.guidance };
  const folder = filesFromFolder(MODELS_DIR);
  const graphFiles = new Set(manifest.mllm ? mllmGraphNames(manifest.mllm).map((n) => manifest.models[n]?.variants?.[0].file) : []);
  // the graph's bytes cut in half after a good read: onnxruntime itself refuses to create the session
  const files: ModelFiles = {
    read: async (v, onProgress) => {
      const bytes = await folder.read(v, onProgress);
      return graphFiles.has(v.file) ? bytes.slice(0, bytes.byteLength >> 1) : bytes;
    },
  };
  const bg = await PumaEngine.load({ ort, manifest, files, provider: 'wasm', mllm: 'background' });
  try {
    expect(bg.mllmStatus()).toBe('loading');
    // asked for at once, as the page starts what it queued: it runs whatever the MLLM does
    const ev = await readAll(bg.run('reconstruct', { image: blankImage(manifest.image.size), scales: ['f4'], ...fewest, seed: 1 }));
    expect(ev?.type).toBe('done');
    const end = await bg.mllmLoaded();
    expect(end.ok).toBe(false);
    expect(end.reason, "onnxruntime's own error").toBeTruthy();
    expect(bg.info()).toMatchObject({ textToImage: false, mllmLoading: false });
    expect(bg.taskInfo().reason).toBe(`the language model failed to load (${end.reason})`);
    const understand = readAll(bg.run('understand', { image: blankImage(manifest.image.size), caption: true }));
    await expect(understand).rejects.toBeInstanceOf(TaskInputError);
    await expect(understand).rejects.toThrow(`Understand needs the language model, which failed to load (${end.reason}).`);
    // and reconstruction still runs after it
    expect((await readAll(bg.run('reconstruct', { image: blankImage(manifest.image.size), scales: ['f4'], ...fewest, seed: 1 })))?.type).toBe('done');
  } finally {
    bg.release();
  }
}, 300_000);
