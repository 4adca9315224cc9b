// The MLLM on WebGPU with graph capture (workers/mllm/captured-graph.ts), on a real WebGPU device
// (Dawn on SwiftShader, tests/webgpu-node.ts) with the page's onnxruntime-web build. The model is the
// committed tiny fused fixture (workers/mllm/fixtures/single_reader: the shipped graph's kind, untrained
// weights): the shipped model takes ~17 s a captured call here. Everything is compared with the same
// graph on WebGPU without capture (placeMllm's plain session), which the WASM parity tests tie to PyTorch:
// - text to image (the plan drafted, its candidates branched from the prompt's cache), and answers; the
//   retrieval pick (a caption and an edit's plan scored name by name from the prefix's cache);
// - capture refused at creation (the unfused fixture: a bool Unsqueeze runs on the CPU) and a captured
//   call failing mid-generation: the plain session goes on from the same cache, read back once;
// - a cache whose positions another branch overwrote is refused, not silently read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { pageOrtOnWebGpu, webgpuOnSwiftShader } from './webgpu-node';
import { mllmFromFolder } from '../workers/engine/folder-files';
import { placeMllm } from '../workers/engine/mllm-placement';
import { mllmCaptureOptions, ortDevice, type InferenceSession, type OrtLike } from '../workers/engine/ort';
import { createSession } from '../workers/engine/model-bytes';
import type { GpuDeviceLike } from '../workers/engine/gpu-decode-loop';
import { CapturedMllm, StaleCacheError, type CaptureOrt } from '../workers/mllm/captured-graph';
import { GraphRunner, type GraphSession, type MllmSessions } from '../workers/mllm/graph-runner';
import { MllmGenerator, type PlanInfo, type Pyramid } from '../workers/mllm/generate';
import type { Manifest } from '../workers/lib/manifest';
import { maxAbsDiff } from './golden';
import { makeGallery } from './gallery-file';

/** the same fp32 graph on the same device: only the padded cache's summation order differs */
const TOLERANCE = 1e-4;
const fixture = (d: string) => resolve(import.meta.dirname, '../workers/mllm/fixtures', d);
const manifestOf = (d: string) => JSON.parse(readFileSync(resolve(fixture(d), 'manifest.json'), 'utf8')) as Manifest;

let gpu: Awaited<ReturnType<typeof webgpuOnSwiftShader>>;
let ort: OrtLike;
beforeAll(async () => {
  gpu = await webgpuOnSwiftShader();
  ort = (await pageOrtOnWebGpu()) as unknown as OrtLike;
});
afterAll(() => gpu?.stop());

/** a generator on the fixture in `dir`, captured or not (on the page's onnxruntime-web build unless `on` is given) */
async function generator(dir: string, capture: boolean, wrap?: (s: MllmSessions) => MllmSessions, on: OrtLike = ort) {
  const m = manifestOf(dir);
  const { graphs, tokenizer } = await mllmFromFolder(fixture(dir), m);
  const placed = await placeMllm(on, { provider: 'webgpu' }, graphs, tokenizer, m.mllm!, capture);
  expect(placed.where, 'on WebGPU').toEqual({ provider: 'webgpu' });
  const sessions = wrap ? wrap(placed.sessions) : placed.sessions;
  return { m, gen: new MllmGenerator(ort, m.mllm!, placed.tokenizer, sessions), placed: placed.placed!, sessions, graphs };
}

/** A gallery over the fixture's feature size: four names, their rows spread so a reader's f4 ranks them */
function pickGallery(m: Manifest) {
  const C = m.mllm!.feature_dim;
  const rows = [0, 1, 2, 3].map((k) => Array.from({ length: C }, (_, j) => Math.sin(j * 0.37 + 2 + k * 0.9) / Math.sqrt(C / 2)));
  return makeGallery(new Array(C).fill(0), rows, [0, 1, 2, 3], ['red apple', 'cat face', 'hot beverage', 'grinning face']);
}

/** a deterministic pyramid of one image in the feature range */
function pyramid(m: Manifest, seed: number): Pyramid {
  const p: Pyramid = {};
  const s = m.mllm!;
  s.image_order.forEach((n, i) => {
    p[n] = Float32Array.from({ length: s.scale_tokens[i] * s.feature_dim }, (_, j) => Math.sin(j * 0.37 + seed + i));
  });
  return p;
}

interface T2iResult {
  plans: PlanInfo[];
  images: Pyramid;
}
async function t2i(gen: MllmGenerator, text: string): Promise<T2iResult> {
  const plans: PlanInfo[] = [];
  const images = (await gen.generateImage('t2i', { text, planCandidates: 3, onPlan: (p) => plans.push(structuredClone(p)) })) as Pyramid;
  return { plans, images };
}

function expectSame(got: T2iResult, want: T2iResult, what: string) {
  expect(got.plans.map((p) => ({ ...p, candidates: p.candidates.map((c) => ({ concept: c.concept, text: c.text })) })), `${what}: plan and candidates`).toEqual(
    want.plans.map((p) => ({ ...p, candidates: p.candidates.map((c) => ({ concept: c.concept, text: c.text })) })),
  );
  for (const [s, f] of Object.entries(want.images)) expect(maxAbsDiff(got.images[s], f), `${what}: ${s}`).toBeLessThanOrEqual(TOLERANCE);
}

describe('the MLLM on WebGPU with graph capture (SwiftShader)', () => {
  const prompts = ['red apple in noto style', 'a cat with dark skin tone'];

  it('text to image and answers as the uncaptured graph gives them, every call captured', async () => {
    const plain = await generator('single_reader', false);
    const cap = await generator('single_reader', true);
    expect(plain.gen.capture.active, 'capture off').toBe(false);
    expectSame(await t2i(cap.gen, prompts[0]), await t2i(plain.gen, prompts[0]), prompts[0]);
    const src = pyramid(cap.m, 1);
    const reader = pyramid(cap.m, 2);
    const q = 'what is this emoji?';
    expect(await cap.gen.answer({ source: src, reader, question: q }), q).toBe(await plain.gen.answer({ source: src, reader, question: q }));
    // an edit reads a given image (its prefill is longer than any text) and draws from it
    const edit = (g: MllmGenerator) => g.generateImage('edit', { text: 'colorize this', source: src, reader, planCandidates: 0 }) as Promise<Pyramid>;
    const [e1, e2] = [await edit(cap.gen), await edit(plain.gen)];
    for (const s of Object.keys(e2)) expect(maxAbsDiff(e1[s], e2[s]), `edit ${s}`).toBeLessThanOrEqual(TOLERANCE);
    // the retrieval pick (manifest mllm.pick): each name scored from the prefix's cache, one branch a name
    const picking = (g: { m: Manifest; sessions: MllmSessions }, tok: MllmGenerator['tok']) =>
      new MllmGenerator(ort, { ...g.m.mllm!, pick: { gallery: 'gallery', k: 3, tasks: ['caption', 'edit'] } }, tok, g.sessions, {}, pickGallery(g.m));
    const [pc, pp] = [picking(cap, cap.gen.tok), picking(plain, plain.gen.tok)];
    const picked = (g: MllmGenerator) => g.answer({ source: src, reader, question: q, pick: true });
    expect(await picked(pc), 'a picked caption').toBe(await picked(pp));
    const planned = async (g: MllmGenerator) => {
      const plans: PlanInfo[] = [];
      await g.generateImage('edit', { text: 'colorize this', source: src, reader, scales: ['f4'], pick: true, task: 'edit', onPlan: (p) => plans.push(structuredClone(p)) });
      return plans.at(-1)!;
    };
    const [a, b] = [await planned(pc), await planned(pp)];
    expect(a.source).toBe('picked');
    expect(a.candidates.map((c) => c.text), 'the picked plan and its ranked alternatives').toEqual(b.candidates.map((c) => c.text));
    a.candidates.forEach((c, i) => expect(Math.abs(c.p - b.candidates[i].p)).toBeLessThan(1e-3));
    expect(cap.gen.capture, 'still captured after every task').toEqual({ active: true, failure: null });
    const captured = (cap.sessions as { captured?: CapturedMllm }).captured!;
    expect(captured.sessionLengths.length, 'several bucket sessions were made').toBeGreaterThan(1);
    cap.placed.release();
    plain.placed.release();
  }, 900_000);

  it('capture refused at creation: the plain session runs, from the same caches, with the same results', async () => {
    // the unfused graph keeps a bool Unsqueeze, which onnxruntime-web's WebGPU runs on the CPU: no capture
    const plain = await generator('single_scale', false);
    const cap = await generator('single_scale', true);
    expectSame(await t2i(cap.gen, prompts[0]), await t2i(plain.gen, prompts[0]), 'refused');
    expect(cap.gen.capture.active).toBe(false);
    expect(cap.gen.capture.failure, 'says why').toMatch(/graph capture/i);
    cap.placed.release();
    plain.placed.release();
  }, 900_000);

  it('a captured call failing mid-generation: the plain session continues from the cache read back', async () => {
    const plain = await generator('single_reader', false);
    const want = await t2i(plain.gen, prompts[1]);
    // the captured sessions are real; the fourth captured call throws, as a lost capture would
    let runs = 0;
    const m = manifestOf('single_reader');
    const { graphs } = await mllmFromFolder(fixture('single_reader'), m);
    const device = (await ortDevice(ort)) as GpuDeviceLike;
    const captured = new CapturedMllm(ort as unknown as CaptureOrt, device, m.mllm!, async (shape) => {
      const s = await createSession(ort, graphs.mllm, mllmCaptureOptions(shape));
      return {
        run: (f: InferenceSession.FeedsType) => {
          if (++runs === 4) throw new Error('replay failed (test)');
          return s.run(f);
        },
        release: () => s.release(),
      } as unknown as InferenceSession;
    });
    const cap = await generator('single_reader', false, (s) => ({ single: (s as { single: GraphSession }).single, captured }));
    const got = await t2i(cap.gen, prompts[1]);
    expect(runs, 'the fourth captured call failed (three had written the cache) and no captured call followed').toBe(4);
    expect(cap.gen.capture).toEqual({ active: false, failure: 'replay failed (test)' });
    expectSame(got, want, 'after the failure');
    captured.release();
    cap.placed.release();
    plain.placed.release();
  }, 900_000);

  // the GPU bench runs onnxruntime-web/webgpu (the native WebGPU EP), the page the JSEP build: both capture
  it.each(['page', 'native'] as const)('a cache another branch has overwritten is refused (%s build)', async (build) => {
    const on = build === 'page' ? ort : (gpu.ort as unknown as OrtLike);
    const cap = await generator('single_reader', true, undefined, on);
    const runner = new GraphRunner(on, cap.m.mllm!, cap.sessions);
    const C = cap.m.mllm!.feature_dim;
    const text = (ids: number[], from: number) => ({ ids, slot: ids.map(() => 0), feats: new Float32Array(ids.length * C), block: ids.map((_, i) => from + i) });
    const a = await runner.call(runner.empty(), text([1, 5, 6], 0));
    const b1 = await runner.call(a.cache, text([7, 8], 3));
    const b2 = await runner.call(a.cache, text([9], 3)); // a branch from `a`: overwrites b1's first position
    await expect(runner.call(b1.cache, text([10], 5))).rejects.toThrow(StaleCacheError);
    // the branch that wrote last, and the prefix both came from, still run
    await runner.call(b2.cache, text([10], 4));
    const before = await runner.call(a.cache, text([11], 3));
    // a session made and captured ahead of use (the engine's warm-up between runs) leaves the cache as it was
    const lengths = runner.captureLengths();
    expect(lengths.at(-1), 'the longest call is the context').toBe(cap.m.mllm!.ctx);
    expect((cap.sessions as { captured?: CapturedMllm }).captured!.sessionLengths, 'not made before the warm-up').not.toContain(lengths[2]);
    await runner.warmCapture(lengths[2]);
    expect((cap.sessions as { captured?: CapturedMllm }).captured!.sessionLengths, 'made by the warm-up').toContain(lengths[2]);
    expect(maxAbsDiff((await runner.call(a.cache, text([11], 3))).logits, before.logits)).toBe(0);
    // a truncated cache forgets what it dropped: a call after it equals one after the prefix itself
    const t = await runner.truncate((await runner.call(a.cache, text([12, 13, 14], 3))).cache, 4);
    const viaTrunc = await runner.call(t, text([15], 4));
    const direct = await runner.call((await runner.call(a.cache, text([12], 3))).cache, text([15], 4));
    expect(maxAbsDiff(viaTrunc.logits, direct.logits)).toBeLessThanOrEqual(TOLERANCE);
    expect(runner.isCaptured, `every call captured (${runner.captureFailure})`).toBe(true);
    cap.placed.release();
  }, 900_000);
});
