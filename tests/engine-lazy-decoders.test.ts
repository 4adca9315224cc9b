// The engine is ready once the encoder and the first image's decoder exist (issue 19 item 3, the cold
// start): the other decoders' sessions are created after load() resolves, one a job outside runs,
// coarse to fine, or by the run that needs one first (PyramidCodec.decoder: one promise a scale).
// Real sessions of the shipped models on onnxruntime-web's WASM under Node, through an onnxruntime
// that records every session it creates and releases, and can hold back or fail one decoder's.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { MODELS_DIR, loadManifest } from './models';
import { allowedSteps, coarseToFine, decoderKey } from '../workers/lib/manifest';
import { PumaEngine, type EngineLoadOptions, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import { WebGpuFailure } from '../workers/engine/errors';
import type { InferenceSession, OrtLike } from '../workers/engine/ort';
import type { RunEvent } from '../workers/engine/protocol';
import type { RGBAImage } from '../workers/lib/image';
// @ts-expect-error plain .mjs helper shared with the benchmark
import { decodePng } from '../bench/png.mjs';

ort.env.wasm.numThreads = 1; // deterministic: the bitwise comparison below relies on it
const manifest = loadManifest();
const order = coarseToFine(manifest); // f4 first: the first image's scale
const [first, ...later] = order;
const sampler = { steps: Math.min(...allowedSteps(manifest.sampler)), guidance: manifest.sampler.guidance, seed: 5 };
const png = decodePng(readFileSync(resolve(import.meta.dirname, '../public/samples/google-1f344.png')));
const image: RGBAImage = { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
const engines: PumaEngine[] = [];
afterAll(() => engines.forEach((e) => e.release()));

/**
 * onnxruntime-web (WASM) that knows which model each session is (by the bytes the engine read for
 * it), records every creation and release, and for a scale's decoder can wait for `hold[scale]`
 * before creating it or throw while `fail` has it. `webgpu`: sessions asked for on WebGPU are
 * created on WASM (the options stripped), so the engine's WebGPU paths run without a GPU.
 */
function instrumented(webgpu = false) {
  const modelOf = new Map<Uint8Array, string>();
  const created: string[] = [];
  const released: string[] = [];
  /** the options each model's session was last created with */
  const options = new Map<string, InferenceSession.SessionOptions | undefined>();
  const hold = new Map<string, Promise<void>>();
  const started = new Map<string, () => void>();
  const fail = new Set<string>();
  const scaleOf = (model: string) => manifest.scales.find((s) => decoderKey(manifest, s.name) === model)?.name;
  const folder = filesFromFolder(MODELS_DIR);
  const files: ModelFiles = {
    async read(v, onProgress) {
      const bytes = await folder.read(v, onProgress);
      const model = Object.entries(manifest.models).find(([, e]) => e.variants?.some((x) => x.file === v.file))?.[0] ?? v.file;
      modelOf.set(bytes, model);
      return bytes;
    },
  };
  const ortLike: OrtLike = {
    Tensor: ort.Tensor,
    InferenceSession: {
      async create(bytes: Uint8Array, o?: InferenceSession.SessionOptions) {
        const model = modelOf.get(bytes) ?? '?';
        const scale = scaleOf(model);
        options.set(model, o);
        if (scale) {
          started.get(scale)?.();
          await hold.get(scale);
          if (fail.has(scale)) throw new Error(`injected: cannot create ${model}`);
        }
        const { preferredOutputLocation: _, ...rest } = o ?? {};
        const s = await ort.InferenceSession.create(bytes, webgpu ? { ...rest, executionProviders: ['wasm'] } : o);
        created.push(scale ?? model);
        const release = s.release.bind(s);
        return Object.assign(s, { release: () => (released.push(scale ?? model), release()) });
      },
    },
  };
  /** resolves when the creation of `scale`'s decoder starts (call before it can start) */
  const whenStarted = (scale: string) => new Promise<void>((r) => started.set(scale, r));
  /** holds `scale`'s creation until the returned function is called */
  const holdBack = (scale: string) => {
    let go!: () => void;
    hold.set(scale, new Promise<void>((r) => (go = r)));
    return go;
  };
  return { ortLike, files, created, released, options, fail, whenStarted, holdBack };
}

async function load(o: ReturnType<typeof instrumented>, extra: Partial<EngineLoadOptions> = {}) {
  const engine = await PumaEngine.load({ ort: o.ortLike, manifest, files: o.files, provider: 'wasm', mllm: false, ...extra });
  engines.push(engine);
  return engine;
}

/** An engine whose background job is creating the first later decoder, held back until go() */
async function loadWithFirstLaterHeldBack() {
  const o = instrumented();
  const target = later[0];
  const started = o.whenStarted(target);
  const go = o.holdBack(target);
  const engine = await load(o);
  await started;
  return { o, target, go, engine };
}

async function collect(events: AsyncIterable<RunEvent>, into: RunEvent[] = []): Promise<RunEvent[]> {
  for await (const e of events) into.push(e);
  return into;
}
const reconstruct = (engine: PumaEngine, scales: string[]) => engine.run('reconstruct', { image, scales, ...sampler });
const imagesOf = (ev: RunEvent[]) => Object.fromEntries(ev.flatMap((e) => (e.type === 'image' ? [[e.scale, e.image.data]] : [])));
const count = (xs: string[], x: string) => xs.filter((y) => y === x).length;
/** until the background jobs have had every chance to run (each waits a macrotask, then creates) */
const settle = async (engine: PumaEngine) => {
  for (let i = 0; i < 50 && order.some((s) => !engine.codec.sessions.decoders[s]); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 200));
};

describe('the engine is ready before the later decoders exist', () => {
  it('load() resolves with the encoder and the first decoder only; the others follow in the background, coarse to fine, one each', async () => {
    const o = instrumented();
    const engine = await load(o);
    // at ready: the encoder and the first image's decoder, nothing else created
    expect(Object.keys(engine.codec.sessions.decoders)).toEqual([first]);
    expect(o.created).toEqual(['encoder', first]);
    expect(Object.keys(engine.loadPhases)).toEqual(['encoder file', 'encoder session', 'decoder files', 'first decoder session']);
    await settle(engine);
    expect(o.created).toEqual(['encoder', ...order]);
    expect(Object.keys(engine.codec.sessions.decoders).sort()).toEqual([...order].sort());
    // each later creation said, after ready, as made outside any run
    expect(Object.keys(engine.loadPhases).slice(4)).toEqual(later.map((s) => `after ready: decoder ${s} session`));
    for (const s of later) expect(engine.loadPhases[`after ready: decoder ${s} session`], s).toBeGreaterThan(1);
  }, 300_000);

  it('a run asked for at once draws all five as an engine whose decoders all existed before it (bitwise), each decoder created once', async () => {
    const lazy = instrumented();
    const engine = await load(lazy);
    const ev = await collect(reconstruct(engine, order));
    expect(ev.at(-1)?.type).toBe('done');
    // the run created the decoders it needed as it came to them (the background jobs wait for runs)
    // (and it waited for nothing: no 'the first run waited')
    expect(Object.keys(engine.loadPhases).slice(4)).toEqual(later.map((s) => `after ready: decoder ${s} session, in a run`));
    await settle(engine);
    for (const s of order) expect(count(lazy.created, s), `${s} created once`).toBe(1);

    // the reference: every decoder created before the run, as the load did before this change, from
    // its file and with the first decoder's options, not through the engine's creation after the load
    const eager = instrumented();
    const reference = await load(eager);
    const firstOptions = eager.options.get(decoderKey(manifest, first));
    for (const s of later) {
      const file = resolve(MODELS_DIR, reference.variants[decoderKey(manifest, s)].file);
      reference.codec.sessions.decoders[s] = await ort.InferenceSession.create(new Uint8Array(readFileSync(file)), firstOptions);
    }
    const want = imagesOf(await collect(reconstruct(reference, order)));
    const got = imagesOf(ev);
    expect(Object.keys(got)).toEqual(order);
    for (const s of order) expect(Buffer.from(got[s]).equals(Buffer.from(want[s])), `${s} bitwise`).toBe(true);
  }, 300_000);

  it('a run that needs a decoder the background job is creating waits for that creation: one session for the scale', async () => {
    const { o, target, go, engine } = await loadWithFirstLaterHeldBack(); // the background job is creating it (held back here)
    const direct = engine.codec.decoder(target); // asked for meanwhile: the same creation
    const ev: RunEvent[] = [];
    const run = collect(reconstruct(engine, [first, target]), ev);
    await new Promise((r) => setTimeout(r, 300));
    expect(ev, 'the run waits for the creation under way').toEqual([]);
    go();
    expect((await run).at(-1)?.type).toBe('done');
    expect(Object.keys(imagesOf(ev))).toEqual([first, target]);
    expect(await direct).toBe(engine.codec.sessions.decoders[target]);
    await settle(engine);
    for (const s of order) expect(count(o.created, s), `${s} created once`).toBe(1);
    expect(engine.loadPhases[`after ready: decoder ${target} session`], 'made by the background job').toBeGreaterThan(0);
    // the first run's wait is part of the cold start's first image: named with the load's phases
    expect(engine.loadPhases['after ready: the first run waited']).toBeGreaterThanOrEqual(300);
  }, 300_000);
});

describe('what can go wrong after ready', () => {
  it('release() while a later decoder is being created: what is created then is released, nothing else is created, nothing throws', async () => {
    const { o, target, go, engine } = await loadWithFirstLaterHeldBack();
    expect(() => engine.release()).not.toThrow();
    go();
    await new Promise((r) => setTimeout(r, 1000));
    // the held-back session was created after the release, and released at once; no later scale was started
    expect(o.created).toEqual(['encoder', first, target]);
    expect([...o.released].sort()).toEqual(['encoder', first, target].sort());
    expect(engine.codec.sessions.decoders[target]).toBeUndefined();
  }, 300_000);

  it("a later decoder that cannot be created fails the run that needs it, saying which and why; the next run creates it", async () => {
    const o = instrumented();
    const bad = later[1];
    o.fail.add(bad);
    const engine = await load(o);
    const ev: RunEvent[] = [];
    // asked for at once: the run creates what it needs itself, and the failure is its own
    await expect(collect(reconstruct(engine, order), ev)).rejects.toThrow(new RegExp(`the ${bad} decoder's session could not be created: injected: cannot create decoder_${bad}`));
    expect(Object.keys(imagesOf(ev)), 'the images before it were drawn').toEqual(order.slice(0, order.indexOf(bad)));
    expect(engine.codec.sessions.decoders[bad]).toBeUndefined();
    // the background job tries it too (and fails quietly); the other scales are created
    await settle(engine);
    expect(Object.keys(engine.codec.sessions.decoders).sort()).toEqual(order.filter((s) => s !== bad).sort());
    // still failing: the next run says so again
    await expect(collect(reconstruct(engine, [bad]))).rejects.toThrow(`the ${bad} decoder's session could not be created`);
    // once it can be created, the next run does
    o.fail.delete(bad);
    const again = await collect(reconstruct(engine, order));
    expect(again.at(-1)?.type).toBe('done');
    expect(Object.keys(imagesOf(again))).toEqual(order);
    expect(count(o.created, bad)).toBe(1);
  }, 300_000);

  it('on WebGPU a later decoder that cannot be created is the WebGpuFailure the page answers with a WASM engine', async () => {
    // WebGPU's sessions created on WASM (no GPU here); the CPU decode loop, so no GPU device is needed
    const o = instrumented(true);
    const bad = later[0];
    o.fail.add(bad);
    const engine = await load(o, { provider: 'webgpu', features: new Set(), gpuDecode: { loop: 'cpu', graphCapture: false } });
    const failed = collect(reconstruct(engine, [first, bad]));
    await expect(failed).rejects.toBeInstanceOf(WebGpuFailure);
    await expect(failed).rejects.toThrow(`WebGPU session creation failed (the ${bad} decoder's, after the load): injected: cannot create decoder_${bad}`);
    // the engine released itself (as after any WebGPU failure mid-run), the background jobs stop
    await new Promise((r) => setTimeout(r, 500));
    expect(o.released).toEqual(expect.arrayContaining(['encoder', first]));
    expect(o.created.filter((s) => later.includes(s))).toEqual([]);
  }, 300_000);
});
