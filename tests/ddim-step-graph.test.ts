// The GPU decode loop's DDIM step graph (public/models/ddim_step.onnx, built by
// training/export_sampler.py) against PyTorch's ddim_sample: golden/sampler.json records every
// step of a 4-step f4 decode (the batched x fed to the model and the model's v), so feeding the
// graph step i's v and x must give step i+1's x, and the last step the final image.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { loadManifest, requireFile } from './models';
import { expectClose, goldenTensor as decodeTensor, readGolden, type SamplerGolden } from './golden';
import { ddimStepCoefficients } from '../workers/lib/sampler';

ort.env.wasm.numThreads = 1;

describe('ddim_step.onnx vs golden/sampler.json (PyTorch ddim_sample)', () => {
  it('reproduces every step of the recorded decode, x_next duplicated for the next batch', async () => {
    const m = loadManifest();
    const entry = m.models.ddim_step;
    expect(entry?.role, 'manifest has the ddim_step sampler graph').toBe('sampler');
    const [vName, xName, cName] = entry.inputs!.map((i) => i.name);
    const outName = entry.outputs![0].name;
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(requireFile(entry.variants![0].file))), { executionProviders: ['wasm'] });
    const g = readGolden<SamplerGolden>(entry.golden!);
    const coefs = ddimStepCoefficients(g.schedule, g.guidance);
    expect(coefs.length).toBe(g.steps);
    const dims = entry.inputs![1].shape as number[];
    const n = dims.reduce((a, b) => a * b, 1) / 2;
    for (let i = 0; i < g.steps; i++) {
      const out = await session.run({
        [vName]: new ort.Tensor('float32', decodeTensor(g.outputs[`v_${i}`]), dims),
        [xName]: new ort.Tensor('float32', decodeTensor(g.outputs[`x_in_${i}`]), dims),
        [cName]: new ort.Tensor('float32', coefs[i], [3]),
      });
      const got = out[outName].data as Float32Array;
      expect(got.length).toBe(2 * n);
      // both halves are the same x: the decoder's next batch of two
      expectClose(got.subarray(0, n), got.subarray(n), { atol: 0, rtol: 0 }, `step ${i}: the two halves`);
      const last = i + 1 === g.steps;
      expectClose(last ? got.subarray(0, n) : got, last ? g.outputs.x_0 : g.outputs[`x_in_${i + 1}`], g, `step ${i}`);
    }
    await session.release();
  });
});
