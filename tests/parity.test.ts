// Proves the web runtime reproduces PyTorch: every model with a golden file is run by
// onnxruntime-web (its WASM backend, under Node) and compared with the exporter's outputs.
import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { HAVE_MODELS, MODELS_DIR, loadManifest, readJson } from './models';
import { allClose, decodeTensor, type B64Tensor } from '../workers/lib/tensorio';
import { sha256Hex } from '../workers/lib/modelstore';

interface Golden {
  model: string;
  variant: string;
  inputs: Record<string, B64Tensor>;
  outputs: Record<string, B64Tensor>;
  atol: number;
  rtol: number;
}

ort.env.wasm.numThreads = 1; // node: keep it simple and deterministic

const manifest = HAVE_MODELS ? loadManifest() : null;
// the visual models; the MLLM's parity (int64 ids, KV cache) is tested in workers/mllm/
const withGolden = manifest
  ? Object.entries(manifest.models).filter(([, e]) => (e.role === 'encoder' || e.role === 'decoder') && e.golden && existsSync(resolve(MODELS_DIR, e.golden)))
  : [];

describe.skipIf(!HAVE_MODELS)('manifest files', () => {
  it('every variant file exists with the size and sha256 the manifest states', async () => {
    for (const [name, e] of Object.entries(manifest!.models)) {
      for (const v of e.variants ?? []) {
        const buf = readFileSync(resolve(MODELS_DIR, v.file));
        expect(buf.byteLength, `${name} ${v.file} bytes`).toBe(v.bytes);
        expect(await sha256Hex(new Uint8Array(buf)), `${name} ${v.file} sha256`).toBe(v.sha256);
      }
    }
  });
});

describe.skipIf(withGolden.length === 0)('onnxruntime-web (wasm) matches the PyTorch golden outputs', () => {
  it.each(withGolden.map(([name, e]) => [name, e.golden!] as const))('%s', async (name, goldenPath) => {
    const g = readJson<Golden>(goldenPath);
    const entry = manifest!.models[name];
    const variant = entry.variants!.find((v) => v.dtype === g.variant) ?? entry.variants![0];
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(resolve(MODELS_DIR, variant.file))), { executionProviders: ['wasm'] });
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [k, t] of Object.entries(g.inputs)) feeds[k] = new ort.Tensor('float32', decodeTensor(t), t.shape);
      // the manifest's declared input names must be what the model takes
      expect(Object.keys(feeds).sort()).toEqual(entry.inputs!.map((i) => i.name).sort());
      const out = await session.run(feeds);
      for (const [k, t] of Object.entries(g.outputs)) {
        expect(out[k], `output ${k}`).toBeDefined();
        expect(out[k].dims).toEqual(t.shape);
        const want = decodeTensor(t);
        const got = out[k].data as Float32Array;
        const r = allClose(got, want, g.atol, g.rtol);
        expect(r.ok, `${name}.${k}: max |diff| ${r.maxAbs} (atol ${g.atol}, rtol ${g.rtol}), first bad index ${r.index}`).toBe(true);
      }
    } finally {
      await session.release();
    }
  });
});
