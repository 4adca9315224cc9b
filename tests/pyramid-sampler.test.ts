import { describe, expect, it } from 'vitest';
import { avgPool2x2, buildPyramid } from '../workers/lib/pyramid';
import { ddimStep, decoderGuidance, guide, sampleDDIM } from '../workers/lib/sampler';
import type { ScaleSpec } from '../workers/lib/manifest';

const SCALES: Pick<ScaleSpec, 'name' | 'grid' | 'tokens'>[] = [16, 8, 4, 2, 1].map((g, i) => ({ name: `f${i}`, grid: g, tokens: g * g }));

describe('pyramid', () => {
  it('pools 2x2 blocks of a row-major grid', () => {
    // 4x4 grid, C=2: channel 0 = token index, channel 1 = constant 5
    const t = new Float32Array(32);
    for (let i = 0; i < 16; i++) {
      t[i * 2] = i;
      t[i * 2 + 1] = 5;
    }
    const p = avgPool2x2(t, 4, 2);
    // top-left block holds tokens 0,1,4,5; top-right 2,3,6,7
    expect([...p]).toEqual([2.5, 5, 4.5, 5, 10.5, 5, 12.5, 5]);
  });

  it('builds all scales down to one token equal to the global mean', () => {
    const C = 3;
    const f0 = Float32Array.from({ length: 256 * C }, (_, i) => Math.sin(i));
    const pyr = buildPyramid(f0, SCALES, C);
    expect(Object.keys(pyr)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(pyr.f4.length).toBe(C);
    for (let c = 0; c < C; c++) {
      let m = 0;
      for (let i = 0; i < 256; i++) m += f0[i * C + c];
      expect(pyr.f4[c]).toBeCloseTo(m / 256, 5);
    }
  });
});

describe('ddim sampler', () => {
  it('a perfect v-prediction lands on the clean image in one step', () => {
    // x_t = a*x0 + s*eps, v = a*eps - s*x0  => x0 = a*x_t - s*v exactly
    const abar = 0.3;
    const a = Math.sqrt(abar);
    const s = Math.sqrt(1 - abar);
    const x0 = new Float32Array([0.5, -0.25, 0.9]);
    const eps = new Float32Array([1.2, -0.7, 0.1]);
    const xt = x0.map((v, i) => a * v + s * eps[i]);
    const v = x0.map((v, i) => a * eps[i] - s * v);
    const out = ddimStep(xt, v, abar, 1);
    out.forEach((o, i) => expect(o).toBeCloseTo(x0[i], 5));
    // and to a less noisy point otherwise
    const mid = ddimStep(xt, v, abar, 0.8);
    mid.forEach((o, i) => expect(o).toBeCloseTo(Math.sqrt(0.8) * x0[i] + Math.sqrt(0.2) * eps[i], 5));
  });

  it('at guidance 1 only the conditional pass runs, and gives what the pair would', async () => {
    const schedule = { timesteps: [900, 500, 100], alphas_cumprod: [0.05, 0.5, 0.95] };
    // a v that depends on x and t; the uncond half of a pair returns something else entirely
    const vOf = (x: Float32Array, t: number) => x.map((v) => Math.sin(v + t / 1000));
    const batches: number[] = [];
    const one = await sampleDDIM({
      xT: new Float32Array([0.3, -0.2, 0.7]), schedule, guidance: 1,
      predict: async (x, t) => (batches.push(t.length), vOf(x, t[0])),
    });
    expect(batches).toEqual([1, 1, 1]);
    const pair = await sampleDDIM({
      xT: new Float32Array([0.3, -0.2, 0.7]), schedule, guidance: 1.0000001,
      predict: async (x2, t2) => new Float32Array([...vOf(x2.subarray(0, 3), t2[0]), 9, 9, 9]),
    });
    one.forEach((v, i) => expect(v).toBeCloseTo(pair[i], 5));
  });

  it('a distilled decoder runs the asked guidance as g / w of its own pair', () => {
    expect(decoderGuidance(2, 2)).toBe(1);
    expect(decoderGuidance(3, 2)).toBe(1.5);
    expect(decoderGuidance(3, undefined)).toBe(3);
  });

  it('guidance mixes v as uncond + g * (cond - uncond)', () => {
    expect([...guide(new Float32Array([1, 2]), new Float32Array([0, 1]), 2)]).toEqual([2, 3]);
  });

  it('runs cond and uncond as one batch of two and honours cancel', async () => {
    const calls: number[] = [];
    const schedule = { timesteps: [900, 500, 100], alphas_cumprod: [0.05, 0.5, 0.95] };
    const out = await sampleDDIM({
      xT: new Float32Array(4).fill(0.3),
      schedule,
      guidance: 2,
      predict: async (x2, t2) => {
        calls.push(t2[0]);
        expect(x2.length).toBe(8);
        expect(t2[0]).toBe(t2[1]);
        return new Float32Array(8);
      },
    });
    expect(calls).toEqual([900, 500, 100]);
    expect(out.length).toBe(4);
    let n = 0;
    await expect(
      sampleDDIM({ xT: new Float32Array(4), schedule, guidance: 1, predict: async () => new Float32Array(8), checkCancel: () => { if (++n > 1) throw new Error('stop'); } }),
    ).rejects.toThrow('stop');
  });
});
