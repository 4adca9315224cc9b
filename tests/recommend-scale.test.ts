// The automatic scale choice as the engine runs it (workers/engine/steps.ts recommendScale): only the task's
// candidate scales (manifest scale_choice) are encoded again and scored; one candidate is marked without encoding.
import { describe, expect, it } from 'vitest';
import { recommendScale, type RunContext } from '../workers/engine/steps';
import type { RunEvent } from '../workers/engine/protocol';
import type { Pyramid } from '../workers/mllm/generate';

/** A context whose encoder returns, for a decoded image [v], the pyramid {f4: [v]}; it counts the encodes. */
function context(scaleChoice?: Record<string, string[]>) {
  const encoded: number[] = [];
  const ctx = {
    manifest: { scale_choice: scaleChoice, scales: [] },
    codec: { encode: async (img: Float32Array) => (encoded.push(img[0]), { cond: { f4: img } }) },
    checkpoint: async () => {},
    guard: <T>(p: Promise<T>) => p,
  } as unknown as RunContext;
  return { ctx, encoded };
}

// decoded images whose "score" is their one value: f4 scores best, then f1, then f0
const decoded = { f4: Float32Array.of(0.75), f1: Float32Array.of(0.5), f0: Float32Array.of(0.25) };
const score = (p: Pyramid) => p.f4[0];

async function recommend(ctx: RunContext, task: string, d: Record<string, Float32Array> = decoded) {
  const ev: RunEvent[] = [];
  await recommendScale(ctx, task, d, score, (e) => ev.push(e));
  return ev.filter((e) => e.type === 'recommend') as Extract<RunEvent, { type: 'recommend' }>[];
}

describe('recommendScale', () => {
  it('scores and picks among the task\'s candidates only', async () => {
    const { ctx, encoded } = context({ 'text-to-image': ['f0', 'f1'] });
    const [r] = await recommend(ctx, 'text-to-image');
    expect(r.scale).toBe('f1');   // f4 scores higher, but is no candidate
    expect(Object.keys(r.scores).sort()).toEqual(['f0', 'f1']);
    expect(encoded.sort()).toEqual([0.25, 0.5]);
  });
  it('marks a single candidate without encoding anything', async () => {
    const { ctx, encoded } = context({ inpaint: ['f0'] });
    const [r] = await recommend(ctx, 'inpaint');
    expect(r).toMatchObject({ scale: 'f0', scores: {} });
    expect(encoded).toEqual([]);
  });
  it('falls back to every drawn scale when none of the candidates was drawn, or the task is not named', async () => {
    const { ctx } = context({ edit: ['f0', 'f1'] });
    expect((await recommend(ctx, 'edit', { f4: decoded.f4, f3: Float32Array.of(0.125) }))[0].scale).toBe('f4');
    expect((await recommend(ctx, 'sketch'))[0].scale).toBe('f4');
    expect((await recommend(context().ctx, 'edit'))[0].scale).toBe('f4');
    expect(await recommend(ctx, 'edit', {})).toEqual([]);
  });
});
