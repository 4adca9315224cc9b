// The visual models' int8-stored weights (int8 + per-output-channel scale behind DequantizeLinear,
// training/half_weights.py) on onnxruntime-web's WebGPU providers (Dawn on SwiftShader,
// tests/webgpu-node.ts), against the golden vectors, on both builds that run them: the page's (JSEP)
// and the GPU bench's (onnxruntime-web/webgpu, the native WebGPU EP).
// - the page's session options (workers/engine/ort.ts: QDQ handling off, so every DequantizeLinear is
//   folded into an fp32 constant when the session is created): the encoder and the tone editor, on the page's build;
// - QDQ handling on and no CPU fallback allowed (session creation fails if a node is left to the CPU):
//   decoder_f4 at a fixed batch of two, so its DequantizeLinear nodes (int8, per-axis scale) run on the
//   WebGPU provider every call, on both builds.
// A call takes ~30-60 s on SwiftShader (2 cores); the file ~3 minutes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadManifest, requireFile } from './models';
import { expectClose, goldenTensor, readGolden } from './golden';
import { pageOrtOnWebGpu, webgpuOnSwiftShader } from './webgpu-node';
import { sessionOptions } from '../workers/engine/ort';
import { decoderKey, sketchEditorModel, toneEditorModel } from '../workers/lib/manifest';

const manifest = loadManifest();
let gpu: Awaited<ReturnType<typeof webgpuOnSwiftShader>>;
type Ort = typeof import('onnxruntime-web');

beforeAll(async () => {
  gpu = await webgpuOnSwiftShader();
});
afterAll(() => gpu?.stop());

async function check(ort: Ort, model: string, options: object) {
  const entry = manifest.models[model];
  const v = entry.variants!.find((x) => x.dtype === 'float32')!;
  const bytes = readFileSync(requireFile(v.file));
  expect(bytes.includes(Buffer.from('DequantizeLinear')), `${v.file} stores its weights int8`).toBe(true);
  const g = readGolden(entry.golden!);
  const session = await ort.InferenceSession.create(new Uint8Array(bytes), options as never);
  try {
    const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
    for (const [k, t] of Object.entries(g.inputs)) feeds[k] = new ort.Tensor('float32', goldenTensor(t), t.shape);
    const out = await session.run(feeds);
    for (const [k, t] of Object.entries(g.outputs)) expectClose(out[k].data as Float32Array, t, g, `${model}.${k} on WebGPU`);
  } finally {
    await session.release();
  }
}

const builds: [string, () => Promise<Ort>][] = [
  ["the page's build (JSEP)", async () => (await pageOrtOnWebGpu()) as Ort],
  ["the GPU bench's build (native WebGPU EP)", async () => gpu.ort as unknown as Ort],
];

const SLOW = 400_000;

describe('int8-stored weights on WebGPU (SwiftShader)', () => {
  it("the page's build: the encoder with the page's session options matches its golden vectors", async () => {
    await check(await builds[0][1](), 'encoder', sessionOptions('webgpu'));
  }, SLOW);

  it("the page's build: the tone editor (the page draws one person's tone edits with it) matches its golden vectors", async () => {
    const editor = toneEditorModel(manifest);
    expect(editor, 'the shipped manifest has a tone editor (mllm.tone_edit)').toBeTruthy();
    await check(await builds[0][1](), editor!.name, sessionOptions('webgpu'));
  }, SLOW);

  it("the page's build: the sketch editor (the page redraws colour images' sketches with it) matches its golden vectors", async () => {
    const editor = sketchEditorModel(manifest);
    expect(editor, 'the shipped manifest has a sketch editor (mllm.sketch_edit)').toBeTruthy();
    await check(await builds[0][1](), editor!.name, sessionOptions('webgpu'));
  }, SLOW);
});

describe.each(builds)('int8-stored weights on WebGPU (SwiftShader): %s', (_name, load) => {
  it('decoder_f4 with its DequantizeLinear nodes on the WebGPU provider (no CPU fallback) matches its golden vectors', async () => {
    const batch = readGolden(manifest.models[decoderKey(manifest, 'f4')].golden!).inputs.x.shape[0];
    await check(await load(), decoderKey(manifest, 'f4'), {
      executionProviders: ['webgpu'],
      graphOptimizationLevel: 'all',
      freeDimensionOverrides: { batch },
      extra: { session: { disable_cpu_ep_fallback: '1' } },
    });
  }, SLOW);
});
