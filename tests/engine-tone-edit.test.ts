// The tone editor drawing tone edits (manifest mllm.tone_edit; workers/engine/tone-editor.ts, generate.ts
// ImageRequest.toneEdit) on the shipped models, WASM, with no stand-in for any model.
// The generator: an edit under the rule whose plan names one person's tone (or none) hands on, for each scale up to
// the finest wanted, exactly the pyramid of the editor's output for the given image's f0 at that tone, makes no image
// call (only the prefill and the plan's candidates' calls) and marks its plan; a plan of two people's tones is drawn by
// the MLLM as without the rule. The engine: an edit of a one-person drawing asking for a tone is drawn by the editor
// from the encoder's f0 of the given image and the plan's tone, and says so in its plan; one that names a style too is
// restyle's, drawn exactly as an engine without the rule draws it; the editor loads as one of the MLLM's files, counted
// in the load's bytes, and one whose session cannot be made fails the MLLM's load, naming it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MODELS_DIR, loadManifest, requireFile } from './models';
import { ortAround } from './mllm-ort';
import { PumaEngine, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import { sessionOptions, type InferenceSession, type OrtLike } from '../workers/engine/ort';
import type { LoadEvent, RunEvent } from '../workers/engine/protocol';
import { LocalEditor } from '../workers/engine/local-editor';
import { toneEditFor } from '../workers/engine/tone-editor';
import { allowedSteps, pickGallery, toneEditorModel, validateManifest, variantFiles, type Manifest } from '../workers/lib/manifest';
import { prepareImage, toNCHW, type RGBAImage } from '../workers/lib/image';
import { buildPyramid } from '../workers/lib/pyramid';
import type { Pyramid } from '../workers/mllm/generate';
import type { PlanInfo } from '../workers/mllm/plan';
import { planToneCode, toneCode } from '../workers/mllm/tone-edit';
import { f32, loadMllm, shippedDir, splitScales } from '../workers/mllm/test-helpers';
// @ts-expect-error plain .mjs helper shared with the benchmark
import { decodePng } from '../bench/png.mjs';

ort.env.wasm.numThreads = 1;
const shipped = loadManifest();
const te = toneEditorModel(shipped);
if (!te) throw new Error('the shipped manifest has no tone editor (mllm.tone_edit): export one (training/tone_editor.py --export)');
const EDITOR_FILE = te.entry.variants![0].file;
const order = shipped.mllm!.image_order;
const C = shipped.feature_dim;
const F0 = shipped.scales[0].name;

/** the editor's session, its runs counted */
async function editorSession(): Promise<{ editor: LocalEditor; runs: () => number }> {
  const s = (await ort.InferenceSession.create(new Uint8Array(readFileSync(requireFile(EDITOR_FILE))), sessionOptions('wasm'))) as unknown as InferenceSession;
  let n = 0;
  const counted = Object.create(s) as InferenceSession;
  counted.run = ((feeds: InferenceSession.FeedsType) => ((n += 1), s.run(feeds))) as InferenceSession['run'];
  return { editor: new LocalEditor(ort as unknown as OrtLike, shipped, te!.name, te!.entry, counted), runs: () => n };
}

describe('the generator, an edit under the tone rule', () => {
  let m: Awaited<ReturnType<typeof loadMllm>>;
  let ed: Awaited<ReturnType<typeof editorSession>>;
  let source: Pyramid;
  let reader: Pyramid | undefined;
  beforeAll(async () => {
    m = await loadMllm(shippedDir);
    ed = await editorSession();
    // the MLLM golden's edit: the given image's encoder pyramid (and its reader's) as PyTorch fed them
    source = splitScales(m.spec, f32(m.golden.edit.source));
    reader = m.golden.edit.reader_source ? splitScales(m.spec, f32(m.golden.edit.reader_source)) : undefined;
  }, 300_000);

  async function draw(plan: string, o: { scales?: string[]; rule?: boolean } = {}) {
    const instruction = 'make it dark skin tone';
    const toneEdit = o.rule === false ? undefined : toneEditFor(shipped, ed.editor, instruction, source);
    expect(toneEdit, 'the instruction is the rule\'s').toBeTypeOf(o.rule === false ? 'undefined' : 'function');
    const scales: { name: string; tokens: Float32Array }[] = [];
    const plans: PlanInfo[] = [];
    const gen = m.generator();
    m.resetCalls();
    const runs0 = ed.runs();
    const out = await gen.generateImage('edit', { text: instruction, source, reader, plan, scales: o.scales, toneEdit, onPlan: (p) => plans.push(p), onScale: (name, tokens) => scales.push({ name, tokens: Float32Array.from(tokens) }) });
    return { out, scales, plans, calls: m.calls(), planCalls: gen.planCalls, editorRuns: ed.runs() - runs0 };
  }

  it("one person's tone: each scale, coarse to fine, the pyramid of the editor's f0 at that tone; no image call", async () => {
    for (const [tone, plan] of [['dark', 'woman raising hand | noto | dark'], ['none', 'red apple | noto | none']]) {
      const want = buildPyramid(await ed.editor.edit(source[F0], toneCode(te!.rule, [tone])), shipped.scales, C);
      const got = await draw(plan);
      expect(got.scales.map((s) => s.name), plan).toEqual(order);
      for (const s of got.scales) expect(Array.from(s.tokens), `${plan}: ${s.name}`).toEqual(Array.from(want[s.name]));
      for (const s of order) expect(Array.from(got.out[s]), s).toEqual(Array.from(want[s]));
      expect(got.editorRuns).toBe(1);
      // the prefill and the candidates' calls only: not one image call
      expect(got.calls, plan).toBe(1 + got.planCalls);
      // the plan says so from the first plan event on; the candidates come as for any edit
      expect(got.plans.map((p) => p.toneEdited)).toEqual([true, true]);
      expect(got.plans[0].text).toBe(plan);
      expect(got.plans[1].candidates.length).toBeGreaterThan(0);
    }
  }, 300_000);

  it('stops at the finest scale wanted, as the MLLM does', async () => {
    const got = await draw('woman raising hand | noto | dark', { scales: ['f2'] });
    expect(got.scales.map((s) => s.name)).toEqual(order.slice(0, order.indexOf('f2') + 1));
  }, 300_000);

  it("two people's tones: drawn by the MLLM, exactly as without the rule; the editor not run", async () => {
    const plan = 'people holding hands | twemoji | medium and dark';
    expect(planToneCode(te!.rule, shipped.mllm!.plan!, plan), "route 'one' leaves two people to the MLLM").toBeNull();
    const [ruled, plain] = [await draw(plan), await draw(plan, { rule: false })];
    expect(ruled.editorRuns).toBe(0);
    expect(ruled.plans.some((p) => p.toneEdited)).toBe(false);
    expect(ruled.calls).toBe(1 + ruled.planCalls + order.length);   // one call a scale
    for (const s of order) expect(Array.from(ruled.out[s]), s).toEqual(Array.from(plain.out[s]));
  }, 300_000);

  it('refuses a tone edit that is also restyled, and one by a t2i', async () => {
    const toneEdit = toneEditFor(shipped, ed.editor, 'make it dark skin tone', source)!;
    await expect(m.gen.generateImage('edit', { text: 'make it dark', source, reader, toneEdit, planMix: [0, 0, 0, 0, 0] })).rejects.toThrow(/toneEdit: an edit by a model with a plan, never restyled/);
    await expect(m.gen.generateImage('t2i', { text: 'red apple', toneEdit })).rejects.toThrow(/toneEdit/);
  }, 300_000);
});

// ---- the engine ----
const png = decodePng(readFileSync(resolve(import.meta.dirname, '../public/samples/google-1f64b-200d-2640-fe0f.png')));
const image: RGBAImage = { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
const sampler = { steps: Math.min(...allowedSteps(shipped.sampler)), guidance: shipped.sampler.guidance, seed: 4 };
const plain = (): Manifest => {
  const m = structuredClone(shipped);
  delete m.mllm!.tone_edit;
  delete m.models[te.name];
  return validateManifest(m);
};

/** onnxruntime counting the MLLM graph's runs and recording the tone editor's feeds */
function watching(rec: { mllm: number; editor: { f0: Float32Array; tone: Float32Array }[] }): OrtLike {
  const [f0In, toneIn] = te!.entry.inputs!.map((i) => i.name);
  return ortAround((s) => s.inputNames.includes('block') || s.outputNames.includes(te!.entry.outputs![0].name), () => async (feeds, run) => {
    const f = feeds as Record<string, ort.Tensor>;
    if ('block' in f) rec.mllm++;
    else rec.editor.push({ f0: Float32Array.from(f[f0In].data as Float32Array), tone: Float32Array.from(f[toneIn].data as Float32Array) });
    return run(feeds);
  });
}

async function edit(engine: PumaEngine, instruction: string): Promise<{ plans: PlanInfo[]; images: Map<string, RGBAImage>; types: string[] }> {
  const ev: RunEvent[] = [];
  for await (const x of engine.run('edit', { image, instruction, scales: [...order], ...sampler })) ev.push(x);
  expect(ev.at(-1)?.type, instruction).toBe('done');
  return {
    plans: ev.flatMap((x) => (x.type === 'plan' ? [x.plan] : [])),
    images: new Map(ev.flatMap((x) => (x.type === 'image' ? [[x.scale, x.image] as const] : []))),
    types: ev.map((x) => x.type),
  };
}
const same = (a: RGBAImage, b: RGBAImage) => a.data.every((v, i) => v === b.data[i]);

describe('the engine, an edit asking for a tone', () => {
  const rec = { mllm: 0, editor: [] as { f0: Float32Array; tone: Float32Array }[] };
  const events: LoadEvent[] = [];
  let ruled: PumaEngine;
  let without: PumaEngine;
  beforeAll(async () => {
    ruled = await PumaEngine.load({ ort: watching(rec), manifest: shipped, files: filesFromFolder(MODELS_DIR), provider: 'wasm', onEvent: (e) => events.push(e) });
    without = await PumaEngine.load({ ort: ort as unknown as OrtLike, manifest: plain(), files: filesFromFolder(MODELS_DIR), provider: 'wasm' });
    for (const e of [ruled, without]) expect((await e.mllmLoaded()).ok).toBe(true);
  }, 300_000);
  afterAll(() => [ruled, without].forEach((e) => e?.release()));

  it('the editor loads as one of the MLLM files, counted once in the load\'s bytes', () => {
    const states = events.flatMap((e) => (e.type === 'file' && e.file === EDITOR_FILE ? [[e.model, e.state, e.mllm]] : []));
    expect(states[0]).toEqual([te.name, 'queued', true]);
    expect(states.at(-1)).toEqual([te.name, 'ready', true]);
    expect(ruled.variants[te.name]?.file).toBe(EDITOR_FILE);
    const m = ruled.manifest;
    const read = Object.values(ruled.variants).flatMap(variantFiles).reduce((a, f) => a + f.bytes, 0) + (m.models.tokenizer.bytes ?? 0) + (m.models.words?.bytes ?? 0) + (pickGallery(m)?.[1].bytes ?? 0);
    expect(ruled.bytes).toBe(read);
    expect(ruled.bytes - without.bytes).toBe(te.entry.variants![0].bytes);
  });

  it("a one-person drawing: the editor draws it from the encoder's f0 and the plan's tone; the plan says so", async () => {
    rec.mllm = 0;
    rec.editor.length = 0;
    const got = await edit(ruled, 'make it dark skin tone');
    expect(got.plans.length).toBeGreaterThan(0);
    for (const p of got.plans) expect(p.toneEdited, p.text).toBe(true);
    const code = planToneCode(te.rule, shipped.mllm!.plan!, got.plans[0].text);
    expect(code, `${got.plans[0].text}: one person's tone`).not.toBeNull();
    // one editor run, fed the encoder's f0 of the image as prepared, and the plan's tone
    expect(rec.editor.length).toBe(1);
    const f0 = (await ruled.codec.encode(toNCHW(prepareImage(image, shipped.image.size)))).cond[F0];
    expect(Array.from(rec.editor[0].f0)).toEqual(Array.from(f0));
    expect(Array.from(rec.editor[0].tone)).toEqual(Array.from(code!));
    // the MLLM wrote the plan (the prefill and its pick's calls) and drew nothing
    expect(rec.mllm).toBe(1 + ruled.mllm!.planCalls);
    expect([...got.images.keys()]).toEqual(order);
    expect(got.types).toContain('recommend');
    // an engine without the rule draws it with the MLLM: another drawing, a plan that does not say so
    const mllm = await edit(without, 'make it dark skin tone');
    expect(mllm.plans[0].text).toBe(got.plans[0].text);
    expect(mllm.plans.some((p) => p.toneEdited)).toBe(false);
    expect(same(mllm.images.get(F0)!, got.images.get(F0)!)).toBe(false);
  }, 300_000);

  it("an instruction that names a style too is restyle's: drawn exactly as without the rule, the editor not run", async () => {
    rec.editor.length = 0;
    const instruction = 'make it dark skin tone in twemoji style';
    const [on, off] = [await edit(ruled, instruction), await edit(without, instruction)];
    expect(rec.editor.length).toBe(0);
    expect(on.plans.some((p) => p.toneEdited)).toBe(false);
    expect(on.plans[0].text).toBe(off.plans[0].text);
    for (const s of order) expect(same(on.images.get(s)!, off.images.get(s)!), s).toBe(true);
  }, 300_000);
});

describe('a tone editor that cannot be made', () => {
  it("fails the MLLM's load, saying whose it was; reconstruction still loads", async () => {
    const folder = filesFromFolder(MODELS_DIR);
    const corrupt: ModelFiles = { read: (v, p) => (v.file === EDITOR_FILE ? (p({ loaded: v.bytes, total: v.bytes, source: 'cache' }), Promise.resolve(new Uint8Array(v.bytes).fill(7))) : folder.read(v, p)) };
    const engine = await PumaEngine.load({ ort: ort as unknown as OrtLike, manifest: shipped, files: corrupt, provider: 'wasm' });
    try {
      const r = await engine.mllmLoaded();
      expect(r.ok).toBe(false);
      expect(r.reason).toMatch(new RegExp(`the tone editor "${te.name}": its session could not be created`));
      expect(engine.info().textToImage).toBe(false);
      const ev: RunEvent[] = [];
      for await (const x of engine.run('reconstruct', { image, scales: ['f4'], ...sampler })) ev.push(x);
      expect(ev.at(-1)?.type).toBe('done');
    } finally {
      engine.release();
    }
  }, 300_000);
});
