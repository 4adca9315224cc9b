// The TypeScript pyramid and sampler against the Python exporter's golden vectors
// (training/export.py writes golden/pyramid.json and golden/sampler.json).
import { describe, expect, it } from 'vitest';
import { loadManifest, readJson } from './models';
import { allClose, decodeTensor, type B64Tensor } from '../workers/lib/tensorio';
import { buildPyramid } from '../workers/lib/pyramid';
import { sampleDDIM } from '../workers/lib/sampler';
import type { Schedule } from '../workers/lib/manifest';

interface GoldenDoc {
  inputs: Record<string, B64Tensor>;
  outputs: Record<string, B64Tensor>;
  atol: number;
  rtol: number;
}

describe('pyramid vs golden/pyramid.json', () => {
  it('pools every scale like PyTorch', () => {
    const m = loadManifest();
    const g = readJson<GoldenDoc>('golden/pyramid.json');
    const pyr = buildPyramid(decodeTensor(g.inputs.f0), m.scales, m.feature_dim);
    for (const s of m.scales) {
      const r = allClose(pyr[s.name], decodeTensor(g.outputs[s.name]), g.atol, g.rtol);
      expect(r.ok, `${s.name}: max diff ${r.maxAbs}`).toBe(true);
    }
  });
});

interface SamplerGolden extends GoldenDoc {
  steps: number;
  guidance: number;
  schedule: Schedule;
  // outputs: x_0 (final), x_in_<i> (the batched [x, x] fed at step i), v_<i> (model output [2,...])
}

describe('sampler vs golden/sampler.json', () => {
  it('reproduces every DDIM step from the recorded model outputs', async () => {
    const g = readJson<SamplerGolden>('golden/sampler.json');
    const schedule = g.schedule;
    expect(schedule.timesteps.length).toBe(g.steps);
    let i = 0;
    const x = await sampleDDIM({
      xT: decodeTensor(g.inputs.x_T),
      schedule,
      guidance: g.guidance,
      predict: async (x2, t2) => {
        expect(t2[0]).toBe(Math.fround(schedule.timesteps[i]));
        // the x we feed at step i must be what PyTorch fed (so every earlier step matched)
        const want = decodeTensor(g.outputs[`x_in_${i}`]);
        const r = allClose(x2, want, g.atol, g.rtol);
        expect(r.ok, `x fed at step ${i}: max diff ${r.maxAbs}`).toBe(true);
        return decodeTensor(g.outputs[`v_${i++}`]);
      },
    });
    expect(i).toBe(g.steps);
    const r = allClose(x, decodeTensor(g.outputs.x_0), g.atol, g.rtol);
    expect(r.ok, `final x: max diff ${r.maxAbs}`).toBe(true);
  });
});
