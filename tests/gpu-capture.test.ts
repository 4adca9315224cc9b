// The GPU decode loop with graph capture, and its fallback, on a real WebGPU device (Dawn on
// SwiftShader, tests/webgpu-node.ts) with onnxruntime-web's WebGPU provider and the shipped
// ddim_step graph. The decoder is tests/fixtures/loop_decoder.onnx (a real decoder's inputs and
// output, a few ops instead of the network: a real decoder takes minutes per decode here). Every
// GPU decode is compared with the CPU loop (sampleDDIM, the same decoder graph on WASM).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { maxAbsDiff } from './golden';
import { resolve } from 'node:path';
import { loadManifest, requireFile } from './models';
import { webgpuOnSwiftShader } from './webgpu-node';
import { createDecodeSessions, GpuDecodeLoop, type GpuDeviceLike, type LoopNames, type OrtGpuLike } from '../workers/engine/gpu-decode-loop';
import { decodeSessionOptions, ortDevice, type GpuDecodeChoice, type InferenceSession } from '../workers/engine/ort';
import { sampleDDIM } from '../workers/lib/sampler';
import { gaussian } from '../workers/lib/rng';
import type { Manifest } from '../workers/lib/manifest';

/** the loop's tolerance against the CPU loop (bench/gpu-loop-parity.ts): a quarter of an 8-bit level */
const TOLERANCE = 0.5 / 255;
const fixture = (f: string) => new Uint8Array(readFileSync(resolve(import.meta.dirname, 'fixtures', f)));
const CAPTURE: GpuDecodeChoice = { loop: 'gpu', graphCapture: true };

let gpu: Awaited<ReturnType<typeof webgpuOnSwiftShader>>;
let m: Manifest;
let stepBytes: Uint8Array;
let names: LoopNames;
let xDims: number[];
const optionsFor = (c: GpuDecodeChoice) => decodeSessionOptions('webgpu', c, 'batch');

/** one decode's inputs: a different x_T and cond per case */
function inputs(seed: number) {
  const S = m.image.size;
  const tokens = m.scales[m.scales.length - 1].tokens;
  const cond2 = gaussian(2 * tokens * m.feature_dim, seed + 1);
  return { xT: gaussian(3 * S * S, seed), cond2, condDims: [2, tokens, m.feature_dim], schedule: m.sampler.schedules['4'], guidance: m.sampler.guidance };
}

/** the CPU loop with the same decoder graph on WASM */
async function cpuDecode(decoder: Uint8Array, seed: number) {
  const { ort } = gpu;
  const i = inputs(seed);
  const S = m.image.size;
  const s = await ort.InferenceSession.create(decoder, { executionProviders: ['wasm'] });
  const cond = new ort.Tensor('float32', i.cond2, i.condDims);
  const x = await sampleDDIM({
    xT: i.xT,
    schedule: i.schedule,
    guidance: i.guidance,
    predict: async (x2, t2) => (await s.run({ x: new ort.Tensor('float32', x2, [2, 3, S, S]), t: new ort.Tensor('float32', t2, [2]), cond }, ['v'])).v.data as Float32Array,
  });
  await s.release();
  return x;
}

/** A loop over the given sessions (decoders..., step last); `uncaptured` counts fallback creations;
 * `bytesOf` (each session's model) takes sessions created later. */
async function makeLoop(sessions: InferenceSession[], bytes: Uint8Array[], captured: boolean) {
  const bytesOf = new Map(sessions.map((s, i) => [s, bytes[i]]));
  const uncaptured: InferenceSession[] = [];
  const fallback = {
    async uncaptured(s: InferenceSession) {
      const fresh = await gpu.ort.InferenceSession.create(bytesOf.get(s)!, optionsFor({ loop: 'gpu', graphCapture: false }));
      uncaptured.push(fresh);
      return fresh;
    },
  };
  const device = (await ortDevice(gpu.ort)) as GpuDeviceLike;
  const loop = new GpuDecodeLoop(gpu.ort as unknown as OrtGpuLike, device, sessions[sessions.length - 1], names, xDims, captured ? { fallback } : null);
  return { loop, uncaptured, bytesOf };
}

const decode = (loop: GpuDecodeLoop, decoder: InferenceSession, seed: number, checkCancel?: () => void) => {
  const i = inputs(seed);
  return loop.decode(decoder, i.cond2, i.condDims, i.xT, i.schedule, i.guidance, { checkCancel });
};

/** The loop's decode with `decoder` matches the CPU loop's with the same model bytes and seed. */
async function expectLikeCpu(loop: GpuDecodeLoop, decoder: InferenceSession, model: Uint8Array, seed: number, what?: string) {
  expect(maxAbsDiff(await decode(loop, decoder, seed), await cpuDecode(model, seed)), what).toBeLessThanOrEqual(TOLERANCE);
}

/** Two decoder sessions of one model and the step graph, created asking for graph capture. */
async function twoDecoders() {
  const dec = fixture('loop_decoder.onnx');
  const bytes = [dec, dec, stepBytes];
  return { dec, bytes, created: await createDecodeSessions(gpu.ort, bytes, CAPTURE, optionsFor) };
}

beforeAll(async () => {
  gpu = await webgpuOnSwiftShader();
  m = loadManifest();
  const step = m.models.ddim_step;
  stepBytes = new Uint8Array(readFileSync(requireFile(step.variants![0].file)));
  const [sv, sx, coef] = step.inputs!.map((i) => i.name);
  names = { decoder: { x: 'x', t: 't', cond: 'cond', v: 'v' }, step: { v: sv, x: sx, coef, out: step.outputs![0].name } };
  xDims = step.inputs![1].shape as number[];
});
afterAll(() => gpu?.stop());

describe(`GPU decode loop with graph capture (onnxruntime-web WebGPU on SwiftShader)`, () => {
  it('two captured decoders sharing the loop buffers replay decode after decode like the CPU loop', async () => {
    // two decoder sessions and the step graph, as the engine has five decoders: every session is
    // captured on its first run and replayed after, with the same input buffers (x, t, v are
    // shared). With the caller's own output buffers bound (the loop before issue 19's fix),
    // onnxruntime-web 1.30 could throw "Cannot set properties of undefined (setting
    // 'Symbol(gpuBufferMetadata)')" on a replay, depending on how its wasm heap reused freed
    // handles (see gpu-decode-loop.ts); here the old loop happened to pass too, so this checks the
    // captured path's results, not that crash.
    const { dec, bytes, created } = await twoDecoders();
    expect(created.failure).toBeNull();
    expect(created.gpuDecode).toEqual(CAPTURE);
    const { loop, uncaptured } = await makeLoop(created.sessions, bytes, true);
    const [a, b] = created.sessions;
    // an ordinary WebGPU session with CPU tensors runs between the decodes, as the encoder does
    // in the engine: it creates and frees WebGPU objects, so freed handles get reused
    const plain = await gpu.ort.InferenceSession.create(dec, { executionProviders: ['webgpu'] });
    for (const [session, seed] of [[a, 1], [b, 2], [a, 3]] as const) {
      const i = inputs(seed);
      const S = m.image.size;
      await (await plain.run({ x: new gpu.ort.Tensor('float32', new Float32Array(2 * 3 * S * S), [2, 3, S, S]), t: new gpu.ort.Tensor('float32', new Float32Array(2), [2]), cond: new gpu.ort.Tensor('float32', i.cond2, i.condDims) })).v.getData();
      await expectLikeCpu(loop, session, dec, seed, `decoder ${session === a ? 'a' : 'b'}, seed ${seed}`);
    }
    expect(loop.captureFailure).toBeNull();
    expect(loop.captured).toBe(true);
    expect(uncaptured).toHaveLength(0);

    // a cancel mid-decode stops the decode and is no capture failure
    let steps = 0;
    const stop = new Error('cancelled');
    await expect(decode(loop, a, 5, () => { if (++steps === 3) throw stop; })).rejects.toBe(stop);
    expect(loop.captured).toBe(true);
    await expectLikeCpu(loop, a, dec, 5);
    loop.release();
    for (const s of [...created.sessions, plain]) await s.release();
  });

  it('a decoder that refuses graph capture gets every decode session created without it', async () => {
    // Det has no WebGPU kernel: onnxruntime refuses capture when the session is created
    const cpuOp = fixture('loop_decoder_cpu_op.onnx');
    const bytes = [fixture('loop_decoder.onnx'), cpuOp, stepBytes];
    const created = await createDecodeSessions(gpu.ort, bytes, CAPTURE, optionsFor);
    expect(created.failure).toMatch(/graph capture/i);
    expect(created.gpuDecode).toEqual({ loop: 'gpu', graphCapture: false });
    expect(created.sessions).toHaveLength(3);
    const { loop } = await makeLoop(created.sessions, bytes, false);
    expect(loop.captured).toBe(false);
    await expectLikeCpu(loop, created.sessions[1], cpuOp, 6);
    loop.release();
    for (const s of created.sessions) await s.release();
  });

  it('decoders created after the loop (the engine creates the later scales after its load): captured while the loop captures; one that refuses capture takes the loop out of it', async () => {
    // the load: the first decoder and the step graph, captured
    const dec = fixture('loop_decoder.onnx');
    const cpuOp = fixture('loop_decoder_cpu_op.onnx');
    const firstBytes = [dec, stepBytes];
    const atLoad = await createDecodeSessions(gpu.ort, firstBytes, CAPTURE, optionsFor);
    const { loop, uncaptured, bytesOf } = await makeLoop(atLoad.sessions, firstBytes, true);
    const later = async (bytes: Uint8Array) => {
      const made = await createDecodeSessions(gpu.ort, [bytes], loop.choice, optionsFor);
      bytesOf.set(made.sessions[0], bytes);
      await loop.adopt(made.sessions[0], made);
      return made;
    };
    const [first] = atLoad.sessions;
    await expectLikeCpu(loop, first, dec, 10);
    // a later decoder that takes capture: created captured, the loop stays captured
    expect(loop.choice).toEqual(CAPTURE);
    const b = await later(dec);
    expect(b.gpuDecode).toEqual(CAPTURE);
    await expectLikeCpu(loop, b.sessions[0], dec, 11, 'a later captured decoder');
    expect(loop.captured).toBe(true);
    expect(uncaptured).toHaveLength(0);
    // one that refuses it (Det has no WebGPU kernel): created without, and the loop leaves capture
    const c = await later(cpuOp);
    expect(c.gpuDecode).toEqual({ loop: 'gpu', graphCapture: false });
    expect(c.failure).toMatch(/graph capture/i);
    expect(loop.captured).toBe(false);
    expect(loop.captureFailure).toBe(c.failure);
    expect(uncaptured, 'the step graph, replaced at once').toHaveLength(1);
    await expectLikeCpu(loop, c.sessions[0], cpuOp, 12, 'the refusing decoder, run as it was created');
    expect(uncaptured, 'it needs no replacement').toHaveLength(1);
    // the captured ones are replaced as they are next used, once each
    await expectLikeCpu(loop, first, dec, 13, 'the first decoder, replaced');
    await expectLikeCpu(loop, b.sessions[0], dec, 14, 'the later captured decoder, replaced');
    await expectLikeCpu(loop, first, dec, 15);
    expect(uncaptured).toHaveLength(3);
    // from now on later decoders are created without capture, and run as they are
    expect(loop.choice).toEqual({ loop: 'gpu', graphCapture: false });
    const d = await later(dec);
    expect(d).toMatchObject({ gpuDecode: { loop: 'gpu', graphCapture: false }, failure: null });
    await expectLikeCpu(loop, d.sessions[0], dec, 16, 'a decoder created after capture was left');
    expect(uncaptured).toHaveLength(3);
    loop.release(); // the three replacements
    for (const s of [...atLoad.sessions, b.sessions[0], c.sessions[0], d.sessions[0]]) await s.release();
  });

  it("a warm-up (the engine's load on a real GPU) runs the decoder and the step graph once, results unread: decodes after it are the CPU loop's, replaying", async () => {
    const { dec, bytes, created } = await twoDecoders();
    const { loop, uncaptured } = await makeLoop(created.sessions, bytes, true);
    const [a, b, step] = created.sessions;
    const runs = new Map<InferenceSession, number>();
    for (const s of [a, b, step]) {
      const run = s.run.bind(s);
      s.run = ((...args: Parameters<typeof run>) => (runs.set(s, (runs.get(s) ?? 0) + 1), run(...args))) as typeof s.run;
    }
    await loop.warm(a, inputs(0).condDims);
    expect([runs.get(a), runs.get(b), runs.get(step)]).toEqual([1, undefined, 1]);
    // the first decode after it replays what the warm-up captured, against the same buffers
    await expectLikeCpu(loop, a, dec, 17, 'after the warm-up');
    await expectLikeCpu(loop, b, dec, 18, 'another decoder, not warmed');
    await expectLikeCpu(loop, a, dec, 19);
    expect(runs.get(a)).toBe(1 + 2 * m.sampler.schedules['4'].timesteps.length);
    expect(loop.captured).toBe(true);
    expect(uncaptured).toHaveLength(0);
    // a warm-up that fails (a released session) throws nothing: the first decode falls back as it would
    await b.release();
    await loop.warm(b, inputs(0).condDims);
    await expectLikeCpu(loop, b, dec, 20, 'the released decoder, replaced');
    expect(loop.captured).toBe(false);
    loop.release();
    for (const s of [a, step]) await s.release();
  });

  it('a captured run that throws leaves capture: the decode finishes uncaptured, later decodes too', async () => {
    const { dec, bytes, created } = await twoDecoders();
    const { loop, uncaptured } = await makeLoop(created.sessions, bytes, true);
    const [a, b] = created.sessions;
    await expectLikeCpu(loop, b, dec, 7);
    // a captured session whose run throws (here: onnxruntime's own error for a released session)
    await a.release();
    await expectLikeCpu(loop, a, dec, 8);
    expect(loop.captured).toBe(false);
    expect(loop.captureFailure).toMatch(/session/i);
    expect(uncaptured).toHaveLength(2); // the step graph and decoder a
    // decoder b, captured and fine, is replaced when next used: nothing runs captured any more
    await expectLikeCpu(loop, b, dec, 9);
    expect(uncaptured).toHaveLength(3);
    await expectLikeCpu(loop, a, dec, 8);
    expect(uncaptured).toHaveLength(3);
    loop.release(); // releases the three it created
    for (const s of [b, created.sessions[2]]) await s.release();
  });
});
