// The pick (manifest mllm.pick) under onnxruntime-web (WASM, in Node) reproduces PyTorch's
// (training/golden_pick.py -> golden/pick.json) on the shipped MLLM, gallery and word list: the names the
// gallery retrieves for a drawing's key and their scores, the caption picked among them, and an edit's
// plan: its concept picked among them with the greedy plan's style and tone, the alternatives ranked by their
// share of the pick's scores (the golden's log-likelihoods, plus each name's cosine / the golden's temperature where
// it has one, softmaxed); and the greedy plan the pick took its style and tone from is PyTorch's.
// A case's `key` is what the gallery is asked with, in its space: a reader-space gallery's the reader's pyramid of
// the framed drawing ({scale: tokens}; absent where the pick does not frame: the reader's pyramid as given), a
// key-space gallery's the key model's embedding of the drawing framed where the pick frames (one float32 tensor
// [dim]; workers/engine/steps.ts computes it with key.onnx, whose own parity is tests/pick-key.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { frameInk, type FrameSpec } from '../lib/framing';
import { redraw, type Theta } from '../lib/redraw';
import { parseWords } from '../lib/words';
import { Gallery } from './gallery';
import { MllmGenerator, type PickKey, type Pyramid } from './generate';
import type { PlanInfo } from './plan';
import { pickTemperature, type PickSpec } from '../lib/manifest';
import { f32, loadMllm, shippedDir, type T64 } from './test-helpers';

ort.env.wasm.numThreads = 1;

interface Case {
  name: string;
  source: Record<string, T64>;
  reader: Record<string, T64>;
  /** what the gallery is asked with (above): reader space, where the pick frames, the reader's tokens of the framed
   * drawing at the gallery's scale; key space, the key model's embedding of the drawing (framed where the pick frames) */
  key?: Record<string, T64> | T64;
  retrieved: { names: string[]; scores: number[] };
  /** pick: the name with the highest mean_ll where the pick reads re-drawings (views), else the highest ll; each plus
   * its retrieved score / temperature where the golden has a temperature */
  caption: { question: string; ll: number[]; pick: string; views?: { source: Record<string, T64>; reader: Record<string, T64>; ll: number[] }[]; mean_ll?: number[] };
  edit: { instruction: string; greedy_plan: string; texts: string[]; ll: number[]; pick: string };
}
interface Golden {
  gallery_sha256: string;
  mllm_sha256: string;
  k: number;
  atol_score: number;
  atol_ll: number;
  /** the pick's temperature PyTorch scored with (manifest mllm.pick.temperature: one, or one per page task; absent/null:
   * log-likelihoods alone); a case's caption scores with the caption task's, its edit (an edit_tone instruction) with
   * the edit task's */
  temperature?: PickSpec['temperature'];
  cases: Case[];
  /** where the pick frames: drawings as given and framed (training/framing.py) */
  frame?: FrameSpec & { atol: number; images: { name: string; image: T64; framed: T64 }[] };
  /** where a caption's pick reads re-drawings: the thetas and drawings as given and re-drawn (training/redraw.py) */
  views?: { tasks: string[]; thetas: Theta[]; atol: number; images: { name: string; image: T64; redrawn: T64[] }[] };
}

const golden = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../golden/pick.json'), 'utf8')) as Golden;
const pyramid = (p: Record<string, T64>): Pyramid => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, f32(v)]));
const isTensor = (t: Case['key']): t is T64 => !!t && typeof (t as T64).data_b64 === 'string';

let gen: MllmGenerator;
let greedy: MllmGenerator;
let gallery: Gallery;
let man: Awaited<ReturnType<typeof loadMllm>>['man'];

/** What the engine asks the gallery with for a case (steps.ts encodeGivenImage), in the gallery's space. */
function pickKeyOf(c: Case): PickKey | undefined {
  if (gallery.space === 'key') {
    if (!isTensor(c.key)) throw new Error(`${c.name}: a key-space golden case needs the key model's embedding ("key": one tensor)`);
    return { space: 'key', embedding: f32(c.key) };
  }
  if (isTensor(c.key)) throw new Error(`${c.name}: a reader-space golden case's key is a pyramid`);
  return c.key ? { space: 'reader', pyramid: pyramid(c.key) } : undefined;
}

/** The query the gallery compares (gallery.retrieve): the key's embedding, or the reader's tokens at its scale. */
function queryOf(c: Case): Float32Array {
  const k = pickKeyOf(c);
  return k?.space === 'key' ? k.embedding : (k?.pyramid ?? pyramid(c.reader))[gallery.scale!];
}

/** The golden's temperature for the page's `task` (read as the manifest's is). */
const goldenTemperature = (task: 'caption' | 'edit') => pickTemperature({ ...man.mllm.pick, temperature: golden.temperature }, task);

/** The pick's score of each retrieved name from its log-likelihood (as the generator scores it: + cosine / T, T the
 * picking task's temperature). */
function scored(c: Case, ll: number[], task: 'caption' | 'edit'): number[] {
  const t = goldenTemperature(task);
  return t == null ? ll : ll.map((x, i) => x + c.retrieved.scores[i] / t);
}

/** each score's share of their softmax */
function shares(scores: number[]): number[] {
  const m = Math.max(...scores);
  const w = scores.map((x) => Math.exp(x - m));
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / sum);
}

beforeAll(async () => {
  const m = await loadMllm(shippedDir);
  man = m.man;
  const e = man.models[man.mllm.pick.gallery];
  const words = parseWords(JSON.parse(readFileSync(resolve(shippedDir, man.models.words.file), 'utf8')));
  gallery = Gallery.parse(new Uint8Array(readFileSync(resolve(shippedDir, e.file))), e, words.concepts);
  gen = new MllmGenerator(ort, m.spec, m.tok, m.sessions, {}, gallery);
  greedy = m.gen;
}, 300_000);

describe('the pick reproduces PyTorch on the shipped models', () => {
  it('the golden was written for these files', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(3);
    expect(golden.gallery_sha256, 'golden/pick.json was written for another gallery: regenerate it (python3 -m training.golden_pick)').toBe(man.models[man.mllm.pick.gallery].sha256);
    expect(golden.mllm_sha256).toBe(man.models.mllm.variants[0].sha256);
    expect(golden.k).toBe(man.mllm.pick.k);
    // and scored as the manifest scores the tasks it holds (a caption, an edit): with each one's temperature, or without
    for (const task of ['caption', 'edit'] as const) {
      expect(goldenTemperature(task), `golden/pick.json scored the ${task} with the manifest's mllm.pick.temperature for it`).toBe(pickTemperature(man.mllm.pick, task));
    }
    // the golden frames exactly where the manifest does, as it does
    expect(golden.frame && { span: golden.frame.span, ink: golden.frame.ink, keep: golden.frame.keep }).toEqual(man.mllm.pick.frame ?? undefined);
    // and reads the re-drawings the manifest's caption reads
    expect(golden.views && { tasks: golden.views.tasks, thetas: golden.views.thetas }).toEqual(man.mllm.pick.views ? { tasks: man.mllm.pick.views.tasks, thetas: man.mllm.pick.views.thetas } : undefined);
  });

  it('re-drawing: a drawing re-drawn by each view as PyTorch re-draws it', () => {
    const v = golden.views!;
    expect(man.mllm.pick.views?.thetas.length, 'the shipped caption reads re-drawings').toBeGreaterThan(0);
    for (const g of v.images) {
      expect(g.redrawn.length).toBe(v.thetas.length);
      v.thetas.forEach((theta, k) => {
        const got = redraw(f32(g.image), man.image.size, theta);
        const want = f32(g.redrawn[k]);
        let worst = 0, moved = 0;
        for (let i = 0; i < want.length; i++) {
          worst = Math.max(worst, Math.abs(got[i] - want[i]));
          moved = Math.max(moved, Math.abs(want[i] - f32(g.image)[i]));
        }
        expect(worst, `${g.name}, view ${k}`).toBeLessThan(v.atol);
        expect(moved, `${g.name}, view ${k} moves the drawing`).toBeGreaterThan(0.1);
      });
    }
  });

  it('framing: a drawing framed as PyTorch frames it', () => {
    const f = golden.frame!;
    expect(man.mllm.pick.frame, 'the shipped pick frames').toBeTruthy();
    expect(f.images.length).toBeGreaterThanOrEqual(4);
    // most are framed (not only the drawings framing leaves as they are)
    expect(f.images.filter((g) => f32(g.image).some((v, i) => v !== f32(g.framed)[i])).length).toBeGreaterThanOrEqual(3);
    for (const g of f.images) {
      const got = frameInk(f32(g.image), man.image.size, man.mllm.pick.frame);
      const want = f32(g.framed);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      expect(worst, g.name).toBeLessThan(f.atol);
    }
  });

  it('retrieval: the same names in the same order, the same scores', () => {
    let framedApart = 0;
    for (const c of golden.cases) {
      const got = gallery.retrieve(queryOf(c), golden.k);
      expect(got.map((r) => r.name), c.name).toEqual(c.retrieved.names);
      got.forEach((r, i) => expect(Math.abs(r.score - c.retrieved.scores[i]), `${c.name}: ${r.name}`).toBeLessThan(golden.atol_score));
      if (gallery.space === 'reader' && c.key && gallery.retrieve(pyramid(c.reader)[gallery.scale!], golden.k).map((r) => r.name).join() !== c.retrieved.names.join()) framedApart++;
    }
    // reader space: an OpenMoji drawing (smaller than the gallery's) retrieves other names framed than as given: these
    // cases (and the caption and plan picks below) would fail if the generator asked the gallery with the image as given
    if (gallery.space === 'reader' && man.mllm.pick.frame) expect(framedApart).toBeGreaterThan(0);
  });

  it('a pick refuses a request without what its gallery is asked with (it never falls back to the image as given)', async () => {
    const c = golden.cases[0];
    const ask = { source: pyramid(c.source), reader: pyramid(c.reader), question: c.caption.question, pick: true };
    const want = gallery.space === 'key' ? /key model's embedding of the (framed|given) image/ : /reader's pyramid of the framed image/;
    expect(gallery.space === 'key' || !!man.mllm.pick.frame, 'a reader-space pick asks with the reader\'s pyramid as given unless it frames').toBe(true);
    await expect(gen.answer(ask)).rejects.toThrow(want);
    await expect(gen.generateImage('edit', { text: c.edit.instruction, source: ask.source, reader: ask.reader, scales: ['f4'], pick: true, task: 'edit' })).rejects.toThrow(want);
  });

  it("a caption is the model's pick among the retrieved names by its mean log-likelihood over the image and its re-drawings, streamed as one piece", async () => {
    let changed = 0;
    for (const c of golden.cases) {
      const pieces: string[] = [];
      let ranked: { text: string; p: number }[] = [];
      const views = c.caption.views?.map((v) => ({ source: pyramid(v.source), reader: pyramid(v.reader) }));
      const got = await gen.answer({ source: pyramid(c.source), reader: pyramid(c.reader), pickKey: pickKeyOf(c), views, question: c.caption.question, pick: true, onPicked: (r) => (ranked = r), onToken: (p) => pieces.push(p) });
      expect(got, c.name).toBe(c.caption.pick);
      expect(pieces).toEqual([c.caption.pick]);
      // the alternatives' shares: the softmax of the pick's scores from the mean log-likelihoods PyTorch gives them
      const p = shares(scored(c, c.caption.mean_ll ?? c.caption.ll, 'caption'));
      for (const r of ranked) expect(Math.abs(r.p - p[c.retrieved.names.indexOf(r.text)]), `${c.name}: ${r.text}`).toBeLessThan(golden.atol_ll);
      const alone = scored(c, c.caption.ll, 'caption');
      if (c.retrieved.names[alone.indexOf(Math.max(...alone))] !== c.caption.pick) changed++;
    }
    // the re-drawings decide some of these picks: a generator that read the image as given alone would fail here
    if (man.mllm.pick.views) expect(changed).toBeGreaterThan(0);
  }, 600_000);

  it("a caption's pick that reads re-drawings refuses a request without them (it never falls back to the image as given)", async () => {
    const c = golden.cases[0];
    if (!c.caption.views) return expect(man.mllm.pick.views).toBeFalsy();
    const ask = { source: pyramid(c.source), reader: pyramid(c.reader), pickKey: pickKeyOf(c), question: c.caption.question, pick: true };
    await expect(gen.answer(ask)).rejects.toThrow(`reads ${c.caption.views.length} re-drawings of the image (mllm.pick.views), got 0`);
    await expect(gen.answer({ ...ask, views: [{ source: ask.source, reader: ask.reader }] })).rejects.toThrow(/got 1/);
  });

  it("an edit's plan: the concept picked, the greedy plan's style and tone, the others as ranked alternatives", async () => {
    for (const c of golden.cases) {
      const plans: PlanInfo[] = [];
      await gen.generateImage('edit', { text: c.edit.instruction, source: pyramid(c.source), reader: pyramid(c.reader), pickKey: pickKeyOf(c), scales: ['f4'], pick: true, task: 'edit', planCandidates: golden.k, onPlan: (p) => plans.push(p) });
      expect(plans[0].text, c.name).toBe(c.edit.pick);
      expect(plans[0].source).toBe('picked');
      // the alternatives: every retrieved name's plan, by the pick's score PyTorch gives it (texts in retrieval order)
      const p = shares(scored(c, c.edit.ll, 'edit'));
      const want = new Map(c.edit.texts.map((t, i) => [t, p[i]]));
      const got = plans.at(-1)!.candidates;
      expect(got.map((x) => x.text).sort()).toEqual([...c.edit.texts].sort());
      expect(got[0].text).toBe(c.edit.pick);
      // log-likelihoods within atol_ll give shares within about that much
      for (const x of got) expect(Math.abs(x.p - want.get(x.text)!), `${c.name}: ${x.text}`).toBeLessThan(golden.atol_ll);
      // the greedy plan (no pick) is the one PyTorch wrote before picking
      const g: PlanInfo[] = [];
      await greedy.generateImage('edit', { text: c.edit.instruction, source: pyramid(c.source), reader: pyramid(c.reader), scales: ['f4'], planCandidates: 0, onPlan: (p) => g.push(p) });
      expect(g[0].text, c.name).toBe(c.edit.greedy_plan);
    }
  }, 300_000);
});
