// The single MLLM graph (one session for prefill and step, `block` ids, the KV cache kept between
// calls) under onnxruntime-web (WASM, in Node), in both generation orders: the raw calls and the
// generation loop reproduce the Python golden vectors (export_mllm golden_unified), scales come
// coarse to fine and generation stops at the finest asked for (5 calls for an image in scale
// order), and the plan step (greedy, sampled, given, its candidates) matches PyTorch on the same
// weights (the golden's "plan" entry, training/golden_plan.py). Runs on the tiny committed fixtures
// (fixtures/make_single.py; single_reader: a fused model with a reader, whose golden calls carry the
// `reader` input) and on public/models when it ships the single graph.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { MllmError, type PlanInfo, type Pyramid } from './generate';
import { canonicalPrompt, parsePlan } from './plan';
import type { RunEvent } from '../engine/protocol';
import { generateImageFeatures, ScaleDecoder, type RunContext } from '../engine/steps';
import { decode, expectNear, f32, graphKind, loadMllm, shippedDir, splitScales, type MllmGolden, type T64 } from './test-helpers';

ort.env.wasm.numThreads = 1;

interface Golden extends MllmGolden {
  order: 'token' | 'scale';
  /** the prompt's image tokens */
  tokens: T64;
  /** a model with a plan (training/golden_plan.py) */
  plan?: PlanGolden;
}
interface PlanGolden {
  prompt: string;
  prefill_ids: number[];
  plan_ids: number[];
  plan_text: string;
  topk: { ids: number[]; logits: number[] };
  candidates: { id: number; ids: number[]; concept: string }[];
  tokens: T64;
  given: { text: string; ids: number[]; tokens: T64 };
  /** an edit restyled (scale order with residual edits: training/golden_plan.py restyle_golden) */
  restyle?: { instruction: string; plan: string; alone_prompt: string; weights: number[]; source: T64; tokens: T64 };
  scales: number;
  atol: number;
  rtol: number;
}

const here = import.meta.dirname;
const dirs = ['single_token', 'single_scale', 'single_reader', 'single_int4'].map((d) => resolve(here, 'fixtures', d));
if (graphKind(shippedDir) === 'single') dirs.push(shippedDir);

async function load(dir: string) {
  const m = await loadMllm(dir);
  if (!('single' in m.sessions)) throw new Error(`${dir}: not the single-graph MLLM`);
  const golden = m.golden as Golden;
  // the exporter writes the plan's golden exactly when the manifest has a plan
  expect(!!golden.plan, `${dir}: golden "plan" entry iff manifest mllm.plan`).toBe(!!m.spec.plan);
  const plan = golden.plan ?? null;
  // the golden image calls are of the sequence without a plan (<s> prompt [IMG])
  const noPlan = m.generator({ ...m.spec, plan: null });
  return { ...m, golden, session: m.sessions.single, plan, noPlan };
}

/** `n` leading tokens of a pyramid, image order */
function leading(p: Pyramid, order: string[], n: number, C: number): Float32Array {
  const out = new Float32Array(n * C);
  let o = 0;
  for (const s of order) {
    if (o >= n || !p[s]) break;
    const take = Math.min(p[s].length / C, n - o);
    out.set(p[s].subarray(0, take * C), o * C);
    o += take;
  }
  expect(o, 'tokens generated').toBe(n);
  return out;
}

// U+FFFD: the two decoders may replace a broken UTF-8 tail differently; the ids were compared
const clean = (s: string) => s.replace(/\uFFFD/g, '');

describe.each(dirs)('single-graph MLLM (%s)', (dir) => {
  it('raw graph: prefill (empty cache) and steps match the golden vectors, t2i and edit', async () => {
    const { spec, session, golden } = await load(dir);
    expect(golden.order).toBe(spec.order);
    for (const [what, run] of [['t2i', golden], ['edit', golden.edit]] as const) {
      let past: ort.InferenceSession.OnnxValueMapType | null = null;
      for (const [n, c] of [run.prefill, ...run.steps].entries()) {
        const feeds: Record<string, ort.Tensor> = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, decode(v)]));
        for (let i = 0; i < spec.n_layer; i++) {
          for (const kv of ['key', 'value']) feeds[`past_${kv}_${i}`] = past ? (past[`present_${kv}_${i}`] as ort.Tensor) : new ort.Tensor('float32', new Float32Array(0), [1, spec.n_head, 0, spec.head_dim]);
        }
        const out: ort.InferenceSession.OnnxValueMapType = await session.run(feeds);
        for (const k of Object.keys(c.outputs)) {
          expect(out[k].dims, `${what} call ${n} ${k} dims`).toEqual(c.outputs[k].shape);
          expectNear(out[k].data as Float32Array, f32(c.outputs[k]), golden, `${what} call ${n} ${k}`);
        }
        past = out;
      }
    }
  });

  it('generateImage (no plan) reproduces the golden t2i and edit tokens and stops at the finest scale asked for', async () => {
    const { spec, golden, noPlan, calls, resetCalls } = await load(dir);
    const C = spec.feature_dim;
    const want = f32(golden.tokens);
    const n = want.length / C;
    const finest = spec.image_order.findIndex((_, i) => spec.scale_tokens.slice(0, i + 1).reduce((a, b) => a + b, 0) >= n);
    const scales = spec.image_order.slice(0, finest + 1);
    const seen: string[] = [];
    resetCalls();
    const res = await noPlan.generateImage('t2i', { text: golden.prompt, scales, onScale: (s) => seen.push(s) });
    expect(seen).toEqual(scales);
    const nTok = spec.scale_tokens.slice(0, finest + 1).reduce((a, b) => a + b, 0);
    // one call per scale in scale order (the prefill rides with the first scale's queries), one per
    // token in token order (the prefill predicts the first)
    expect(calls()).toBe(spec.order === 'scale' ? scales.length : nTok);
    expectNear(leading(res, spec.image_order, n, C), want, golden, 't2i tokens');

    const e = golden.edit;
    expect(e.residual_edit).toBe(!!spec.residual_edit);
    const source = splitScales(spec, f32(e.source));
    // a model with a reader: the golden's reader pyramid of the source, fed where the source is read
    expect(!!e.reader_source, 'golden reader_source iff manifest mllm.reader').toBe(!!spec.reader);
    const reader = e.reader_source ? splitScales(spec, f32(e.reader_source)) : undefined;
    const ew = f32(e.tokens);
    const edited = await noPlan.generateImage('edit', { text: e.instruction, source, reader, scales });
    expectNear(leading(edited, spec.image_order, ew.length / C, C), ew, golden, 'edit tokens');
  });

  it('the plan: greedy plan, its candidates and the image after it match PyTorch; emitted before the first scale', async () => {
    const { spec, gen, plan, tok } = await load(dir);
    if (!spec.plan) throw new Error(`${dir}: the manifest has no mllm.plan`);
    expect(plan, `${dir}: golden "plan" entry`).not.toBeNull();
    const g = plan!;
    const C = spec.feature_dim;
    expect(tok.encode(' ' + g.prompt).length + 2).toBe(g.prefill_ids.length);
    const events: string[] = [];
    let info: PlanInfo | null = null;
    const scales = spec.image_order.slice(0, g.scales);
    const res = await gen.generateImage('t2i', {
      text: g.prompt,
      scales,
      planCandidates: g.topk.ids.length,
      onPlan: (p) => ((info = p), events.push('plan')),
      onScale: (s) => events.push(s),
    });
    // the plan before any image token; its candidates once the image is written (they never delay it)
    expect(events).toEqual(['plan', ...scales, 'plan']);
    const p = info! as PlanInfo;
    expect(p.source).toBe('greedy');
    expect(clean(p.text)).toBe(clean(g.plan_text));
    expectNear(leading(res, spec.image_order, f32(g.tokens).length / C, C), f32(g.tokens), g, 'tokens after the greedy plan');
    // candidates: the top-k first tokens (greedy first), each completed greedily to the separator
    const want = [...new Set(g.candidates.map((c) => clean(c.concept)).filter(Boolean))];
    expect(p.candidates.map((c) => clean(c.concept))).toEqual(want);
    for (let i = 1; i < p.candidates.length; i++) expect(p.candidates[i].p).toBeLessThanOrEqual(p.candidates[i - 1].p);
    for (const c of p.candidates) expect(c.text.startsWith(c.concept)).toBe(true);
  });

  it('a restyled edit blends each scale of the edit with its plan alone, as PyTorch does (planMix)', async () => {
    const { spec, gen, plan, calls, resetCalls } = await load(dir);
    const r = plan?.restyle;
    // the golden has one exactly where the exporter can restyle: scale order, residual edits, no reader
    expect(!!r, `${dir}: golden plan.restyle`).toBe(spec.order === 'scale' && !!spec.residual_edit && !spec.reader && !!spec.plan);
    if (!r) {
      if (spec.plan) {
        const source = splitScales(spec, new Float32Array(spec.image_tokens * spec.feature_dim));
        const refused = spec.order !== 'scale' || !spec.plan.canonical_prompt;
        if (refused) await expect(gen.generateImage('edit', { text: 'make it noto style', source, planMix: [1, 1, 1, 0, 0] })).rejects.toThrow(MllmError);
      }
      return;
    }
    expect(canonicalPrompt(spec.plan!, parsePlan(spec.plan!, r.plan))).toBe(r.alone_prompt);
    const C = spec.feature_dim;
    const scales = spec.image_order.slice(0, r.weights.length);
    const source = splitScales(spec, f32(r.source));
    const planMix = [...r.weights, ...new Array(spec.image_order.length - r.weights.length).fill(1)];
    resetCalls();
    const res = await gen.generateImage('edit', { text: r.instruction, source, plan: r.plan, planMix, scales, planCandidates: 0 });
    const want = f32(r.tokens);
    expectNear(leading(res, spec.image_order, want.length / C, C), want, plan!, 'restyled tokens');
    // the edit: its prefill, then f4 and f3 (f2 is the plan's alone); the plan alone: f4..f3 in one call, then f2
    expect(calls()).toBe(3 + 2);
    // every scale with f1 and f0 from the plan alone: as many calls as the edit drawn plainly (the prefill and one a
    // scale): the edit's prefill and f4..f2, the plan alone's f4..f1 in one call, then f0
    const all = [...spec.image_order];
    resetCalls();
    await gen.generateImage('edit', { text: r.instruction, source, plan: r.plan, planMix: [1, 1, 1, 0, 0], scales: all, planCandidates: 0 });
    const mixedCalls = calls();
    resetCalls();
    await gen.generateImage('edit', { text: r.instruction, source, plan: r.plan, scales: all, planCandidates: 0 });
    expect(mixedCalls).toBe(calls());
    expect(mixedCalls).toBe(1 + all.length);
    // the same edit unmixed differs (the blend is not a no-op), and refuses a weight list of the wrong length
    const plain = await gen.generateImage('edit', { text: r.instruction, source, plan: r.plan, scales, planCandidates: 0 });
    const f2 = spec.image_order[2];
    expect(Math.max(...plain[f2].map((v, i) => Math.abs(v - res[f2][i])))).toBeGreaterThan(1e-5);
    await expect(gen.generateImage('edit', { text: r.instruction, source, plan: r.plan, planMix: [1, 0], scales })).rejects.toThrow(/one per scale/);
    await expect(gen.generateImage('t2i', { text: r.instruction, plan: r.plan, planMix, scales })).rejects.toThrow(MllmError);
  });

  it('a given plan is fed teacher-forced; a sampled plan is seeded; top-1 sampling is the greedy plan', async () => {
    const { spec, gen, plan, calls, resetCalls, generator } = await load(dir);
    const g = plan!;
    const C = spec.feature_dim;
    const scales = spec.image_order.slice(0, g.scales);
    let info: PlanInfo | null = null;
    resetCalls();
    const res = await gen.generateImage('t2i', { text: g.prompt, scales, plan: g.given.text, planCandidates: 0, onPlan: (p) => (info = p) });
    // the prefill, then the given plan and [IMG] fed with the first scale's queries (scale order)
    expect(calls()).toBe(spec.order === 'scale' ? 1 + scales.length : 1 + 1 + spec.scale_tokens.slice(0, g.scales).reduce((a, b) => a + b, 0) - 1);
    expect((info as PlanInfo | null)?.source).toBe('given');
    expect((info as PlanInfo | null)?.text).toBe(g.given.text);
    expect((info as PlanInfo | null)?.fields).toEqual({ concept: 'hot beverage', style: 'noto', tone: 'none' });
    expectNear(leading(res, spec.image_order, f32(g.given.tokens).length / C, C), f32(g.given.tokens), g, 'tokens after the given plan');

    // greedy without drafts: the prefill, a call per plan token, then [IMG] with the first scale's queries
    const oneByOne = generator(spec, { enabled: false });
    resetCalls();
    await oneByOne.generateImage('t2i', { text: g.prompt, scales, planCandidates: 0 });
    if (spec.order === 'scale') expect(calls()).toBe(1 + g.plan_ids.length + scales.length);
    expect(oneByOne.planCalls).toBe(g.plan_ids.length);
    // drafted: the prefill, the plan's verifying calls (at most one per token), the scales
    resetCalls();
    await gen.generateImage('t2i', { text: g.prompt, scales, planCandidates: 0 });
    if (spec.order === 'scale') expect(calls()).toBe(1 + gen.planCalls + scales.length);
    expect(gen.planCalls).toBeLessThanOrEqual(g.plan_ids.length);

    const planOf = async (seed: number, topK: number) => {
      let t = '';
      await gen.generateImage('t2i', { text: g.prompt, scales: ['f4'], planSampling: { seed, topK }, planCandidates: 0, onPlan: (p) => (t = p.text) });
      return t;
    };
    expect(clean(await planOf(7, 1))).toBe(clean(g.plan_text));
    const a = await planOf(1, 5);
    expect(await planOf(1, 5)).toBe(a);
    const others = new Set([a, await planOf(2, 5), await planOf(3, 5)]);
    expect(others.size, 'three seeds, top-5 sampling: more than one plan').toBeGreaterThan(1);
  });

  it('drafted plans are exactly the plans of one call per token: greedy, sampled, candidates, wrong guesses cut back', async () => {
    const { spec, plan, generator } = await load(dir);
    const g = plan!;
    // right and wrong concept names: "red" drafts "red heart" before "red apple" (the shortest
    // first, neither word of "red heart" but "red" in the prompt), a guess the model rejects
    // midway, so the cache is cut back and the plan goes on from the kept part
    const concepts = ['red heart', 'red apple', 'hot beverage', 'cat', 'cat face', 'thumbs up', clean(g.plan_text).split('|')[0].trim()];
    const drafted = generator(spec, { concepts });
    const oneByOne = generator(spec, { enabled: false });
    const C = spec.feature_dim;
    let saved = 0;
    for (const text of [g.prompt, 'red heart', 'a cat with dark skin tone in twemoji style', 'hot beverage']) {
      for (const planSampling of [undefined, { seed: 3, topK: 5 }]) {
        const run = async (gen: typeof drafted) => {
          let info: PlanInfo | null = null;
          const img = await gen.generateImage('t2i', { text, scales: ['f4', 'f3'], planSampling, planCandidates: 3, onPlan: (p) => (info = p) });
          return { info: info! as PlanInfo, img, calls: gen.planCalls };
        };
        const a = await run(drafted);
        const b = await run(oneByOne);
        const what = `${dir} "${text}" ${planSampling ? 'sampled' : 'greedy'}`;
        expect(a.info.text, what).toBe(b.info.text);
        expect(a.info.candidates.map((c) => c.text), what).toEqual(b.info.candidates.map((c) => c.text));
        // float rounding only (several positions a call): measured 4e-7..3e-6 on the shipped model
        const [x, y] = [leading(a.img, spec.image_order, 5, C), leading(b.img, spec.image_order, 5, C)];
        expect(Math.max(...x.map((v, i) => Math.abs(v - y[i]))), what).toBeLessThan(1e-4);
        expect(a.calls, what).toBeLessThanOrEqual(b.calls);
        saved += b.calls - a.calls;
      }
    }
    // the shipped model writes real plans: the drafts must pay there
    if (dir === shippedDir) expect(saved).toBeGreaterThan(0);
  });

  it('drafted answers are exactly the answers of one call per token, streamed piece by piece the same way', async () => {
    const { spec, plan, generator, calls, resetCalls } = await load(dir);
    const concepts = ['red heart', 'red apple', 'grinning face', 'cat', 'cat face', 'thumbs up sign', 'rocket'];
    const drafted = generator(spec, { concepts });
    const oneByOne = generator(spec, { enabled: false });
    let saved = 0;
    for (const text of [plan!.prompt, 'a rocket', 'thumbs up sign in twemoji style']) {
      const img = await oneByOne.generateImage('t2i', { text, planCandidates: 0 });
      for (const question of Object.values(spec.prompts!).filter((q): q is string => typeof q === 'string' && q.endsWith('?'))) {
        const ask = async (gen: typeof drafted) => {
          const pieces: string[] = [];
          resetCalls();
          const answer = await gen.answer({ source: img, reader: spec.reader ? img : undefined, question, onToken: (p) => pieces.push(p) });
          return { answer, pieces, calls: calls() };
        };
        const a = await ask(drafted);
        const b = await ask(oneByOne);
        expect(a.answer, `${dir} "${text}" ${question}`).toBe(b.answer);
        expect(a.pieces).toEqual(b.pieces);
        expect(a.calls).toBeLessThanOrEqual(b.calls);
        saved += b.calls - a.calls;
      }
    }
    if (dir === shippedDir) expect(saved).toBeGreaterThan(0);
  });

  it('answers stream on the single graph; bad input gets a clear error', async () => {
    const { spec, gen, noPlan } = await load(dir);
    const img = await noPlan.generateImage('t2i', { text: 'red heart', scales: spec.image_order });
    spec.image_order.forEach((n, i) => expect(img[n].length).toBe(spec.scale_tokens[i] * spec.feature_dim));
    const pieces: string[] = [];
    const reader = spec.reader ? img : undefined; // any pyramid will do for the reader here
    const text = await gen.answer({ source: img, reader, question: 'what is this emoji?', maxTokens: 4, onToken: (p) => pieces.push(p) });
    expect(pieces.join('').trim()).toBe(text);
    const short = await gen.answer({ source: img, reader, question: 'what is this emoji?', maxTokens: 2 });
    expect(text.startsWith(short), `"${short}" should begin "${text}"`).toBe(true);
    await expect(noPlan.generateImage('t2i', { text: 'x', plan: 'cat | noto | none' })).rejects.toThrow(/writes no plan/);
    await expect(gen.generateImage('t2i', { text: 'x', plan: 'cat '.repeat(40) })).rejects.toThrow(/plan is too long/);
    await expect(gen.generateImage('t2i', { text: 'x', plan: '  ' })).rejects.toThrow(/empty plan/);
    await expect(gen.generateImage('t2i', { text: 'red heart '.repeat(400) })).rejects.toThrow(/too long.*context/);
    await expect(gen.generateImage('t2i', { text: 'x', scales: ['f9'] })).rejects.toThrow(/unknown scale/);
    await expect(gen.generateImage('edit', { text: 'colorize this', source: { f4: new Float32Array(3) } })).rejects.toThrow(MllmError);
  });

  it("the engine's generateImageFeatures announces the plan before any scale, and a given plan replaces the model's", async () => {
    const { spec, gen, man, plan } = await load(dir);
    const events: RunEvent[] = [];
    const ctx = { manifest: { ...man, scales: spec.image_order.map((name, i) => ({ name, tokens: spec.scale_tokens[i] })) }, mllm: gen, checkpoint: async () => undefined, guard: <T>(p: Promise<T>) => p, lastGeneration: null } as unknown as RunContext;
    // wanted: [] -- features only, nothing drawn (the fixture has no decoders)
    const decoder = new ScaleDecoder(ctx, { uncond: {}, sampler: { steps: 1, guidance: 1, seed: 0 }, wanted: [] }, (e) => events.push(e));
    await generateImageFeatures(ctx, { kind: 't2i', text: plan!.prompt, scales: ['f4', 'f3'], plan: plan!.given.text }, decoder, (e) => events.push(e));
    const kinds = events.map((e) => (e.type === 'mllm' ? `mllm:${e.scale ?? ''}` : e.type)).filter((k) => k !== 'mllm:');
    expect(kinds).toEqual(['plan', 'mllm:f4', 'mllm:f3', 'plan']);
    const [first, last] = events.filter((e): e is Extract<RunEvent, { type: 'plan' }> => e.type === 'plan');
    expect(first.plan.candidates).toEqual([]);
    for (const p of [first, last]) {
      expect(p.plan.source).toBe('given');
      expect(p.plan.text).toBe(plan!.given.text);
    }
    expect(last.plan.candidates.length).toBeGreaterThan(0);
  });
});
