// Proves the web runtime reproduces PyTorch: the engine loads every model the way the page does
// (onnxruntime-web's WASM backend, under Node), each encoder/decoder session is run on its golden
// inputs and compared with the exporter's outputs, and one reconstruction runs end to end.
// Missing models or golden files fail here (tests/models.ts), they are never skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { MODELS_DIR, goldenFile, loadManifest, requireFile } from './models';
import { expectClose, goldenTensor as decodeTensor, readGolden, type SamplerGolden } from './golden';
import { expectGoldenOutputs } from './wasm-session';
import { sha256Hex } from '../workers/lib/modelstore';
import { allowedSteps, coarseToFine, decoderKey, variantFiles } from '../workers/lib/manifest';
import { decoderGuidance, sampleDDIM } from '../workers/lib/sampler';
import { PumaEngine } from '../workers/engine/puma-engine';
import { sessionOptions } from '../workers/engine/ort';
import { PyramidCodec } from '../workers/engine/pyramid-codec';
import { filesFromFolder } from '../workers/engine/folder-files';
import type { RunEvent } from '../workers/engine/protocol';
import { readAll } from '../workers/engine/stream';

ort.env.wasm.numThreads = 1; // node: keep it simple and deterministic

const manifest = loadManifest();
// the visual models; the MLLM's parity (int64 ids, KV cache) is tested in workers/mllm/
const visual = Object.entries(manifest.models).filter(([, e]) => e.role === 'encoder' || e.role === 'decoder');
let engine: PumaEngine;

beforeAll(async () => {
  engine = await PumaEngine.load({ ort: ort, manifest, files: filesFromFolder(MODELS_DIR), provider: 'wasm', mllm: false });
});
afterAll(() => engine?.release());

describe('manifest files', () => {
  it('every variant file exists with the size and sha256 the manifest states', async () => {
    for (const [name, e] of Object.entries(manifest.models)) {
      for (const v of e.variants ?? []) {
        const buf = readFileSync(requireFile(v.file));
        expect(buf.byteLength, `${name} ${v.file} bytes`).toBe(v.bytes);
        expect(await sha256Hex(new Uint8Array(buf)), `${name} ${v.file} sha256`).toBe(v.sha256);
      }
    }
  });

  it('the published folder fits the models budget (DESIGN.md: all models together at most 40 MB as served)', () => {
    // everything under the models folder is published with the page (golden vectors live outside it)
    const sizes = readdirSync(MODELS_DIR, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      .map((e) => statSync(join(e.parentPath, e.name)).size);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(total, `${MODELS_DIR}: ${(total / 1e6).toFixed(2)} MB`).toBeLessThanOrEqual(40e6);
    const named = Object.values(manifest.models).reduce((a, e) => a + (e.bytes ?? 0) + (e.variants ?? []).flatMap(variantFiles).reduce((b, f) => b + f.bytes, 0), 0);
    expect(manifest.total_bytes, 'the manifest counts every file it publishes, every variant included').toBe(named);
  });

  it('every encoder and decoder has golden vectors', () => {
    expect(visual.length).toBe(1 + manifest.scales.length);
    for (const [name, e] of visual) expect(e.golden, `${name} has no "golden" entry`).toBeTruthy();
  });
});

describe('the engine on onnxruntime-web (wasm) matches the PyTorch golden outputs', () => {
  it.each(visual.map(([name]) => name))('%s', async (name) => {
    const entry = manifest.models[name];
    const g = readGolden(engine.variants[name].golden ?? entry.golden!);
    expect(engine.variants[name].dtype, 'the golden vectors were made for this variant').toBe(g.variant ?? 'float32');
    const session = entry.role === 'encoder' ? engine.codec.sessions.encoder : await engine.codec.decoder(entry.scale!);
    // the manifest's declared input names must be what the model takes
    await expectGoldenOutputs(session, g, entry, name);
  });

  // the engine above runs the variants WASM picks; every variant (the fp32 decoders WebGPU runs beside
  // WASM's int8 ones) is proven on its own golden vectors too, with the page's session options (which
  // dequantize int8-stored weights once, at creation: workers/engine/ort.ts)
  const allVariants = visual.flatMap(([name, e]) => (e.variants ?? []).map((v) => [`${name} ${v.dtype}`, name, v] as const));
  it.each(allVariants)('%s variant', async (_label, name, v) => {
    const g = readGolden(v.golden ?? manifest.models[name].golden!);
    expect(v.dtype, 'the golden vectors were made for this variant').toBe(g.variant ?? 'float32');
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(requireFile(v.file))), sessionOptions('wasm'));
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [k, t] of Object.entries(g.inputs)) feeds[k] = new ort.Tensor('float32', decodeTensor(t), t.shape);
      const out = await session.run(feeds);
      for (const [k, t] of Object.entries(g.outputs)) expectClose(out[k].data as Float32Array, t, g, `${name} ${v.dtype}.${k}`);
    } finally {
      await session.release();
    }
  });

  it('WASM runs the int8 decoders where the manifest has them', () => {
    for (const s of manifest.scales) {
      const name = decoderKey(manifest, s.name);
      const int8 = manifest.models[name].variants!.some((v) => v.dtype === 'int8');
      expect(engine.variants[name].dtype, name).toBe(int8 ? 'int8' : 'float32');
    }
  });

  it('reconstruct: every scale is drawn, coarse to fine, and f0 is the most faithful', async () => {
    const size = manifest.image.size;
    // a smooth two-colour image: something every scale can approximate
    const data = new Uint8ClampedArray(size * size * 4);
    for (let i = 0; i < size * size; i++) data.set([i % size < size / 2 ? 220 : 30, 90, Math.floor(i / size) * 3, 255], i * 4);
    const events: RunEvent[] = [];
    const scales = coarseToFine(manifest);
    const steps = Math.min(...(manifest.sampler.allowed_steps ?? [manifest.sampler.steps]));
    const last = await readAll(engine.run('reconstruct', { image: { width: size, height: size, data }, scales, steps, guidance: manifest.sampler.guidance, seed: 1 }), (e) => events.push(e));
    expect(last?.type).toBe('done');
    const images = events.filter((e) => e.type === 'image') as Extract<RunEvent, { type: 'image' }>[];
    expect(images.map((e) => e.scale)).toEqual(scales);
    expect(images.every((e) => e.image.width === size && e.stepMs.length === steps)).toBe(true);
    const psnr = Object.fromEntries(images.map((e) => [e.scale, e.psnr!]));
    expect(psnr.f0, `PSNR by scale ${JSON.stringify(psnr)}`).toBeGreaterThan(psnr.f4);
    expect(events.at(-1)?.type).toBe('done');
  });

  it("the blank image's pyramid (CFG's unconditional branch) costs one encoder call, then is kept", async () => {
    const enc = engine.codec.sessions.encoder;
    let calls = 0;
    const counted = { ...engine.codec.sessions, encoder: { ...enc, run: (feeds: never) => ((calls += 1), enc.run(feeds)) } };
    const codec = new PyramidCodec(ort, manifest, counted as never);
    const uncond = await codec.uncond();
    expect(calls).toBe(1);
    expect(await codec.uncond()).toBe(uncond);
    const size = manifest.image.size;
    await codec.encode(new Float32Array(3 * size * size).fill(0.3));
    expect(calls, 'an image after it is encoded alone').toBe(2);
    // the same features as when the blank image rides along with the first image encoded
    const beside = await new PyramidCodec(ort, manifest, engine.codec.sessions).encode(new Float32Array(3 * size * size).fill(0.3));
    expect(Object.keys(uncond).sort()).toEqual(manifest.scales.map((s) => s.name).sort());
    for (const [scale, f] of Object.entries(uncond)) {
      const diff = Math.max(...f.map((v, i) => Math.abs(v - beside.uncond[scale][i])));
      expect(diff, scale).toBeLessThan(1e-5);
    }
  });

  it('a cancelled run stops at the next checkpoint and says so', async () => {
    const size = manifest.image.size;
    const controller = new AbortController();
    const events: RunEvent[] = [];
    const image = { width: size, height: size, data: new Uint8ClampedArray(size * size * 4).fill(200) };
    for await (const e of engine.run('reconstruct', { image, scales: coarseToFine(manifest), steps: manifest.sampler.steps, guidance: 2, seed: 1 }, controller.signal)) {
      events.push(e);
      if (e.type === 'step' && e.step === 1) controller.abort();
    }
    expect(events.at(-1)?.type).toBe('cancelled');
    expect(events.some((e) => e.type === 'image')).toBe(false);
  });
});

// The decoders ship guidance-distilled (training/distill_decoders.py): at the default guidance each
// DDIM step is one conditional pass, and any other guidance g runs the pair at g / w.
describe('guidance-distilled decoders', () => {
  const distilled = visual.filter(([, e]) => e.role === 'decoder' && e.distilled_guidance);

  it('the sampler and the f4 session reproduce PyTorch\'s whole decode at the default steps and guidance, one pass a step', async () => {
    const g = readGolden<SamplerGolden>(goldenFile('sampler_distilled_f4'));
    // the page's default count: a step-distilled decoder is valid at its own only
    expect(g.steps, 'golden/sampler_distilled_f4.json decodes with the manifest\'s default steps').toBe(manifest.sampler.steps);
    const entry = manifest.models[decoderKey(manifest, 'f4')];
    expect(entry.distilled_guidance, 'golden/sampler_distilled_f4.json is for a distilled f4').toBeGreaterThan(0);
    // PyTorch's decode is fp32's: the fp32 variant's session (WASM's own runs int8, proven above)
    const fp32 = entry.variants!.find((v) => v.dtype === 'float32')!;
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(requireFile(fp32.file))), sessionOptions('wasm'));
    const cond = new ort.Tensor('float32', decodeTensor(g.inputs.cond), g.inputs.cond.shape);
    const batches: number[] = [];
    const x = await sampleDDIM({
      xT: decodeTensor(g.inputs.x_T),
      schedule: g.schedule,
      guidance: decoderGuidance(g.guidance, entry.distilled_guidance),
      predict: async (xb, tb) => {
        batches.push(tb.length);
        const out = await session.run({ x: new ort.Tensor('float32', xb, [tb.length, 3, 64, 64]), t: new ort.Tensor('float32', tb, [tb.length]), cond } as never);
        return out.v.data as Float32Array;
      },
    });
    await session.release();
    expect(batches).toEqual(Array(g.steps).fill(1));
    expectClose(x, g.outputs.x_0, g, 'x_0');
  });

  it('the engine decodes with one pass a step at the default guidance and the pair at any other', async () => {
    expect(distilled.map(([, e]) => e.scale).sort(), 'every scale ships distilled').toEqual(manifest.scales.map((s) => s.name).sort());
    const size = manifest.image.size;
    const batches: number[] = [];
    const dec = await engine.codec.decoder('f2');
    const counted = { ...engine.codec.sessions, decoders: { ...engine.codec.sessions.decoders, f2: { ...dec, run: (feeds: Record<string, ort.Tensor>) => (batches.push(feeds.x.dims[0]), dec.run(feeds as never)) } } };
    const codec = new PyramidCodec(ort, manifest, counted as never);
    const pyr = await codec.encode(new Float32Array(3 * size * size).fill(0.3));
    const steps = Math.min(...allowedSteps(manifest.sampler));
    const at = async (guidance: number) => {
      batches.length = 0;
      const img = await codec.decode('f2', pyr, { steps, guidance, seed: 3 });
      return { img, batches: [...batches] };
    };
    const w = manifest.models[decoderKey(manifest, 'f2')].distilled_guidance!;
    const one = await at(manifest.sampler.guidance);
    expect(manifest.sampler.guidance, 'the page\'s default guidance is the distilled one').toBe(w);
    expect(one.batches).toEqual(Array(steps).fill(1));
    const pair = await at(w + 1);
    expect(pair.batches).toEqual(Array(steps).fill(2));
    const diff = Math.max(...pair.img.map((v, i) => Math.abs(v - one.img[i])));
    expect(diff, 'another guidance draws another image').toBeGreaterThan(1e-3);
    // a count the manifest keeps a schedule for but does not allow (the step-distilled decoders learnt one) is refused, not drawn
    const kept = Object.keys(manifest.sampler.schedules).map(Number).find((n) => !allowedSteps(manifest.sampler).includes(n));
    expect(kept, 'the manifest keeps the schedules of counts it no longer allows').toBeDefined();
    batches.length = 0;
    await expect(codec.decode('f2', pyr, { steps: kept!, guidance: w, seed: 3 })).rejects.toThrow(`${kept} steps: these decoders draw with ${allowedSteps(manifest.sampler).join(', ')} steps`);
    expect(batches).toEqual([]);
  });
});
