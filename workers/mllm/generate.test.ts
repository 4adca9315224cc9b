// The two-file MLLM (mllm_prefill + mllm_step, token order) under onnxruntime-web (WASM, in
// Node) reproduces the Python golden prefill + steps; scales are emitted coarse to fine and
// generation stops at the finest scale asked for; bad input fails loudly. Runs on the tiny
// committed fixture (workers/mllm/fixtures, untrained weights, same graphs and format) and on
// public/models (or PUMA_MODELS_DIR) while it ships the pair; single-graph.test.ts covers the
// one-graph models.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { MllmError, type Pyramid } from './generate';
import { decode, expectClose, f32, graphKind, loadMllm, shippedDir, splitScales, type MllmGolden } from './test-helpers';

ort.env.wasm.numThreads = 1;

const dirs: string[] = [resolve(import.meta.dirname, 'fixtures')];
// the shipped models are part of the contract: missing ones fail (in load) rather than skip;
// once they are the single graph, single-graph.test.ts runs them
if (graphKind(shippedDir) !== 'single') dirs.push(shippedDir);

async function load(dir: string) {
  const m = await loadMllm(dir);
  if (!('prefill' in m.sessions)) throw new Error(`${dir}: not the two-file MLLM`);
  const { prefill, step } = m.sessions;
  return { ...m, prefill, step, golden: m.golden as MllmGolden, steps: () => m.calls() - 1, resetSteps: m.resetCalls };
}

describe.each(dirs)('MLLM (%s)', (dir) => {
  it('raw graphs: prefill + steps match the golden vectors', async () => {
    const { spec, prefill, step, golden } = await load(dir);
    let out = await prefill.run(Object.fromEntries(Object.entries(golden.prefill.inputs).map(([k, v]) => [k, decode(v)])));
    expectClose(out.logits.data as Float32Array, decode(golden.prefill.outputs.logits).data as Float32Array, golden.atol, golden.rtol, 'prefill logits');
    expectClose(out.feature.data as Float32Array, decode(golden.prefill.outputs.feature).data as Float32Array, golden.atol, golden.rtol, 'prefill feature');
    for (const [n, s] of golden.steps.entries()) {
      const feeds: Record<string, ort.Tensor> = Object.fromEntries(Object.entries(s.inputs).map(([k, v]) => [k, decode(v)]));
      for (let i = 0; i < spec.n_layer; i++) {
        feeds[`past_key_${i}`] = out[`present_key_${i}`];
        feeds[`past_value_${i}`] = out[`present_value_${i}`];
      }
      out = await step.run(feeds);
      for (const k of Object.keys(s.outputs)) {
        expect(out[k].dims, `step ${n} ${k} dims`).toEqual(s.outputs[k].shape);
        expectClose(out[k].data as Float32Array, decode(s.outputs[k]).data as Float32Array, golden.atol, golden.rtol, `step ${n} ${k}`);
      }
    }
  });

  it('generateImage emits f4 after the prefill, f3 after 4 steps, and stops there when asked', async () => {
    const { spec, golden, gen, steps, resetSteps } = await load(dir);
    const C = spec.feature_dim;
    const seen: string[] = [];
    resetSteps();
    const res = await gen.generateImage('t2i', { text: golden.prompt, scales: ['f4', 'f3'], onScale: (name) => seen.push(name) });
    expect(seen).toEqual(['f4', 'f3']);
    expect(steps()).toBe(4);
    expect(Object.keys(res).sort()).toEqual(['f3', 'f4']);
    expectClose(res.f4, decode(golden.prefill.outputs.feature).data as Float32Array, golden.atol, golden.rtol, 'f4');
    const f3 = new Float32Array(4 * C);
    golden.steps.slice(0, 4).forEach((s, i) => f3.set(decode(s.outputs.feature).data as Float32Array, i * C));
    expectClose(res.f3, f3, golden.atol * 4, golden.rtol * 4, 'f3');
  });

  it('an edit reproduces the golden edit tokens (residual: source token + delta, fed back)', async () => {
    const { spec, golden, gen } = await load(dir);
    const C = spec.feature_dim;
    const e = golden.edit;
    expect(e.residual_edit).toBe(!!spec.residual_edit);
    const source = splitScales(spec, f32(e.source));
    const want = decode(e.tokens).data as Float32Array; // prefill + 5 steps = f4 and f3 plus one f2 token
    const res = await gen.generateImage('edit', { text: e.instruction, source, scales: ['f4', 'f3'] });
    const got = new Float32Array(5 * C);
    got.set(res.f4, 0);
    got.set(res.f3, C);
    expectClose(got, want.slice(0, 5 * C), golden.atol * 4, golden.rtol * 4, 'edit f4+f3');
  });

  it('full generation yields every scale with its token count; editing and answers run', async () => {
    const { spec, gen } = await load(dir);
    const C = spec.feature_dim;
    const order: string[] = [];
    const img = await gen.generateImage('t2i', { text: 'red heart', onScale: (n) => order.push(n) });
    expect(order).toEqual(spec.image_order);
    spec.image_order.forEach((n, i) => expect(img[n].length).toBe(spec.scale_tokens[i] * C));
    const edited = await gen.generateImage('edit', { text: 'colorize this', source: img, scales: ['f4'] });
    expect(edited.f4.length).toBe(C);
    // greedy answers: streamed pieces add up to the answer, at most maxTokens of them, the same
    // answer every time, and a shorter budget gives a prefix of the longer answer
    const pieces: string[] = [];
    let calls = 0;
    const text = await gen.answer({ source: img, question: 'what is this emoji?', maxTokens: 5, onToken: (p) => pieces.push(p), betweenCalls: () => void calls++ });
    expect(pieces.join('').trim()).toBe(text);
    expect(calls).toBeLessThanOrEqual(4); // one graph call per token after the prefill, none after the last
    expect(await gen.answer({ source: img, question: 'what is this emoji?', maxTokens: 5 })).toBe(text);
    const short = await gen.answer({ source: img, question: 'what is this emoji?', maxTokens: 2 });
    expect(text.startsWith(short), `"${short}" (2 tokens) should begin "${text}" (5 tokens)`).toBe(true);
    // a throwing betweenCalls stops the answer (how a cancel stops it)
    if (calls > 0) await expect(gen.answer({ source: img, question: 'what is this emoji?', maxTokens: 5, betweenCalls: () => { throw new Error('stop here'); } })).rejects.toThrow(/stop here/);
  });

  it('bad input gets a clear error', async () => {
    const { spec, gen } = await load(dir);
    await expect(gen.generateImage('t2i', { text: '   ' })).rejects.toThrow(/empty prompt/);
    await expect(gen.generateImage('t2i', { text: 'red heart '.repeat(400) })).rejects.toThrow(/too long.*context/);
    await expect(gen.run('paint', { text: 'x' })).rejects.toThrow(/unknown sequence kind "paint"/);
    await expect(gen.generateImage('t2i', { text: 'x', scales: ['f9'] })).rejects.toThrow(/unknown scale/);
    const bad: Pyramid = { f4: new Float32Array(spec.feature_dim), f3: new Float32Array(3) };
    await expect(gen.generateImage('edit', { text: 'colorize this', source: bad })).rejects.toThrow(MllmError);
    await expect(gen.answer({ source: undefined as never, question: 'what?' })).rejects.toThrow(/source image/);
  });
});
