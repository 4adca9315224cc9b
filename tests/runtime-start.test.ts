// The cold start's runtime start (issue 19 item 3): the page starts onnxruntime's runtime with a
// one-node session (ort.ts RUNTIME_START_MODEL, startRuntime) while the manifest and the model files
// are read, and the engine creates its first session only once that start has settled.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import * as ortNode from 'onnxruntime-node';
import { loadManifest, MODELS_DIR } from './models';
import { PumaEngine, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import { WebGpuFailure } from '../workers/engine/errors';
import { RUNTIME_START_MODEL, startRuntime, type InferenceSession, type OrtLike } from '../workers/engine/ort';

ort.env.wasm.numThreads = 1;
const manifest = loadManifest();

/** onnxruntime-web (WASM) recording each session creation and release, in order; `webgpu`: sessions
 * asked for on WebGPU are created on WASM, so the engine's WebGPU load runs without a GPU */
function recording(webgpu = false) {
  const log: string[] = [];
  const ortLike: OrtLike = {
    Tensor: ort.Tensor,
    InferenceSession: {
      async create(bytes: Uint8Array, o?: InferenceSession.SessionOptions) {
        log.push(`create ${bytes.length} bytes`);
        const { preferredOutputLocation: _, ...rest } = o ?? {};
        const s = await ort.InferenceSession.create(bytes, webgpu ? { ...rest, executionProviders: ['wasm'] } : o);
        const release = s.release.bind(s);
        return Object.assign(s, { release: () => (log.push(`release ${bytes.length} bytes`), release()) });
      },
    },
  };
  return { log, ortLike };
}

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('the runtime started before the files', () => {
  it('the one-node model is a valid graph: Identity on a float[1], on onnxruntime-web and onnxruntime-node', async () => {
    for (const rt of [ort, ortNode] as const) {
      const s = await (rt.InferenceSession as OrtLike['InferenceSession']).create(RUNTIME_START_MODEL, { executionProviders: [rt === ort ? 'wasm' : 'cpu'] });
      expect([s.inputNames, s.outputNames]).toEqual([['x'], ['y']]);
      const out = await s.run({ x: new rt.Tensor('float32', new Float32Array([3.5]), [1]) as never });
      expect([...(out.y.data as Float32Array)]).toEqual([3.5]);
      await s.release();
    }
  });

  it('startRuntime creates that session and releases it', async () => {
    const { log, ortLike } = recording();
    await startRuntime(ortLike, 'wasm');
    expect(log).toEqual([`create ${RUNTIME_START_MODEL.length} bytes`, `release ${RUNTIME_START_MODEL.length} bytes`]);
  });

  it('the engine creates no session before the runtime has started, then names what was left of it', async () => {
    const { log, ortLike } = recording();
    const runtime = deferred();
    let read = 0;
    const folder = filesFromFolder(MODELS_DIR);
    const files: ModelFiles = { read: (v, p) => folder.read(v, p).finally(() => read++) };
    const loading = PumaEngine.load({ ort: ortLike, manifest, files, provider: 'wasm', mllm: false, runtime: runtime.promise });
    await expect.poll(() => read, { timeout: 20_000 }).toBeGreaterThan(0); // the encoder's bytes can be in
    await new Promise((r) => setTimeout(r, 200));
    expect(log).toEqual([]);
    runtime.resolve();
    const engine = await loading;
    try {
      expect(log.length).toBeGreaterThan(0);
      expect(Object.keys(engine.loadPhases).slice(0, 3)).toEqual(['encoder file', 'runtime start', 'encoder session']);
    } finally {
      engine.release();
    }
  });

  it("a runtime that failed to start fails the load as the first session would: as such on WASM, as a WebGpuFailure on WebGPU", async () => {
    for (const provider of ['wasm', 'webgpu'] as const) {
      const { log, ortLike } = recording(provider === 'webgpu');
      const runtime = Promise.reject(new Error('injected: no device'));
      runtime.catch(() => undefined);
      const loading = PumaEngine.load({ ort: ortLike, manifest, files: filesFromFolder(MODELS_DIR), provider, mllm: false, runtime });
      if (provider === 'webgpu') await expect(loading).rejects.toThrow(WebGpuFailure);
      await expect(loading).rejects.toThrow(/injected: no device/);
      expect(log).toEqual([]);
    }
  });
});
