// Restyle through the whole engine on the shipped models, WASM (workers/engine/tasks/conditional.ts): an edit whose
// instruction names a style is drawn with the manifest's mllm.restyle weights, one that does not (a tone edit) is
// drawn as before. Two engines read the same models, one whose manifest restyles f1 and f0 and one that does not: the
// style edit's f4..f2 are the same in both (those scales keep the edit's own sequence) and its f1 and f0 differ (the
// plan alone draws them); the tone edit is the same at every scale; the plan event names the restyled scales. The
// same style edit asked with restyle: false (the page's "Keep my design") is drawn through its source as the engine
// without the rule draws it, and its plan event marks it kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MODELS_DIR, loadManifest } from './models';
import { PumaEngine } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import type { RunEvent } from '../workers/engine/protocol';
import type { OrtLike } from '../workers/engine/ort';
import { allowedSteps, validateManifest, type Manifest } from '../workers/lib/manifest';
import type { RGBAImage } from '../workers/lib/image';
import type { PlanInfo } from '../workers/mllm/plan';
// @ts-expect-error plain .mjs helper shared with the benchmark
import { decodePng } from '../bench/png.mjs';

ort.env.wasm.numThreads = 1;
const shipped = loadManifest();
const WEIGHTS = [1, 1, 1, 0, 0];
// the shipped manifest's words where it restyles, else training/restyle.py's as the fixture's golden records them
const words: string[] =
  shipped.mllm!.restyle?.words ??
  JSON.parse(readFileSync(resolve(import.meta.dirname, '../workers/mllm/fixtures/single_scale/golden/mllm_single.json'), 'utf8')).plan.restyle.words;
const restyling = (): Manifest => {
  const m = structuredClone(shipped);
  m.mllm!.restyle = { words, weights: WEIGHTS };
  return validateManifest(m);
};
const plain = (): Manifest => {
  const m = structuredClone(shipped);
  delete m.mllm!.restyle;
  return validateManifest(m);
};

const png = decodePng(readFileSync(resolve(import.meta.dirname, '../public/samples/google-1f344.png')));
const image: RGBAImage = { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
const sampler = { steps: Math.min(...allowedSteps(shipped.sampler)), guidance: shipped.sampler.guidance, seed: 5 };

const engines: PumaEngine[] = [];
beforeAll(async () => {
  for (const m of [restyling(), plain()]) {
    const engine = await PumaEngine.load({ ort: ort as unknown as OrtLike, manifest: m, files: filesFromFolder(MODELS_DIR), provider: 'wasm' });
    expect((await engine.mllmLoaded()).ok).toBe(true);
    engines.push(engine);
  }
}, 300_000);
afterAll(() => engines.forEach((e) => e.release()));

async function edit(engine: PumaEngine, instruction: string, restyle?: boolean): Promise<{ plans: PlanInfo[]; images: Map<string, RGBAImage> }> {
  const ev: RunEvent[] = [];
  for await (const x of engine.run('edit', { image, instruction, scales: [...shipped.mllm!.image_order], ...sampler, restyle })) ev.push(x);
  expect(ev.at(-1)?.type, instruction).toBe('done');
  return {
    plans: ev.flatMap((x) => (x.type === 'plan' ? [x.plan] : [])),
    images: new Map(ev.flatMap((x) => (x.type === 'image' ? [[x.scale, x.image] as const] : []))),
  };
}

const same = (a: RGBAImage, b: RGBAImage) => a.data.every((v, i) => v === b.data[i]);

describe('restyle through the engine', () => {
  it('an instruction that names a style draws f1 and f0 from its plan alone; f4..f2 stay the edit', async () => {
    const instruction = shipped.mllm!.prompts.edit_style.replace('{style}', 'twemoji');
    const [on, off] = [await edit(engines[0], instruction), await edit(engines[1], instruction)];
    expect(on.plans[0].restyled).toEqual({ fromPlan: ['f1', 'f0'] });
    expect(off.plans[0].restyled).toBeUndefined();
    expect(on.plans[0].text).toBe(off.plans[0].text);   // the plan is the same; only the drawing changes
    for (const s of ['f4', 'f3', 'f2']) expect(same(on.images.get(s)!, off.images.get(s)!), s).toBe(true);
    for (const s of ['f1', 'f0']) expect(same(on.images.get(s)!, off.images.get(s)!), s).toBe(false);
  }, 300_000);

  it('the same style edit with restyle: false keeps the design: drawn through its source, marked kept', async () => {
    const instruction = shipped.mllm!.prompts.edit_style.replace('{style}', 'twemoji');
    const [restyled, kept, plain] = [await edit(engines[0], instruction), await edit(engines[0], instruction, false), await edit(engines[1], instruction)];
    // every plan event of the run (the first, and the one with the candidates) says it was kept
    expect(kept.plans.length).toBeGreaterThan(0);
    for (const p of kept.plans) expect(p.restyled).toEqual({ fromPlan: [], kept: true });
    expect(kept.plans[0].text).toBe(restyled.plans[0].text);
    // as the engine without the rule draws it, at every scale; unlike the restyled drawing where the plan drew it
    for (const s of shipped.mllm!.image_order) expect(same(kept.images.get(s)!, plain.images.get(s)!), s).toBe(true);
    for (const s of ['f1', 'f0']) expect(same(kept.images.get(s)!, restyled.images.get(s)!), s).toBe(false);
  }, 300_000);

  it('a tone edit names no style and is drawn as before', async () => {
    const instruction = shipped.mllm!.prompts.edit_tone.replace('{tone}', 'medium');
    const [on, off] = [await edit(engines[0], instruction), await edit(engines[1], instruction)];
    expect(on.plans[0].restyled).toBeUndefined();
    // nothing to keep: asked to keep its design, a tone edit is not marked kept
    expect((await edit(engines[0], instruction, false)).plans[0].restyled).toBeUndefined();
    for (const s of shipped.mllm!.image_order) expect(same(on.images.get(s)!, off.images.get(s)!), s).toBe(true);
  }, 300_000);
});
