// The TypeScript pyramid and sampler against the Python exporter's golden vectors
// (training/export.py writes golden/pyramid.json and golden/sampler.json).
import { describe, expect, it } from 'vitest';
import { goldenFile, loadManifest } from './models';
import { expectClose, goldenTensor as decodeTensor, readGolden, type SamplerGolden } from './golden';
import { buildPyramid } from '../workers/lib/pyramid';
import { sampleDDIM } from '../workers/lib/sampler';

describe('pyramid vs golden/pyramid.json', () => {
  it('pools every scale like PyTorch', () => {
    const m = loadManifest();
    const g = readGolden(goldenFile('pyramid'));
    const pyr = buildPyramid(decodeTensor(g.inputs.f0), m.scales, m.feature_dim);
    for (const s of m.scales) expectClose(pyr[s.name], g.outputs[s.name], g, s.name);
  });
});

describe('sampler vs golden/sampler.json', () => {
  it('reproduces every DDIM step from the recorded model outputs', async () => {
    const g = readGolden<SamplerGolden>(goldenFile('sampler'));
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
        expectClose(x2, g.outputs[`x_in_${i}`], g, `x fed at step ${i}`);
        return decodeTensor(g.outputs[`v_${i++}`]);
      },
    });
    expect(i).toBe(g.steps);
    expectClose(x, g.outputs.x_0, g, 'final x');
  });
});
