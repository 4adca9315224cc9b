// The pick's temperature per page task (manifest mllm.pick.temperature {task: T}) through the whole engine on the
// shipped models, WASM: each task's pick scores with its own task's temperature, the one the engine tells the MLLM
// (workers/engine/tasks/conditional.ts, understand.ts), never another's. Two engines read the same models, one with a
// different temperature for every task and one with none; the model's log-likelihoods are the same in both, so for
// two names i, j a run's log(p_i / p_j) differs between them by exactly (cos_i - cos_j) / T of the task that ran, the
// cosines those the gallery gives for the key model's output in that run (recorded here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MODELS_DIR, loadManifest, requireFile } from './models';
import { ortRecording } from './mllm-ort';
import { PumaEngine } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import type { OrtLike } from '../workers/engine/ort';
import type { RunEvent } from '../workers/engine/protocol';
import { allowedSteps, pickGallery, pickKeyModel, pickTemperature, validateManifest, type Manifest, type PickSpec } from '../workers/lib/manifest';
import type { RGBAImage } from '../workers/lib/image';
import { parseWords } from '../workers/lib/words';
import { Gallery } from '../workers/mllm/gallery';
// @ts-expect-error plain .mjs helper shared with the benchmark
import { decodePng } from '../bench/png.mjs';

ort.env.wasm.numThreads = 1;
const shipped = loadManifest();
const key = pickKeyModel(shipped)!;
const TASKS = ['caption', 'edit', 'colorize', 'inpaint', 'sketch'] as const;
// a temperature of its own for every task (far enough apart that a task read with another's moves a ratio by
// many times the tolerance), and none
const OWN = { caption: 0.08, edit: 0.05, colorize: 0.1, inpaint: 0.2, sketch: 0.4 };
const withTemperature = (temperature: PickSpec['temperature']): Manifest => {
  const m = structuredClone(shipped);
  m.mllm!.pick!.temperature = temperature;
  return validateManifest(m);
};

/** onnxruntime recording the key model's outputs (what the gallery is asked with in each run) */
function recordingOrt(outs: Float32Array[]): OrtLike {
  return ortRecording(key.entry.inputs![0].name, key.entry.outputs![0].name, (_, out) => outs.push(out));
}

// a shipped sample, and an inpainting hole in its middle
const png = decodePng(readFileSync(resolve(import.meta.dirname, '../public/samples/google-1f344.png')));
const image: RGBAImage = { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
const mask: RGBAImage = { width: png.width, height: png.height, data: new Uint8ClampedArray(png.width * png.height * 4) };
for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) if (Math.abs(x - png.width / 2) < png.width / 6 && Math.abs(y - png.height / 2) < png.height / 6) mask.data.set([255, 0, 0, 255], (y * png.width + x) * 4);
const sampler = { steps: Math.min(...allowedSteps(shipped.sampler)), guidance: shipped.sampler.guidance, seed: 5 };

let gallery: Gallery;
const engines: { engine: PumaEngine; keys: Float32Array[] }[] = [];
beforeAll(async () => {
  const words = parseWords(JSON.parse(readFileSync(requireFile(shipped.models.words.file!), 'utf8')));
  const [, entry] = pickGallery(shipped)!;
  gallery = Gallery.parse(new Uint8Array(readFileSync(requireFile(entry.file!))), entry, words.concepts);
  for (const m of [withTemperature(OWN), withTemperature(null)]) {
    const keys: Float32Array[] = [];
    const engine = await PumaEngine.load({ ort: recordingOrt(keys), manifest: m, files: filesFromFolder(MODELS_DIR), provider: 'wasm' });
    engines.push({ engine, keys });
    expect((await engine.mllmLoaded()).ok).toBe(true);
  }
}, 300_000);
afterAll(() => engines.forEach((e) => e.engine.release()));

/** One picking run of the page's `task`: each name's share, and each name's cosine with what the gallery was asked with. */
async function picked(e: (typeof engines)[number], task: (typeof TASKS)[number]): Promise<{ p: Map<string, number>; cos: Map<string, number> }> {
  e.keys.length = 0;
  const ev: RunEvent[] = [];
  const run =
    task === 'caption' ? e.engine.run('understand', { image, caption: true })
    : task === 'inpaint' ? e.engine.run('inpaint', { image, mask, scales: ['f4'], ...sampler })
    : e.engine.run(task, { image, ...(task === 'edit' ? { instruction: shipped.mllm!.prompts.edit_style.replace('{style}', 'twemoji') } : {}), scales: ['f4'], ...sampler });
  for await (const x of run) ev.push(x);
  expect(ev.at(-1)?.type, task).toBe('done');
  expect(e.keys.length, `${task}: one key run`).toBe(1);
  const cos = new Map(gallery.retrieve(e.keys[0], shipped.mllm!.pick!.k).map((r) => [r.name, r.score]));
  if (task === 'caption') {
    const text = ev.find((x): x is Extract<RunEvent, { type: 'text' }> => x.type === 'text')!;
    return { p: new Map(text.alternatives!.map((a) => [a.text, a.p])), cos };
  }
  const plans = ev.flatMap((x) => (x.type === 'plan' ? [x.plan] : []));
  expect(plans[0].source, task).toBe('picked');
  return { p: new Map(plans.at(-1)!.candidates.map((c) => [c.concept, c.p])), cos };
}

describe("each page task's pick, through the engine, scores with its own temperature", () => {
  it.each(TASKS)('%s', async (task) => {
    expect(pickTemperature(engines[0].engine.manifest.mllm!.pick, task)).toBe(OWN[task]);
    const [own, none] = [await picked(engines[0], task), await picked(engines[1], task)];
    expect([...own.cos.keys()].sort(), 'the same names').toEqual([...none.cos.keys()].sort());
    // every name against the likeliest without a temperature (the largest share: never underflowed)
    const ref = [...none.p].sort((a, b) => b[1] - a[1])[0][0];
    let moved = 0;
    for (const n of own.p.keys()) {
      if (n === ref) continue;
      const term = (own.cos.get(n)! - own.cos.get(ref)!) / OWN[task];
      const shift = Math.log(own.p.get(n)! / own.p.get(ref)!) - Math.log(none.p.get(n)! / none.p.get(ref)!);
      expect(shift, `${task}: ${n} vs ${ref}`).toBeCloseTo(term, 2);
      moved = Math.max(moved, Math.abs(term));
    }
    // the cosines must be apart for this to tell the temperatures apart
    expect(moved, `${task}: the retrieval's term moves some share`).toBeGreaterThan(0.1);
  }, 300_000);
});
