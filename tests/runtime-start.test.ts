// The cold start's runtime start (issue 19 item 3): the page starts onnxruntime's runtime with a
// one-node session (ort.ts RUNTIME_START_MODEL, startRuntime) while the manifest and the model files
// are read, and the engine creates its first session only once that start has settled.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as ort from 'onnxruntime-web';
import * as ortNode from 'onnxruntime-node';
import { loadManifest, MODELS_DIR } from './models';
import { PumaEngine, type ModelFiles } from '../workers/engine/puma-engine';
import { filesFromFolder } from '../workers/engine/folder-files';
import { WebGpuFailure } from '../workers/engine/errors';
import { RUNTIME_START_MODEL, startRuntime, wasmThreads, type InferenceSession, type OrtLike } from '../workers/engine/ort';

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

  it('startRuntime creates that session and releases it, and says how long it took', async () => {
    const { log, ortLike } = recording();
    const times = await startRuntime(ortLike, 'wasm');
    expect(log).toEqual([`create ${RUNTIME_START_MODEL.length} bytes`, `release ${RUNTIME_START_MODEL.length} bytes`]);
    expect(Object.keys(times)).toEqual(['wasmMs']);
    expect(times.wasmMs).toBeGreaterThan(0);
  });

  it('on WebGPU it starts the WASM module first, then the backend, and times the two apart', async () => {
    const asked: string[] = [];
    const { log, ortLike } = recording(true);
    const create = ortLike.InferenceSession.create;
    ortLike.InferenceSession.create = (bytes, o) => (asked.push(String(o?.executionProviders)), create(bytes, o));
    const times = await startRuntime(ortLike, 'webgpu');
    expect(asked).toEqual(['wasm', 'webgpu']);
    expect(log.filter((l) => l.startsWith('release'))).toHaveLength(2);
    expect(times.wasmMs).toBeGreaterThan(0);
    expect(times.backendMs).toBeGreaterThan(0);
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

describe('wasmThreads: the WASM threads a runtime starts with', () => {
  afterEach(() => vi.unstubAllGlobals());
  const machine = (isolated: boolean, cores: number) => {
    vi.stubGlobal('crossOriginIsolated', isolated);
    vi.stubGlobal('navigator', { hardwareConcurrency: cores });
  };

  it('up to four where cross-origin isolated, one where not', () => {
    machine(true, 16);
    expect(wasmThreads()).toBe(4);
    machine(true, 2);
    expect(wasmThreads()).toBe(2);
    machine(false, 16);
    expect(wasmThreads()).toBe(1);
  });

  it("the address' ?threads=N wins, within what the browser allows", () => {
    machine(true, 16);
    expect(wasmThreads(1)).toBe(1);
    expect(wasmThreads(8)).toBe(8);
    expect(wasmThreads(0)).toBe(4); // not a count: the default
    machine(false, 16);
    expect(wasmThreads(4)).toBe(1); // threads need cross-origin isolation
  });
});
