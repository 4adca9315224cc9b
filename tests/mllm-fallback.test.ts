// The MLLM's fallback from WebGPU to WASM (workers/engine/mllm-placement.ts, PumaEngine.runNow),
// without a GPU: real sessions of the shipped models on WASM, and an onnxruntime whose WebGPU
// sessions fail where the test says (created as WASM sessions with the WebGPU options stripped,
// so everything else is real). A WebGPU session that cannot be created gives the MLLM on WASM at
// load, with the reason; a WebGPU call that fails mid-run moves the MLLM to WASM, says so in the
// run ('mllm-provider'), and the task runs again to its end, while the decoders keep their provider.
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { MODELS_DIR, loadManifest } from './models';
import { allowedSteps } from '../workers/lib/manifest';
import { PumaEngine } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import type { InferenceSession, OrtLike } from '../workers/engine/ort';
import type { RunEvent } from '../workers/engine/protocol';

ort.env.wasm.numThreads = 1;
const manifest = loadManifest();
const sampler = { steps: Math.min(...allowedSteps(manifest.sampler)), guidance: manifest.sampler.guidance, seed: 7 };
const engines: PumaEngine[] = [];
afterAll(() => engines.forEach((e) => e.release()));

const onWebGpu = (o?: InferenceSession.SessionOptions) => JSON.stringify(o?.executionProviders ?? []).includes('webgpu');

/** onnxruntime-web whose WebGPU sessions are WASM ones: `create` throws, or `run` throws `runFailures` times. */
function failingWebGpu(how: { create?: boolean; runFailures?: number }) {
  const created: string[] = [];
  let failures = how.runFailures ?? 0;
  const fake: OrtLike = {
    Tensor: ort.Tensor,
    InferenceSession: {
      async create(bytes: Uint8Array, o?: InferenceSession.SessionOptions) {
        if (!onWebGpu(o)) {
          created.push('wasm');
          return ort.InferenceSession.create(bytes, o);
        }
        created.push('webgpu');
        if (how.create) throw new Error('injected: no WebGPU kernel for DequantizeLinear');
        const { preferredOutputLocation: _, ...rest } = o!;
        const s = await ort.InferenceSession.create(bytes, { ...rest, executionProviders: ['wasm'] });
        const run = s.run.bind(s);
        return Object.assign(s, { run: ((f: InferenceSession.FeedsType) => (failures-- > 0 ? Promise.reject(new Error('injected: kernel failed')) : run(f))) as typeof s.run });
      },
    },
  };
  return { fake, created };
}

async function load(ortLike: OrtLike) {
  const events: unknown[] = [];
  const e = await PumaEngine.load({ ort: ortLike, manifest, files: filesFromFolder(MODELS_DIR), provider: 'wasm', mllmAt: { provider: 'webgpu' }, onEvent: (x) => events.push(x) });
  engines.push(e);
  return e;
}

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('the MLLM falls back from WebGPU to WASM', () => {
  it('a WebGPU session that cannot be created: the MLLM loads on WASM and says why', async () => {
    const { fake, created } = failingWebGpu({ create: true });
    const engine = await load(fake);
    expect(created.filter((c) => c === 'webgpu')).toHaveLength(1);
    expect(engine.info().textToImage).toBe(true);
    expect(engine.mllmWhere()?.provider).toBe('wasm');
    expect(engine.mllmWhere()?.reason).toMatch(/WebGPU session creation failed for the MLLM: injected: no WebGPU kernel/);
    const ev = await collect(engine.run('text-to-image', { prompt: 'red apple', scales: ['f4'], ...sampler }));
    expect(ev.map((e) => e.type)).not.toContain('mllm-provider');
    expect(ev.at(-1)?.type).toBe('done');
  }, 300_000);

  it('a WebGPU call that fails mid-run: the MLLM moves to WASM, the run says so and finishes', async () => {
    const { fake, created } = failingWebGpu({ runFailures: 1 });
    const engine = await load(fake);
    expect(engine.mllmWhere()).toEqual({ provider: 'webgpu' });
    const ev = await collect(engine.run('text-to-image', { prompt: 'red apple', scales: ['f4'], ...sampler }));
    const types = ev.map((e) => e.type);
    const moved = ev.find((e) => e.type === 'mllm-provider') as Extract<RunEvent, { type: 'mllm-provider' }>;
    expect(moved).toMatchObject({ provider: 'wasm' });
    expect(moved.reason).toMatch(/the MLLM failed on WebGPU: injected: kernel failed/);
    expect(types.at(-1)).toBe('done');
    expect(types.filter((t) => t === 'image'), 'the task ran again to its end').toHaveLength(1);
    expect(types.indexOf('mllm-provider')).toBeLessThan(types.indexOf('image'));
    expect(engine.mllmWhere()?.provider).toBe('wasm');
    expect(created.at(-1), 'a WASM session was created for the MLLM').toBe('wasm');
    // later runs stay on WASM without another move
    const again = await collect(engine.run('text-to-image', { prompt: 'red apple', scales: ['f4'], ...sampler }));
    expect(again.map((e) => e.type)).not.toContain('mllm-provider');
    expect(again.at(-1)?.type).toBe('done');
  }, 300_000);
});
