// The pick's retrieval term (manifest mllm.pick.temperature; training/caption_rerank.py pick): a retrieved name's
// score is its log-likelihood plus its cosine / temperature, the highest wins, and the shares the page shows are the
// softmax of those same scores; without a temperature the log-likelihood alone decides and the cosines do not
// matter. On the tiny committed fixture (fixtures/single_reader: untrained weights, so its log-likelihoods are
// arbitrary but fixed) under onnxruntime-web (WASM, in Node), with a key-space gallery of one orthonormal row a
// name: a query along one row gives that name cosine 1 and the others 0, so its term is exactly 1 / temperature.
// The log-likelihoods are read back from the temperature-free shares (log p_i - log p_j = ll_i - ll_j), and the
// temperatures are set from their gaps, so a term ignored, of the wrong sign or of the wrong scale (x T for / T)
// changes a choice or a share below. With a temperature per page task ({task: T}) each pick scores with its own task's
// (the caption's for a caption, the request's `task`'s for a plan), never another's, whatever the instruction says.
import { beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { Gallery } from './gallery';
import { MllmGenerator, type PickKey, type Pyramid } from './generate';
import type { PlanInfo } from './plan';
import { loadMllm } from './test-helpers';
import type { ModelEntry, PickSpec } from '../lib/manifest';
import type { SourceKind } from '../lib/sources';

ort.env.wasm.numThreads = 1;

const NAMES = ['red apple', 'cat face', 'hot beverage'];
let fx: Awaited<ReturnType<typeof loadMllm>>;
let gallery: Gallery;

/** a key-space gallery (training/gallery.py write, space "key"): mean zeros, row i the unit vector e_i, concept i */
function keyGallery(): Gallery {
  const n = NAMES.length;
  const chars = NAMES.map((_, i) => String.fromCodePoint(0x1f600 + i));
  const entry: ModelEntry = { role: 'gallery', file: 'gallery.bin', rows: n, dim: n, concepts: chars, space: 'key', key: 'key' };
  const bytes = new Uint8Array(4 * n + 2 * n * n + 2 * n);
  const v = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    v.setUint16(4 * n + 2 * (i * n + i), 0x3c00, true); // 1.0 as a half
    v.setUint16(4 * n + 2 * n * n + 2 * i, i, true);
  }
  return Gallery.parse(bytes, entry, new Map(chars.map((ch, i) => [ch, NAMES[i]])));
}

/** the key model's embedding along name `i`'s row: cosine 1 with it, 0 with the others */
const along = (i: number): PickKey => ({ space: 'key', embedding: Float32Array.from(NAMES, (_, j) => (j === i ? 3 : 0)) });

/** a deterministic pyramid of one image in the feature range */
function pyramid(seed: number): Pyramid {
  const s = fx.spec;
  return Object.fromEntries(s.image_order.map((n, i) => [n, Float32Array.from({ length: s.scale_tokens[i] * s.feature_dim }, (_, j) => Math.sin(j * 0.37 + seed + i))]));
}

/** a generator whose pick has `temperature` (one per task: those tasks pick; else caption and edit do) */
function generator(temperature?: PickSpec['temperature']): MllmGenerator {
  const tasks = temperature && typeof temperature === 'object' ? Object.keys(temperature) : ['caption', 'edit'];
  const pick: PickSpec = { gallery: 'gallery', k: NAMES.length, tasks, ...(temperature === undefined ? {} : { temperature }) };
  return new MllmGenerator(ort, { ...fx.spec, pick }, fx.tok, fx.sessions, {}, gallery);
}

/** a picked caption: the answer and each name's share */
async function caption(gen: MllmGenerator, key: PickKey): Promise<{ text: string; p: Map<string, number> }> {
  let ranked: { text: string; p: number }[] = [];
  const text = await gen.answer({ source: pyramid(1), reader: pyramid(2), question: fx.spec.prompts.caption, pick: true, pickKey: key, onPicked: (r) => (ranked = r) });
  expect(ranked.map((r) => r.text).sort()).toEqual([...NAMES].sort());
  return { text, p: new Map(ranked.map((r) => [r.text, r.p])) };
}

/** a picked plan drawn for the page's `task` (the same instruction whatever the task): its concept and each concept's share */
async function plan(gen: MllmGenerator, key: PickKey, task: SourceKind = 'edit'): Promise<{ text: string; p: Map<string, number> }> {
  const plans: PlanInfo[] = [];
  await gen.generateImage('edit', { text: 'colorize this', source: pyramid(1), reader: pyramid(2), scales: ['f4'], pick: true, task, pickKey: key, onPlan: (p) => plans.push(p) });
  expect(plans[0].source).toBe('picked');
  const field = fx.spec.plan!.fields[0];
  return { text: plans[0].fields[field], p: new Map(plans.at(-1)!.candidates.map((c) => [c.concept, c.p])) };
}

/** log-likelihoods up to a constant, from temperature-free shares */
const logliks = (p: Map<string, number>) => new Map([...p].map(([n, x]) => [n, Math.log(x)]));

beforeAll(async () => {
  fx = await loadMllm(resolve(import.meta.dirname, 'fixtures/single_reader'));
  gallery = keyGallery();
});

describe.each([
  ['a caption', caption],
  ['an edit plan', plan],
] as const)('the pick of %s', (_, picked) => {
  it('without a temperature: the log-likelihood alone, whatever the cosines', async () => {
    const gen = generator();
    const runs = [];
    for (const i of [0, 1, 2]) runs.push(await picked(gen, along(i)));
    for (const r of runs.slice(1)) {
      expect(r.text, 'the choice does not move with the query').toBe(runs[0].text);
      for (const n of NAMES) expect(r.p.get(n)!, n).toBeCloseTo(runs[0].p.get(n)!, 6);
    }
    // the winner is the likeliest
    const best = [...runs[0].p].sort((a, b) => b[1] - a[1])[0][0];
    expect(runs[0].text).toBe(best);
  });

  it('with a temperature: log-likelihood + cosine / temperature decides, and is what the shares are of', async () => {
    const ll = logliks((await picked(generator(), along(0))).p);
    const [a, b, c] = [...ll].sort((x, y) => y[1] - x[1]).map(([n]) => n);
    const gap = ll.get(a)! - ll.get(b)!;
    // the fixture's likelihoods must be apart for the choices below to say anything
    expect(gap, 'the two likeliest names are apart').toBeGreaterThan(1e-3);
    const ib = NAMES.indexOf(b);
    // b's term 2 * gap: b passes a (and c, below b already); ignored, negated or multiplied by T (1 / (2 gap)), it
    // could pass a only where 1 / (2 gap) > gap, which the next case rules out
    const flips = await picked(generator(1 / (2 * gap)), along(ib));
    expect(flips.text, `${b} (cosine 1) over ${a} (cosine 0)`).toBe(b);
    // the shares are the softmax of the scores: b's over a's is exp(ll_b + 1/T - ll_a), c's over a's exp(ll_c - ll_a)
    expect(Math.log(flips.p.get(b)! / flips.p.get(a)!)).toBeCloseTo(-gap + 2 * gap, 3);
    expect(Math.log(flips.p.get(c)! / flips.p.get(a)!)).toBeCloseTo(ll.get(c)! - ll.get(a)!, 3);
    // b's term gap / 2: not enough, a stays; multiplied by T instead (2 / gap) it would pass a where gap < 1.4
    const stays = await picked(generator(2 / gap), along(ib));
    expect(stays.text, `${a} stays over ${b}: its term is half the gap`).toBe(a);
    expect(Math.log(stays.p.get(b)! / stays.p.get(a)!)).toBeCloseTo(-gap / 2, 3);
    // the term of the likeliest itself only widens its lead
    const widens = await picked(generator(1 / (2 * gap)), along(NAMES.indexOf(a)));
    expect(widens.text).toBe(a);
    expect(Math.log(widens.p.get(a)! / widens.p.get(b)!)).toBeCloseTo(3 * gap, 3);
  });
});

describe('what the pick asks the gallery with', () => {
  it("a key-space gallery refuses the reader's pyramid, or no key, before any call", async () => {
    const gen = generator(0.05);
    const ask = { source: pyramid(1), reader: pyramid(2), question: fx.spec.prompts.caption, pick: true };
    await expect(gen.answer(ask)).rejects.toThrow(/a pick needs the key model's embedding of the given image/);
    await expect(gen.answer({ ...ask, pickKey: { space: 'reader', pyramid: pyramid(3) } })).rejects.toThrow(/gallery is in key space, the pick was given a reader key/);
    await expect(gen.generateImage('edit', { text: 'colorize this', source: ask.source, reader: ask.reader, scales: ['f4'], pick: true, task: 'edit' })).rejects.toThrow(/key model's embedding/);
  });

  it("a plan's pick refuses a request without its page task, or for a task that does not pick, before any call", async () => {
    const ask = { text: 'colorize this', source: pyramid(1), reader: pyramid(2), scales: ['f4'], pick: true, pickKey: along(0) };
    await expect(generator(0.05).generateImage('edit', ask)).rejects.toThrow(/a plan's pick needs the page task it draws for/);
    await expect(generator({ caption: 0.05, edit: 0.05 }).generateImage('edit', { ...ask, task: 'sketch' })).rejects.toThrow(/the sketch task does not pick \(mllm.pick.tasks: caption, edit\)/);
  });
});

describe('a temperature per page task', () => {
  it("each pick scores with its own task's temperature (null: its log-likelihood alone), whatever the instruction", async () => {
    /** a pick's temperature-free log-likelihoods, its two likeliest names and their gap */
    const apart = async (picked: (gen: MllmGenerator, key: PickKey) => Promise<{ p: Map<string, number> }>) => {
      const ll = logliks((await picked(generator(), along(0))).p);
      const [a, b] = [...ll].sort((x, y) => y[1] - x[1]).map(([n]) => n);
      const gap = ll.get(a)! - ll.get(b)!;
      expect(gap, 'the two likeliest names are apart').toBeGreaterThan(1e-3);
      return { a, b, gap, along: along(NAMES.indexOf(b)) };
    };
    const c = await apart(caption);
    // an edit and a sketch read the same sequence (the same instruction): the same log-likelihoods, told apart by
    // the request's task alone
    const e = await apart((g, k) => plan(g, k, 'edit'));
    /** log(share of the second likeliest / share of the likeliest) when it is asked along: -gap + its term */
    const ratio = (r: { p: Map<string, number> }, x: typeof c) => Math.log(r.p.get(x.b)! / r.p.get(x.a)!);
    // first: the caption's term 2 gap passes its likeliest, the edit's gap / 2 does not, the sketch has none. The
    // object read as no temperature moves the caption; a task read with another's temperature moves a share in one
    // of the two settings whatever the gaps (of any two tasks, one setting gives exactly one no temperature)
    let gen = generator({ caption: 1 / (2 * c.gap), edit: 2 / e.gap, sketch: null });
    const cap1 = await caption(gen, c.along);
    expect(cap1.text, "the caption's temperature: its second likeliest passes").toBe(c.b);
    expect(ratio(cap1, c)).toBeCloseTo(c.gap, 3);
    const edit1 = await plan(gen, e.along, 'edit');
    expect(edit1.text, "the edit's temperature: its likeliest stays").toBe(e.a);
    expect(ratio(edit1, e)).toBeCloseTo(-e.gap / 2, 3);
    const sketch1 = await plan(gen, e.along, 'sketch');
    expect(sketch1.text, 'the sketch has no temperature: its log-likelihood alone').toBe(e.a);
    expect(ratio(sketch1, e)).toBeCloseTo(-e.gap, 3);
    // then the other way: the caption's term gap / 2 (stays), no edit temperature, the sketch's term 2 gap (passes)
    gen = generator({ caption: 2 / c.gap, edit: null, sketch: 1 / (2 * e.gap) });
    const cap2 = await caption(gen, c.along);
    expect(cap2.text).toBe(c.a);
    expect(ratio(cap2, c)).toBeCloseTo(-c.gap / 2, 3);
    const edit2 = await plan(gen, e.along, 'edit');
    expect(edit2.text).toBe(e.a);
    expect(ratio(edit2, e)).toBeCloseTo(-e.gap, 3);
    const sketch2 = await plan(gen, e.along, 'sketch');
    expect(sketch2.text).toBe(e.b);
    expect(ratio(sketch2, e)).toBeCloseTo(e.gap, 3);
  });
});

describe("the page's styles (mllm.pick.page_styles)", () => {
  /** a picked edit plan of a generator whose pick keeps to the page's styles (`page`) and whose plan offers `styles` */
  async function picked(page: boolean, styles?: Record<string, string>): Promise<PlanInfo[]> {
    const pick: PickSpec = { gallery: 'gallery', k: NAMES.length, tasks: ['caption', 'edit'], page_styles: page };
    const plan = { ...fx.spec.plan!, ...(styles ? { styles } : {}) };
    const gen = new MllmGenerator(ort, { ...fx.spec, plan, pick }, fx.tok, fx.sessions, {}, gallery);
    const plans: PlanInfo[] = [];
    await gen.generateImage('edit', { text: 'colorize this', source: pyramid(1), reader: pyramid(2), scales: ['f4'], pick: true, task: 'edit', pickKey: along(0), onPlan: (p) => plans.push(p) });
    return plans;
  }

  it("a greedy style the page does not offer is picked anew among the page's styles; one it offers is kept", async () => {
    const asWritten = await picked(false);
    const greedyStyle = asWritten[0].fields.style;
    // the untrained fixture's greedy plan names some style word (an empty one, as it happens: it writes no separator
    // where a style would follow); the page below offers two others
    const offered = { google: 'zzpage one', twitter: 'zzpage two' };
    expect(Object.values(offered)).not.toContain(greedyStyle);
    const re = await picked(true, offered);
    expect(re[0].source).toBe('picked');
    expect(Object.values(offered)).toContain(re[0].fields.style);
    expect(re[0].fields.tone, "the greedy plan's tone stays").toBe(asWritten[0].fields.tone);
    // the alternatives: one a retrieved concept, their shares summing to one, the picked concept's the largest
    const alts = re.at(-1)!.candidates;
    expect(alts.map((c) => c.concept).sort()).toEqual([...NAMES].sort());
    expect(alts.reduce((s, c) => s + c.p, 0)).toBeCloseTo(1, 9);
    expect(alts[0].concept).toBe(re[0].fields.concept);
    // the greedy style offered by the page (whatever word it is): the same pick, the same shares, as without the option
    const kept = await picked(true, { google: greedyStyle, twitter: 'zzpage two' });
    expect(kept[0].text).toBe(asWritten[0].text);
    const share = (ps: PlanInfo[]) => new Map(ps.at(-1)!.candidates.map((c) => [c.concept, c.p]));
    for (const n of NAMES) expect(share(kept).get(n)!, n).toBeCloseTo(share(asWritten).get(n)!, 9);
  });
});
