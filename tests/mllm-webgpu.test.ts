// The shipped MLLM on onnxruntime-web's WebGPU provider (Dawn on SwiftShader, tests/webgpu-node.ts),
// as the engine places it on a real GPU (workers/engine/mllm-placement.ts): the KV cache comes back
// as GPU buffers and is fed to the next call as it is; each replaced cache is disposed; only logits
// and features are read back. The page keeps the MLLM on WASM on an emulated adapter (it is slower
// there); this test forces WebGPU. Against the golden vectors (golden/mllm_single.json), with the
// tolerances of the WASM parity test (workers/mllm/single-graph.test.ts), on both onnxruntime-web
// builds that run it:
// - the page's (JSEP WebGPU): the generation loop, one prompt, four calls (prefill; the given plan
//   with f4's queries; f3; f2): the plan's first-token distribution at the prefill and the image features;
// - the GPU bench's (onnxruntime-web/webgpu, the native WebGPU EP): the golden's raw prefill and
//   first step, every output;
// - both, on the 4-bit graph (MatMulNBits; the tiny fixture workers/mllm/fixtures/single_int4): its raw
//   prefill and first step.
// A call takes ~15-40 s on SwiftShader; the file ~5 minutes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MODELS_DIR, goldenFile, loadManifest, readJson } from './models';
import type { Manifest } from '../workers/lib/manifest';
import { pageOrtOnWebGpu, webgpuOnSwiftShader } from './webgpu-node';
import { mllmFromFolder } from '../workers/engine/folder-files';
import { placeMllm } from '../workers/engine/mllm-placement';
import type { InferenceSession, Tensor } from '../workers/engine/ort';
import { MllmGenerator, type Pyramid } from '../workers/mllm/generate';
import type { GraphSession } from '../workers/mllm/graph-runner';
import { decode, expectNear, f32, type T64 } from '../workers/mllm/test-helpers';
import type { OrtLike } from '../workers/engine/ort';

interface PlanGolden {
  prompt: string;
  plan_ids: number[];
  topk: { ids: number[]; logits: number[] };
  given: { text: string; tokens: T64 };
  scales: number;
  atol: number;
  rtol: number;
}

const manifest = loadManifest();
const spec = manifest.mllm!;
interface Call {
  inputs: Record<string, T64>;
  outputs: Record<string, T64>;
}
const golden = readJson<{ plan: PlanGolden; prefill: Call; steps: Call[]; atol: number; rtol: number }>(goldenFile('mllm_single'));
const g = golden.plan;
let gpu: Awaited<ReturnType<typeof webgpuOnSwiftShader>>;

beforeAll(async () => {
  gpu = await webgpuOnSwiftShader();
});
afterAll(() => gpu?.stop());

/** max |got - want| */
function maxDiff(got: ArrayLike<number>, want: ArrayLike<number>) {
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
  return d;
}

describe('the MLLM on WebGPU (SwiftShader, forced), KV cache in GPU buffers', () => {
  it("the page's build: the golden plan logits and image features; caches stay on the GPU and each replaced one is disposed", async () => {
    const ort = (await pageOrtOnWebGpu()) as unknown as OrtLike;
    const { graphs, tokenizer } = await mllmFromFolder(MODELS_DIR, manifest);
    const placed = await placeMllm(ort, { provider: 'webgpu' }, graphs, tokenizer, spec);
    expect(placed.where, 'created on WebGPU (no fallback)').toEqual({ provider: 'webgpu' });

    // every call's outputs, as the generator gets them
    const calls: InferenceSession.ReturnType[] = [];
    const locations: Record<string, string>[] = []; // where each output was when the call returned
    const session = (placed.sessions as { single: GraphSession }).single;
    const recorder: GraphSession = {
      async run(f) {
        const out = await session.run(f);
        calls.push(out);
        locations.push(Object.fromEntries(Object.entries(out).map(([n, t]) => [n, (t as Tensor).location])));
        return out;
      },
    };
    const gen = new MllmGenerator(ort, spec, placed.tokenizer, { single: recorder });
    const scales = spec.image_order.slice(0, g.scales);
    const res: Pyramid = await gen.generateImage('t2i', { text: g.prompt, scales, plan: g.given.text, planCandidates: 0 });
    expect(calls.length, 'prefill, then one call per scale (the given plan rides with the first)').toBe(1 + scales.length);

    // the plan: the prefill's logits at the golden top-k (the plan's first token) and their order
    const logits = (await calls[0].logits.getData()) as Float32Array;
    const atTop = Float32Array.from(g.topk.ids, (i) => logits[i]);
    console.log(`[mllm webgpu] plan top-${g.topk.ids.length} logits max |diff| ${maxDiff(atTop, g.topk.logits).toExponential(2)}`);
    expectNear(atTop, g.topk.logits, g, 'prefill logits at the golden top-k');
    const best = g.topk.ids.reduce((a, b) => (logits[b] > logits[a] ? b : a));
    expect(best, 'the greedy plan starts with the golden first token').toBe(g.plan_ids[0]);

    // the image features after the given plan, scale by scale
    const want = f32(g.given.tokens);
    const C = spec.feature_dim;
    const got = new Float32Array(want.length);
    let o = 0;
    for (const s of scales) {
      got.set(res[s], o);
      o += res[s].length;
    }
    expect(o, 'features of every scale asked for').toBe(want.length);
    console.log(`[mllm webgpu] features (${want.length / C} tokens, ${scales.join(' ')}) max |diff| ${maxDiff(got, want).toExponential(2)}`);
    expectNear(got, want, g, 'image features after the given plan');

    // where each output lived: the KV cache on the GPU, what the page reads on the CPU
    for (const at of locations) {
      for (const [name, where] of Object.entries(at)) expect(where, name).toBe(name.startsWith('present_') ? 'gpu-buffer' : 'cpu');
    }
    // every cache was released (replaced, or at the end): its GPU buffers disposed
    const left = calls.flatMap((out) => Object.entries(out).filter(([n, t]) => n.startsWith('present_') && (t as Tensor).location !== 'none').map(([n]) => n));
    expect(left, 'GPU KV tensors not disposed').toEqual([]);
    placed.placed?.release();
  }, 600_000);

  it("the GPU bench's build (native WebGPU EP): the golden prefill and first step, every output, the cache fed back from the GPU", async () => {
    await rawCalls(gpu.ort as unknown as OrtLike, MODELS_DIR, manifest, golden, 'native');
  }, 600_000);

  // the 4-bit MLLM (MLLMConfig.qat_bits=4): its trunk's linear layers as MatMulNBits (training/quantize.py
  // nbits_onnx), on the tiny fixture workers/mllm/fixtures/single_int4 (fixtures/make_single.py), on both builds
  it('the 4-bit graph (MatMulNBits): the golden prefill and first step on the page\'s build and the native EP', async () => {
    const dir = resolve(import.meta.dirname, '../workers/mllm/fixtures/single_int4');
    // an MLLM-only folder (no image or scales: the export's own manifest), read as the MLLM tests read it
    const m = JSON.parse(readFileSync(resolve(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.models.mllm.variants![0].dtype).toBe('int4');
    const g4 = JSON.parse(readFileSync(resolve(dir, 'golden', 'mllm_single.json'), 'utf8')) as typeof golden;
    await rawCalls((await pageOrtOnWebGpu()) as unknown as OrtLike, dir, m, g4, 'page int4');
    await rawCalls(gpu.ort as unknown as OrtLike, dir, m, g4, 'native int4');
  }, 600_000);
});

/** The golden's raw prefill and first step through the folder's MLLM placed on WebGPU: every output against
 * PyTorch's, the cache fed back from the GPU. */
async function rawCalls(ort: OrtLike, dir: string, m: Manifest, gold: typeof golden, tag: string) {
  const sp = m.mllm!;
  const { graphs, tokenizer } = await mllmFromFolder(dir, m);
  const placed = await placeMllm(ort, { provider: 'webgpu' }, graphs, tokenizer, sp);
  expect(placed.where).toEqual({ provider: 'webgpu' });
  const session = (placed.sessions as { single: GraphSession }).single;
  let past: InferenceSession.ReturnType | null = null;
  for (const [n, c] of [gold.prefill, gold.steps[0]].entries()) {
    const feeds: Record<string, Tensor> = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, decode(v) as unknown as Tensor]));
    for (let i = 0; i < sp.n_layer; i++) {
      for (const kv of ['key', 'value']) feeds[`past_${kv}_${i}`] = past ? (past[`present_${kv}_${i}`] as Tensor) : (new ort.Tensor('float32', new Float32Array(0), [1, sp.n_head, 0, sp.head_dim]) as unknown as Tensor);
    }
    const out = await session.run(feeds);
    expect(out.present_key_0.location, `call ${n}: the cache stays on the GPU`).toBe('gpu-buffer');
    for (const k of Object.keys(c.outputs)) {
      const got = (await out[k].getData()) as Float32Array;
      console.log(`[mllm webgpu ${tag}] call ${n} ${k} max |diff| ${maxDiff(got, f32(c.outputs[k])).toExponential(2)}`);
      expectNear(got, f32(c.outputs[k]), gold, `${tag} call ${n} ${k}`);
    }
    if (past) for (const [k, t] of Object.entries(past)) if (k.startsWith('present_')) (t as Tensor).dispose();
    past = out;
  }
  placed.placed?.release();
}

