// The TypeScript pyramid and sampler against the Python exporter's golden vectors.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { HAVE_MODELS, MODELS_DIR, loadManifest, readJson } from './models';
import { allClose, decodeTensor, type B64Tensor } from '../workers/lib/tensorio';
import { buildPyramid } from '../workers/lib/pyramid';
import { sampleDDIM } from '../workers/lib/sampler';
import type { Schedule } from '../workers/lib/manifest';

const has = (f: string) => HAVE_MODELS && existsSync(resolve(MODELS_DIR, 'golden', f));

describe.skipIf(!has('pyramid.json'))('pyramid vs golden/pyramid.json', () => {
  it('pools every scale like PyTorch', () => {
    const m = loadManifest();
    const g = readJson<{ features: B64Tensor; scales: Record<string, B64Tensor> }>('golden/pyramid.json');
    const pyr = buildPyramid(decodeTensor(g.features), m.scales, m.feature_dim);
    for (const s of m.scales) {
      const r = allClose(pyr[s.name], decodeTensor(g.scales[s.name]), 1e-5, 1e-5);
      expect(r.ok, `${s.name}: max diff ${r.maxAbs}`).toBe(true);
    }
  });
});

interface SamplerGolden {
  x_T: B64Tensor;
  schedule?: Schedule;
  steps?: number;
  guidance: number;
  model_outputs: B64Tensor[]; // v for the batch [cond, uncond] at each step
  x_steps?: B64Tensor[]; // x after each step
  final: B64Tensor;
}

describe.skipIf(!has('sampler.json'))('sampler vs golden/sampler.json', () => {
  it('reproduces every DDIM step from the recorded model outputs', async () => {
    const m = loadManifest();
    const g = readJson<SamplerGolden>('golden/sampler.json');
    const schedule = g.schedule ?? m.sampler.schedules[String(g.steps ?? m.sampler.steps)];
    const outs = g.model_outputs.map(decodeTensor);
    let i = 0;
    const seen: Float32Array[] = [];
    const x = await sampleDDIM({
      xT: decodeTensor(g.x_T),
      schedule,
      guidance: g.guidance,
      predict: async (_x2, t2) => {
        expect(t2[0]).toBe(Math.fround(schedule.timesteps[i]));
        return outs[i++];
      },
      onStep: (_s, _n, xi) => seen.push(xi),
    });
    expect(i).toBe(outs.length);
    g.x_steps?.forEach((xs, k) => {
      const r = allClose(seen[k], decodeTensor(xs), 1e-4, 1e-4);
      expect(r.ok, `step ${k}: max diff ${r.maxAbs}`).toBe(true);
    });
    const r = allClose(x, decodeTensor(g.final), 1e-4, 1e-4);
    expect(r.ok, `final: max diff ${r.maxAbs}`).toBe(true);
  });
});
