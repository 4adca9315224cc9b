// The encoder on WebGPU with its batch fixed at one image and graph capture (gpu-encoder.ts), on a
// real WebGPU device (Dawn on SwiftShader, tests/webgpu-node.ts). The graph is
// tests/fixtures/loop_encoder.onnx (the encoder's interface, and shape nodes computed from the
// input's shape as the real encoder's are; tests/make_loop_fixture.py): the real encoder takes
// 8-30 s a run here, and runs captured in the WebGPU e2e specs. Every result is compared with the
// same graph on WASM, the batch free (what every other provider runs), and the codec's pyramids
// with the WASM codec's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { maxAbsDiff } from './golden';
import { loadManifest, MODELS_DIR } from './models';
import { PumaEngine } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import { webgpuOnSwiftShader } from './webgpu-node';
import { GpuEncoder } from '../workers/engine/gpu-encoder';
import { encoderFeatures, PyramidCodec } from '../workers/engine/pyramid-codec';
import { decodeSessionOptions, ortDevice, type GpuDecodeChoice, type InferenceSession, type OrtLike } from '../workers/engine/ort';
import { createDecodeSessions, type GpuDeviceLike, type OrtGpuLike } from '../workers/engine/gpu-decode-loop';
import { coarseToFine, decoderKey, type Manifest } from '../workers/lib/manifest';

/** WebGPU's float kernels against WASM's on the same fp32 graph: accumulation order only */
const TOLERANCE = 1e-3;
const CAPTURE: GpuDecodeChoice = { loop: 'gpu', graphCapture: true };
const UNCAPTURED: GpuDecodeChoice = { loop: 'gpu', graphCapture: false };

let gpu: Awaited<ReturnType<typeof webgpuOnSwiftShader>>;
let m: Manifest;
let bytes: Uint8Array;
let wasm: InferenceSession;
const optionsFor = (c: GpuDecodeChoice) => decodeSessionOptions('webgpu', c, 'batch', 1);
/** the encoder's session as the engine creates it: the decoders' mechanism, one graph */
const createEncoder = async (model: Uint8Array, c: GpuDecodeChoice) => {
  const r = await createDecodeSessions(gpu.ort, [model], c, optionsFor);
  return { session: r.sessions[0], captured: r.gpuDecode.graphCapture, failure: r.failure };
};
const fixture = (f: string) => new Uint8Array(readFileSync(resolve(import.meta.dirname, 'fixtures', f)));

/** a deterministic, non-trivial image in [-1,1]: a different one per seed */
function image(seed: number) {
  const S = m.image.size;
  const x = new Float32Array(3 * S * S);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.013 * (seed + 1) + seed) * 0.9;
  return x;
}

const onWasm = (img: Float32Array, batch = 1) => encoderFeatures(gpu.ort as unknown as OrtLike, m, wasm, m.models.encoder, img, batch);
const tokens = () => m.scales[0].tokens * m.feature_dim;

async function makeEncoder(session: InferenceSession, captured: boolean, refused: string | null = null) {
  const made: InferenceSession[] = [];
  const fallback = {
    async uncaptured() {
      const s = await gpu.ort.InferenceSession.create(bytes, optionsFor(UNCAPTURED));
      made.push(s);
      return s;
    },
  };
  const device = (await ortDevice(gpu.ort)) as GpuDeviceLike;
  const S = m.image.size;
  const enc = new GpuEncoder(gpu.ort as unknown as OrtGpuLike, device, session, { input: 'image', output: 'features' }, [1, 3, S, S], tokens(), captured ? { fallback } : null, refused);
  return { enc, made };
}

beforeAll(async () => {
  gpu = await webgpuOnSwiftShader();
  m = loadManifest();
  expect(m.models.encoder.inputs![0].name).toBe('image');
  expect(m.models.encoder.outputs![0].name).toBe('features');
  bytes = fixture('loop_encoder.onnx');
  wasm = await gpu.ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
});
afterAll(async () => {
  await wasm?.release();
  gpu?.stop();
});

describe('the encoder on WebGPU, one image a run (onnxruntime-web WebGPU on SwiftShader)', () => {
  it('captured, it replays image after image like the WASM encoder; the codec builds the same pyramids', async () => {
    const created = await createEncoder(bytes, CAPTURE);
    expect(created.failure).toBeNull();
    expect(created.captured).toBe(true);
    const { enc, made } = await makeEncoder(created.session, true);
    // the warm-up (the engine's load on a real GPU) is the capture run: a run on the zeroed input,
    // unread; then replays with images in the same input buffer
    let runs = 0;
    const run = created.session.run.bind(created.session);
    created.session.run = ((...args: Parameters<typeof run>) => (runs++, run(...args))) as typeof run;
    await enc.warm();
    expect(runs).toBe(1);
    for (const seed of [1, 2, 1, 3]) {
      const got = await enc.encode(image(seed));
      expect(got.length).toBe(tokens());
      expect(maxAbsDiff(got, await onWasm(image(seed))), `image ${seed}`).toBeLessThanOrEqual(TOLERANCE);
    }
    expect(enc.captured).toBe(true);
    expect(made).toHaveLength(0);
    expect(runs).toBe(5);
    await expect(enc.encode(new Float32Array(5))).rejects.toThrow(/takes \d+ values/);

    // the codec: the first encode runs the image and the blank one run each (the WASM codec: one batch of two)
    const wasmCodec = new PyramidCodec(gpu.ort as unknown as OrtLike, m, { encoder: wasm, decoders: {} });
    const gpuCodec = new PyramidCodec(gpu.ort as unknown as OrtLike, m, { encoder: created.session, decoders: {} }, null, enc);
    for (const seed of [4, 5]) {
      const [a, b] = [await gpuCodec.encode(image(seed)), await wasmCodec.encode(image(seed))];
      for (const s of m.scales) {
        expect(maxAbsDiff(a.cond[s.name], b.cond[s.name]), `cond ${s.name}`).toBeLessThanOrEqual(TOLERANCE);
        expect(maxAbsDiff(a.uncond[s.name], b.uncond[s.name]), `uncond ${s.name}`).toBeLessThanOrEqual(TOLERANCE);
      }
    }
    enc.release();
    await created.session.release();
  });

  it('a captured run that throws leaves capture: the run finishes uncaptured, later runs too', async () => {
    // another WebGPU session stays, as the engine's decoders do: with none left, onnxruntime
    // would let the device go with the released session and start another
    const other = await gpu.ort.InferenceSession.create(bytes, optionsFor(UNCAPTURED));
    const created = await createEncoder(bytes, CAPTURE);
    const { enc, made } = await makeEncoder(created.session, true);
    expect(maxAbsDiff(await enc.encode(image(6)), await onWasm(image(6)))).toBeLessThanOrEqual(TOLERANCE);
    // a captured session whose run throws (here: onnxruntime's own error for a released session)
    await created.session.release();
    expect(maxAbsDiff(await enc.encode(image(7)), await onWasm(image(7)))).toBeLessThanOrEqual(TOLERANCE);
    expect(enc.captured).toBe(false);
    expect(enc.captureFailure).toMatch(/session/i);
    expect(made).toHaveLength(1);
    expect(maxAbsDiff(await enc.encode(image(8)), await onWasm(image(8)))).toBeLessThanOrEqual(TOLERANCE);
    expect(made).toHaveLength(1);
    enc.release(); // releases the replacement
    await other.release();
  });

  it('the engine on WebGPU creates the shipped encoder one image a run, captured with the decoders; the CPU loop keeps it batched', async () => {
    // sessions only, no run (the shipped encoder takes 8-30 s a run here)
    const load = (gpuDecode: GpuDecodeChoice) => PumaEngine.load({ ort: gpu.ort as unknown as OrtLike, manifest: m, files: filesFromFolder(MODELS_DIR), provider: 'webgpu', features: new Set(), mllm: false, gpuDecode });
    const captured = await load(CAPTURE);
    expect(captured.codec.gpuLoop?.captured).toBe(true);
    expect(captured.codec.gpuEncoder?.captured).toBe(true);
    expect(captured.codec.gpuEncoder?.captureFailure).toBeNull();
    // ready with the first image's decoder (and the step graph); the later decoders are created
    // after the load, captured as the first one was
    const [first, ...later] = coarseToFine(m);
    expect(Object.keys(captured.codec.sessions.decoders)).toEqual([first]);
    expect(captured.codec.sessions.extra, 'the step graph').toHaveLength(1);
    for (const s of later) await captured.codec.decoder(s);
    expect(Object.keys(captured.codec.sessions.decoders).sort()).toEqual([first, ...later].sort());
    expect(captured.codec.gpuLoop?.captured, 'every shipped decoder takes capture').toBe(true);
    expect(captured.codec.gpuLoop?.choice).toEqual(CAPTURE);
    captured.release();
    const cpuLoop = await load({ loop: 'cpu', graphCapture: false });
    expect(cpuLoop.codec.gpuEncoder).toBeNull();
    expect(Object.keys(cpuLoop.loadPhases)).not.toContain('encoder warm-up');
    cpuLoop.release();
    // on a real GPU (load-in-browser.ts) the load warms the encoder and the first decoder: each
    // session is run once before load() returns. Counted, not computed (a shipped encoder's run takes
    // 8-30 s here; the warm-ups' effect on the runs after them: GpuEncoder.warm, GpuDecodeLoop.warm)
    const runsOf: string[] = [];
    const counting = {
      env: gpu.ort.env, // the device the loop's buffers are made on
      Tensor: gpu.ort.Tensor as unknown as OrtLike['Tensor'],
      InferenceSession: {
        async create(bytes: Uint8Array, o?: InferenceSession.SessionOptions) {
          const session = await (gpu.ort as unknown as OrtLike).InferenceSession.create(bytes, o);
          session.run = (async () => (runsOf.push(session.inputNames.join(',')), {})) as typeof session.run;
          return session;
        },
      },
    };
    const warmed = await PumaEngine.load({ ort: counting as OrtLike, manifest: m, files: filesFromFolder(MODELS_DIR), provider: 'webgpu', features: new Set(), mllm: false, gpuDecode: CAPTURE, warmUp: true });
    expect(Object.keys(warmed.loadPhases)).toEqual(['encoder file', 'encoder session', 'encoder warm-up', 'decoder files', 'first decoder + step graph sessions', 'first decoder warm-up']);
    // the encoder's input, then the decoder's (x, t, cond); the step graph's would follow had the decoder
    // given a GPU buffer (here its run is only counted: the warm-up stops there, as a failed one does)
    expect(runsOf).toEqual([m.models.encoder.inputs!.map((i) => i.name).join(','), m.models[decoderKey(m, coarseToFine(m)[0])].inputs!.map((i) => i.name).join(',')]);
    warmed.release();
  });

  it('a graph that refuses capture is created without it, and says why', async () => {
    // Det has no WebGPU kernel: onnxruntime refuses capture when the session is created
    const created = await createEncoder(fixture('loop_decoder_cpu_op.onnx'), CAPTURE);
    expect(created.captured).toBe(false);
    expect(created.failure).toMatch(/graph capture/i);
    await created.session.release();
    // without capture asked for, nothing is tried twice
    const plain = await createEncoder(bytes, UNCAPTURED);
    expect(plain).toMatchObject({ captured: false, failure: null });
    const { enc } = await makeEncoder(plain.session, false);
    expect(maxAbsDiff(await enc.encode(image(9)), await onWasm(image(9)))).toBeLessThanOrEqual(TOLERANCE);
    enc.release();
    await plain.session.release();
  });
});
