// The engine reads the word list (manifest role "words") with the MLLM's files: its trained concepts'
// names are what the plan's drafts guess (workers/mllm/plan-draft.ts), each guess checked by the model
// in the same call, so the plan costs fewer graph calls and says exactly what it would without them.
// On the shipped models, WASM: a load that reads words.json against one whose read of it fails (the
// MLLM still loads; the file is reported failed as an MLLM file) for a model that does not pick; the
// shipped one picks (manifest mllm.pick) among names from the word list, so there a word list, a gallery or the
// gallery's key model that cannot be read fails the MLLM's load, the file named, as a reader that cannot be read does.
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { MODELS_DIR, loadManifest } from './models';
import { PumaEngine, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import { ortAroundMllm } from './mllm-ort';
import type { LoadEvent, RunEvent } from '../workers/engine/protocol';
import { allowedSteps, pickKeyModel, validateManifest, type Manifest } from '../workers/lib/manifest';

ort.env.wasm.numThreads = 1;
const shipped = loadManifest();
const WORDS = shipped.models.words?.file;

/** onnxruntime counting the MLLM graph's calls. */
const countingOrt = (count: { n: number }) => ortAroundMllm(() => (feeds, run) => (count.n++, run(feeds)));

const engines: PumaEngine[] = [];
afterAll(() => engines.forEach((e) => e.release()));

/** The shipped manifest as a model that does not pick would have it. */
function withoutPick(m: Manifest): Manifest {
  const r: Manifest = structuredClone(m);
  delete r.models[r.mllm!.pick!.gallery];
  delete r.mllm!.pick;
  return validateManifest(r);
}

/** The folder's files, `failing` rejected as an offline fetch would be. */
function filesFailing(failing?: string): ModelFiles {
  const folder = filesFromFolder(MODELS_DIR);
  return { read: (v, p) => (v.file === failing ? Promise.reject(new TypeError('Failed to fetch')) : folder.read(v, p)) };
}

async function textToImage(withWords: boolean, prompt: string) {
  const files = filesFailing(withWords ? undefined : WORDS);
  const count = { n: 0 };
  const events: LoadEvent[] = [];
  const engine = await PumaEngine.load({ ort: countingOrt(count), manifest: withoutPick(shipped), files, provider: 'wasm', onEvent: (e) => events.push(e) });
  engines.push(engine);
  expect((await engine.mllmLoaded()).ok).toBe(true);
  count.n = 0;
  const ev: RunEvent[] = [];
  const sampler = { steps: Math.min(...allowedSteps(shipped.sampler)), guidance: shipped.sampler.guidance, seed: 5 };
  for await (const e of engine.run('text-to-image', { prompt, scales: ['f4'], ...sampler })) ev.push(e);
  expect(ev.at(-1)?.type).toBe('done');
  const plans = ev.flatMap((e) => (e.type === 'plan' ? [e.plan] : []));
  const image = ev.find((e): e is Extract<RunEvent, { type: 'image' }> => e.type === 'image')!;
  return { calls: count.n, plan: plans.at(-1)!, image: image.image.data, events };
}

describe('the plan drafted from the word list', () => {
  it('writes the same plan, chips and image in fewer MLLM calls; a word list that cannot be read only costs calls', async () => {
    expect(WORDS, 'the shipped manifest lists words.json').toBeTruthy();
    const prompt = 'a rocket blasting off into space';
    const drafted = await textToImage(true, prompt);
    const oneByOne = await textToImage(false, prompt);
    const failed = oneByOne.events.flatMap((e) => (e.type === 'file' && e.state === 'failed' ? [[e.file, e.mllm]] : []));
    expect(failed).toEqual([[WORDS, true]]);
    expect(drafted.plan.text).toBe(oneByOne.plan.text);
    expect(drafted.plan.candidates.map((c) => c.text)).toEqual(oneByOne.plan.candidates.map((c) => c.text));
    expect(drafted.plan.candidates.length).toBeGreaterThan(1);
    // the same plan, so the same image up to rounding: the drafted calls feed several positions at
    // once (image tokens within 1e-5: workers/mllm/single-graph.test.ts), and WASM's int8 decoders
    // quantize their activations, where a rounding-level change moves a few pixels a few levels
    let se = 0;
    for (let i = 0; i < drafted.image.length; i++) se += (drafted.image[i] - oneByOne.image[i]) ** 2;
    const psnr = 10 * Math.log10((255 * 255) / Math.max(se / drafted.image.length, 1e-12));
    expect(psnr).toBeGreaterThan(35);
    // without names the drafts still guess style and tone once the concept is written
    expect(drafted.calls).toBeLessThan(oneByOne.calls);
  }, 300_000);
});

describe('a model that picks needs its gallery, the word list and its key model', () => {
  it('any of those files failing fails the MLLM\'s load, named as an MLLM file; reconstruction still loads', async () => {
    expect(shipped.mllm?.pick, 'the shipped model picks').toBeTruthy();
    const gallery = shipped.models[shipped.mllm!.pick!.gallery].file!;
    // the shipped gallery is in key space: asked with its key model's embedding (workers/engine/pick-key.ts)
    const key = pickKeyModel(shipped)!.entry.variants![0].file;
    for (const failing of [gallery, WORDS!, key]) {
      const events: LoadEvent[] = [];
      const engine = await PumaEngine.load({ ort, manifest: shipped, files: filesFailing(failing), provider: 'wasm', onEvent: (e) => events.push(e) });
      engines.push(engine);
      const r = await engine.mllmLoaded();
      expect(r.ok, failing).toBe(false);
      expect(r.reason).toBeTruthy();
      expect(events.flatMap((e) => (e.type === 'file' && e.state === 'failed' ? [[e.file, e.mllm]] : []))).toEqual([[failing, true]]);
      expect(engine.info().textToImage).toBe(false);
      expect(engine.taskInfo().reason).toBeTruthy();
    }
  }, 300_000);
});
