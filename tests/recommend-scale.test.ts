// The automatic scale choice as the engine runs it (workers/engine/steps.ts recommendScale): only the task's
// candidate scales (manifest scale_choice) are encoded again and scored over the rule's pyramid levels; one
// candidate is marked without encoding anything.
import { describe, expect, it } from 'vitest';
import { recommendScale, type RunContext } from '../workers/engine/steps';
import type { ScaleChoiceRule } from '../workers/lib/manifest';
import type { RunEvent } from '../workers/engine/protocol';

/** A context whose encoder turns a decoded image [a, b] into the pyramid {f4: [a, 1], f0: [b, 1]} (one token of two
 * features at each level); against the generated [1, 0] a level's cosine grows with a (f4) or b (f0). It counts the
 * encodes. */
function context(scaleChoice?: Record<string, ScaleChoiceRule>) {
  const encoded: string[] = [];
  const ctx = {
    manifest: { scale_choice: scaleChoice, scales: [], feature_dim: 2 },
    codec: { encode: async (img: Float32Array) => (encoded.push(`${img[0]},${img[1]}`), { cond: { f4: Float32Array.of(img[0], 1), f0: Float32Array.of(img[1], 1) } }) },
    checkpoint: async () => {},
    guard: <T>(p: Promise<T>) => p,
  } as unknown as RunContext;
  return { ctx, encoded };
}

const generated = { f4: Float32Array.of(1, 0), f0: Float32Array.of(1, 0) };
// by f4's cosine f4 scores best, then f1, then f0; by f0's, f0 best
const decoded = { f4: Float32Array.of(3, -1), f1: Float32Array.of(2, 0), f0: Float32Array.of(1, 2) };
const rule = (candidates: string[], levels = ['f4']) => ({ candidates, levels });

async function recommend(ctx: RunContext, task: string, d: Record<string, Float32Array> = decoded, defaults = ['f4']) {
  const ev: RunEvent[] = [];
  await recommendScale(ctx, task, d, generated, defaults, (e) => ev.push(e));
  return ev.filter((e) => e.type === 'recommend') as Extract<RunEvent, { type: 'recommend' }>[];
}

describe('recommendScale', () => {
  it("scores and picks among the task's candidates only", async () => {
    const { ctx, encoded } = context({ 'text-to-image': rule(['f0', 'f1']) });
    const [r] = await recommend(ctx, 'text-to-image');
    expect(r.scale).toBe('f1'); // f4 scores higher, but is no candidate
    expect(Object.keys(r.scores).sort()).toEqual(['f0', 'f1']);
    expect(encoded.sort()).toEqual(['1,2', '2,0']);
  });
  it("scores over the rule's levels, else the task's default ones", async () => {
    expect((await recommend(context({ edit: rule(['f0', 'f1', 'f4'], ['f0']) }).ctx, 'edit'))[0].scale).toBe('f0');
    expect((await recommend(context({ edit: rule(['f0', 'f1', 'f4'], ['f4']) }).ctx, 'edit'))[0].scale).toBe('f4');
    expect((await recommend(context().ctx, 'edit', decoded, ['f0']))[0].scale).toBe('f0');
    // a level that was not generated does not count: f3 is dropped, f0 scores
    expect((await recommend(context({ edit: rule(['f0', 'f1'], ['f3', 'f0']) }).ctx, 'edit'))[0].scale).toBe('f0');
  });
  it('marks a single candidate without encoding anything', async () => {
    const { ctx, encoded } = context({ inpaint: rule(['f0']) });
    const [r] = await recommend(ctx, 'inpaint');
    expect(r).toMatchObject({ scale: 'f0', scores: {} });
    expect(encoded).toEqual([]);
  });
  it('falls back to every drawn scale when none of the candidates was drawn, or the task is not named', async () => {
    const { ctx } = context({ edit: rule(['f0', 'f1']) });
    expect((await recommend(ctx, 'edit', { f4: decoded.f4, f3: Float32Array.of(0.5, 0) }))[0].scale).toBe('f4');
    expect((await recommend(ctx, 'sketch'))[0].scale).toBe('f4');
    expect((await recommend(context().ctx, 'edit'))[0].scale).toBe('f4');
    expect(await recommend(ctx, 'edit', {})).toEqual([]);
  });
});
