// PumaEngine driven in Node (WASM, the shipped models) through every task family the MLLM serves:
// text-to-image (plan before the first image, stop after the finest scale asked for), variations
// (a sampled plan), an edit (its plan, five images, a recommendation) and a caption (streamed text).
// Loaded as the page loads it: the MLLM in the background.
// The fewest DDIM steps the manifest allows: this checks the run's behaviour, not image quality (the evaluation does that).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { MODELS_DIR, goldenFile, loadManifest, readJson } from './models';
import { allowedSteps, coarseToFine, editorModels, pickKeyModel } from '../workers/lib/manifest';
import { PumaEngine } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import type { LoadEvent, RunEvent } from '../workers/engine/protocol';
import type { RGBAImage } from '../workers/lib/image';
// @ts-expect-error plain .mjs helper shared with the benchmark
import { decodePng } from '../bench/png.mjs';

ort.env.wasm.numThreads = 1;
const manifest = loadManifest();
let engine: PumaEngine;
const sampler = { steps: Math.min(...allowedSteps(manifest.sampler)), guidance: manifest.sampler.guidance, seed: 7 };
const golden = readJson<{ plan?: { prompt: string; plan_text: string } }>(goldenFile('mllm_single'));
// the names a pick chooses among: the word list's trained concepts
const conceptNames = new Set(Object.values(readJson<{ concepts: Record<string, string> }>('words.json').concepts));

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}
// a shipped sample (mushroom: a held-out concept), as the page gives it to the engine
const png = decodePng(readFileSync(resolve(import.meta.dirname, '../public/samples/google-1f344.png')));
const image: RGBAImage = { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
const types = (ev: RunEvent[]) => ev.map((e) => e.type);
const images = (ev: RunEvent[]) => ev.flatMap((e) => (e.type === 'image' ? [e.scale] : []));

const loadEvents: LoadEvent[] = [];
let atLoad: { status: string; info: ReturnType<PumaEngine['info']>; events: number } | null = null;
beforeAll(async () => {
  engine = await PumaEngine.load({ ort, manifest, files: filesFromFolder(MODELS_DIR), provider: 'wasm', mllm: 'background', onEvent: (e) => loadEvents.push(e) });
  atLoad = { status: engine.mllmStatus(), info: engine.info(), events: loadEvents.length };
  // what the page queued during the load reaches the engine a message round trip after 'ready'
  // (a macrotask here): it goes before the MLLM's session creation, which would hold the thread
  await new Promise((r) => setTimeout(r, 0));
  for await (const e of engine.run('reconstruct', { image, scales: ['f4'], ...sampler })) firstRun.push({ type: e.type, mllm: engine.mllmStatus() });
}, 300_000);
const firstRun: { type: string; mllm: string }[] = [];
afterAll(() => engine?.release());

describe('the engine runs every MLLM task on the shipped models', () => {
  it('usable once the encoder and decoders exist: the MLLM goes on loading, and a task that needs it waits for it', async () => {
    expect(atLoad!.status, 'the MLLM still loads when load() returns').toBe('loading');
    expect(atLoad!.info).toMatchObject({ textToImage: false, mllmLoading: true });
    expect(engine.taskInfo().reason).toBe('the language model is still loading');
    // every visual file was read before load() returned
    // (a reader, manifest mllm.reader, the pick's key model and the local editors are among the MLLM's files: they load with the MLLM)
    const editors = editorModels(manifest).map((e) => e.name);
    expect(editors.length, 'the shipped MLLM names its tone and sketch editors').toBe(2);
    const visual = Object.keys(engine.variants).filter((k) => !k.startsWith('mllm') && k !== manifest.mllm?.reader?.model && k !== pickKeyModel(manifest)?.name && !editors.includes(k));
    const readyFiles = loadEvents.slice(0, atLoad!.events).flatMap((e) => (e.type === 'file' && e.state === 'ready' && !e.mllm ? [e.model] : []));
    expect(new Set(readyFiles)).toEqual(new Set(visual));
    // a reconstruction asked for just after the load ran to its end before the MLLM's session was
    // created (its creation waits for the run in flight)
    expect(firstRun.map((e) => e.type).at(-1)).toBe('done');
    expect(new Set(firstRun.map((e) => e.mllm)), 'the MLLM loading all through the first run').toEqual(new Set(['loading']));
    // asked for while its session is being created: it waits for it, then runs
    expect(engine.mllmStatus()).toBe('loading');
    const ev = await collect(engine.run('understand', { image, caption: true }));
    expect(types(ev).at(-1)).toBe('done');
    expect(engine.mllmStatus()).toBe('ready');
    expect(await engine.mllmLoaded()).toEqual({ ok: true, reason: undefined });
    expect(engine.info()).toMatchObject({ textToImage: true, mllmLoading: false });
  }, 300_000);

  it("the load says where its time went, phase by phase, in load order (bench/run.mjs records it)", async () => {
    await engine.mllmLoaded();
    const phases = engine.loadPhases;
    // the encoder's session as soon as its file is in, beside the decoders' reads; until ready only
    // the first image's decoder; the others after, each on its own (here the first run, f4 only, needed
    // none of them: all four in the background, before the MLLM's session)
    const later = coarseToFine(manifest).slice(1).map((s) => `after ready: decoder ${s} session`);
    expect(Object.keys(phases)).toEqual(['encoder file', 'encoder session', 'decoder files', 'first decoder session', ...later, 'after ready: mllm files + session (from ready)']);
    for (const [name, ms] of Object.entries(phases)) expect(ms, name).toBeGreaterThanOrEqual(0);
    // creating sessions is real work (parsing, optimising a graph): never a zero-time phase
    for (const name of ['first decoder session', ...later]) expect(phases[name], `${name} takes time`).toBeGreaterThan(1);
  });

  it('text-to-image: the plan comes before the first image, and the run stops after the finest scale asked for', async () => {
    expect(golden.plan, 'the shipped model has a plan').toBeTruthy();
    const ev = await collect(engine.run('text-to-image', { prompt: golden.plan!.prompt, scales: ['f4', 'f3'], ...sampler }));
    const t = types(ev);
    expect(t.at(-1)).toBe('done');
    expect(t.indexOf('plan')).toBeGreaterThanOrEqual(0);
    expect(t.indexOf('plan'), 'the plan is said before the first image').toBeLessThan(t.indexOf('image'));
    const plan = ev.find((e) => e.type === 'plan') as Extract<RunEvent, { type: 'plan' }>;
    expect(plan.plan.text, 'the greedy plan is the one PyTorch wrote').toBe(golden.plan!.plan_text);
    expect(plan.plan.source).toBe('greedy');
    expect(images(ev)).toEqual(['f4', 'f3']);
    for (const e of ev) if (e.type === 'image') expect([e.image.width, e.image.height]).toEqual([64, 64]);
  }, 300_000);

  it('variations sample a plan (seeded) and draw it', async () => {
    const ev = await collect(engine.run('variations', { prompt: golden.plan!.prompt, scales: ['f4'], ...sampler, seed: 11 }));
    const plans = ev.flatMap((e) => (e.type === 'plan' ? [e.plan] : []));
    expect(plans[0]?.source).toBe('sampled');
    expect(images(ev)).toEqual(['f4']);
    expect(types(ev).at(-1)).toBe('done');
  }, 300_000);

  it('an edit plans its target, draws all five scales and recommends one', async () => {
    const ev = await collect(engine.run('edit', { image, instruction: 'draw it in twemoji style', scales: ['f4', 'f3', 'f2', 'f1', 'f0'], ...sampler }));
    const plan = ev.find((e) => e.type === 'plan') as Extract<RunEvent, { type: 'plan' }> | undefined;
    expect(plan?.plan.fields.style, 'the edit plans the asked style').toBe('twemoji');
    // the shipped model picks an edit's concept among the look-alikes' names (manifest mllm.pick): its alternatives are those names
    expect(manifest.mllm?.pick?.tasks).toContain('edit');
    const plans = ev.flatMap((e) => (e.type === 'plan' ? [e.plan] : []));
    expect(plans[0].source).toBe('picked');
    expect(plans.at(-1)!.candidates.length).toBe(manifest.mllm!.pick!.k);
    expect(plans.at(-1)!.candidates[0].text).toBe(plans[0].text);
    for (const c of plans.at(-1)!.candidates) expect(conceptNames.has(c.concept), c.concept).toBe(true);
    expect(images(ev)).toEqual(['f4', 'f3', 'f2', 'f1', 'f0']);
    // the recommendation is one of the manifest's candidates for edits, the only scales scored
    const rec = ev.find((e) => e.type === 'recommend') as Extract<RunEvent, { type: 'recommend' }> | undefined;
    const candidates = manifest.scale_choice?.edit?.candidates ?? ['f4', 'f3', 'f2', 'f1', 'f0'];
    expect(candidates).toContain(rec?.scale);
    expect(Object.keys(rec!.scores).sort()).toEqual(candidates.length > 1 ? [...candidates].sort() : []);
    expect(types(ev).at(-1)).toBe('done');
  }, 300_000);

  it("a caption is the model's pick among the look-alikes' names, given whole, and ends", async () => {
    expect(manifest.mllm?.pick?.tasks).toContain('caption');
    const ev = await collect(engine.run('understand', { image, caption: true }));
    const texts = ev.flatMap((e) => (e.type === 'text' ? [e.text] : []));
    expect(texts.length).toBe(1);
    expect(conceptNames.has(texts[0]), texts[0]).toBe(true);
    // the names it was picked among, best first, their shares of the likelihood summing to one
    const text = ev.find((e) => e.type === 'text') as Extract<RunEvent, { type: 'text' }>;
    expect(text.alternatives!.length).toBe(manifest.mllm!.pick!.k);
    expect(text.alternatives![0].text).toBe(texts[0]);
    expect(text.alternatives!.reduce((a, x) => a + x.p, 0)).toBeCloseTo(1, 5);
    for (const a of text.alternatives!) expect(conceptNames.has(a.text), a.text).toBe(true);
    expect(text.tokens, 'the answer\'s length in tokens').toBeGreaterThanOrEqual(1);
    expect(types(ev).at(-1)).toBe('done');
  }, 300_000);

  it('another question is answered greedily, streamed', async () => {
    const ev = await collect(engine.run('understand', { image, question: manifest.mllm!.prompts.style }));
    const texts = ev.flatMap((e) => (e.type === 'text' ? [e.text] : []));
    expect(ev.some((e) => e.type === 'text' && e.alternatives), 'not picked').toBe(false);
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.at(-1)!.trim().length).toBeGreaterThan(0);
    expect(types(ev).at(-1)).toBe('done');
  }, 300_000);
});
