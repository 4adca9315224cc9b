// The page's store driven in Node around a fake engine (tests/fake-engine.ts): what the user
// gave is kept and run at the right time, a newer run owns the grid, WebGPU failures move to
// WASM, Retry brings a failed file back, a shared link is read, the history keeps its cap.
import { describe, expect, it } from 'vitest';
import { createAppStore } from '../src/state/createAppStore';
import type { AppEnv } from '../src/state/context';
import { ResultHistory, type StorageLike } from '../src/resultHistory';
import { WebGpuFailure } from '../workers/engine/errors';
import { allowedSteps, coarseToFine, mllmGraphNames, type Manifest } from '../workers/lib/manifest';
import type { PlanInfo } from '../workers/mllm/plan';
import { holeMask } from '../workers/lib/mask';
import { loadManifest } from './models';
import { FakeEngine, image, settle } from './fake-engine';
import { MemoryStorage } from './memory-storage';

const manifest = loadManifest();
// the MLLM graph file a failed download names: the single graph, or the pair's step graph
const MLLM_STEP = manifest.models[mllmGraphNames(manifest.mllm!).at(-1)!]!.variants![0].file;
// the shipped MLLM writes a plan; the same model as if it did not
const unplanned: Manifest = { ...manifest, mllm: { ...manifest.mllm!, plan: null } };

function setup(o: { hash?: string; maxHistory?: number; manifest?: Manifest; storage?: StorageLike } = {}) {
  const engine = new FakeEngine(o.manifest ?? manifest);
  const env: AppEnv = { baseUrl: 'http://page/', shareHash: () => o.hash ?? '', history: new ResultHistory(o.storage ?? new MemoryStorage(), { maxEntries: o.maxHistory ?? 12 }), now: () => 0 };
  const store = createAppStore(engine, env);
  const s = () => store.getState();
  return { engine, store, s, actions: s().actions };
}

/** A store whose engine has loaded (WASM, the MLLM there unless `info` says otherwise). */
async function ready(o: Parameters<typeof setup>[0] & { info?: Parameters<FakeEngine['finishLoad']>[0] } = {}) {
  const t = setup(o);
  const init = t.actions.init('auto');
  await settle();
  t.engine.finishLoad(o.info);
  await init;
  return t;
}

type Feed = FakeEngine['runs'][number]['feed'];

/** The images of a finished run at every scale asked for, then 'done'. */
function finish(feed: FakeEngine['runs'][number]['feed'], scales: string[], shade = 100) {
  for (const scale of scales) feed.push({ type: 'image', scale, image: image(shade), ms: 1, stepMs: [1] });
  feed.push({ type: 'done', ms: 5 });
  feed.end();
}

describe('app store', () => {
  it('keeps a prompt given while the models load and runs it, coarse to fine, once they are ready', async () => {
    const { engine, s, actions } = setup();
    const init = actions.init('auto');
    await settle();
    engine.sendManifest();
    await settle();
    await actions.generate('  red apple ');
    expect(s().runs.main).toMatchObject({ status: 'queued', text: 'red apple', task: 'text-to-image' });
    expect(s().notice).toContain('Queued');
    expect(engine.runs).toHaveLength(0);
    engine.finishLoad();
    await init;
    await settle();
    expect(engine.runs.map((r) => [r.task, r.request.prompt, r.request.scales])).toEqual([['text-to-image', 'red apple', coarseToFine(manifest)]]);
    expect(s().notice).toBeNull();
    expect(s().runs.main?.status).toBe('running');
    finish(engine.runs[0].feed, coarseToFine(manifest));
    await settle();
    expect(s().runs.main?.status).toBe('done');
    expect(s().lastGenerated).toBe('red apple');
  });

  it('a newer run takes the grid over: the older one’s late events and end change nothing', async () => {
    const { engine, s, actions } = await ready();
    const first = actions.generate('dog face');
    await settle();
    const second = actions.generate('red heart');
    await settle();
    const [old, now] = engine.runs.map((r) => r.feed);
    old.push({ type: 'image', scale: 'f4', image: image(9), ms: 1, stepMs: [1] }, { type: 'cancelled' });
    old.end();
    await first;
    expect(s().runs.main).toMatchObject({ text: 'red heart', status: 'running' });
    expect(s().runs.main?.results.f4.image).toBeUndefined();
    finish(now, ['f4', 'f3']);
    await second;
    expect(s().runs.main?.status).toBe('done');
    expect(s().lastGenerated).toBe('red heart');
    expect(s().phase).toBe('ready');
  });

  it('a WebGPU failure mid-run loads a fresh WASM engine and runs the same request again', async () => {
    const { engine, s, actions } = await ready({ info: { info: { provider: 'webgpu' } } });
    const done = actions.generate('red apple');
    await settle();
    engine.runs[0].feed.push({ type: 'image', scale: 'f4', image: image(1), ms: 1, stepMs: [1] });
    engine.runs[0].feed.fail(new WebGpuFailure('GPU device lost (test)'));
    await settle();
    expect(engine.terminated).toBe(1);
    expect(engine.loads.at(-1)!.opts.ep).toBe('wasm');
    engine.finishLoad();
    await settle();
    await settle();
    expect(engine.runs).toHaveLength(2);
    expect(engine.runs[1].request).toEqual(engine.runs[0].request);
    expect(s().runs.main?.results.f4.image, 'the retried run starts from an empty grid').toBeUndefined();
    finish(engine.runs[1].feed, coarseToFine(manifest));
    await done;
    expect(s().runs.main?.status).toBe('done');
    expect(s().provider).toBe('wasm');
    expect(s().providerReason).toBe('fell back from WebGPU: GPU device lost (test)');
  });

  it("the badge's facts: where the MLLM runs, from the load, and WASM once a run says it moved there", async () => {
    const { engine, s, actions } = setup();
    const init = actions.init('auto');
    await settle();
    engine.sendManifest();
    engine.loads.at(-1)!.feed.push({ type: 'provider', provider: 'webgpu', adapter: 'test gpu', threads: 1, isolated: true, shaderF16: false, mllm: { provider: 'webgpu' } });
    engine.finishLoad({ info: { provider: 'webgpu' } });
    await init;
    expect([s().provider, s().mllmProvider, s().mllmReason]).toEqual(['webgpu', 'webgpu', null]);
    const done = actions.generate('red apple');
    await settle();
    engine.runs[0].feed.push({ type: 'mllm-provider', provider: 'wasm', reason: 'the MLLM failed on WebGPU: test' });
    finish(engine.runs[0].feed, coarseToFine(manifest));
    await done;
    expect(s().runs.main?.status).toBe('done');
    expect([s().provider, s().mllmProvider, s().mllmReason], 'the decoders stay on WebGPU').toEqual(['webgpu', 'wasm', 'the MLLM failed on WebGPU: test']);
  });

  it('a prompt waits for a failed MLLM file; Retry loads it again and the prompt runs', async () => {
    const { engine, s, actions } = await ready({ info: { failed: [MLLM_STEP], info: { textToImage: false } } });
    expect(s().fileStates[MLLM_STEP]).toMatchObject({ state: 'failed', mllm: true, reason: 'offline' });
    await actions.generate('red apple');
    expect(s().runs.main?.status).toBe('queued');
    expect(s().notice).toContain(MLLM_STEP);
    // an Edit waits the same way instead of failing in the engine
    await actions.run('edit', 'edit', { image: image(), instruction: 'make it blue' }, { text: 'make it blue' });
    expect(s().runs.edit?.status).toBe('queued');
    expect(engine.runs).toHaveLength(0);
    const retry = actions.retryLoad();
    await settle();
    expect(engine.terminated).toBe(1);
    expect(engine.loads).toHaveLength(2);
    engine.finishLoad();
    await retry;
    await settle();
    // one run at a time: the prompt first, the edit waits in line and starts when it ends
    expect(engine.runs.map((r) => r.task)).toEqual(['text-to-image']);
    expect(s().notice).toBeNull();
    expect(s().runs.edit).toMatchObject({ status: 'queued', message: expect.stringContaining('Waits for the text to image run on Generate & compare (1st in line)') });
    finish(engine.runs[0].feed, coarseToFine(manifest));
    await settle();
    expect(engine.runs.map((r) => r.task)).toEqual(['text-to-image', 'edit']);
  });

  it('the network coming back during a load retries once that load has failed', async () => {
    const { engine, actions } = setup();
    const init = actions.init('auto');
    await settle();
    actions.online();
    expect(engine.loads).toHaveLength(1);
    engine.loads[0].feed.fail(new Error('could not load the model manifest'));
    await init;
    await settle();
    expect(engine.loads).toHaveLength(2);
  });

  it('reads a shared link once the manifest is known, keeping only the values the model allows', async () => {
    const steps = Math.max(...(manifest.sampler.allowed_steps ?? [manifest.sampler.steps]));
    const { s } = await ready({ hash: `#prompt=cat&seed=77&steps=${steps}&guidance=999&scales=f4,f1,f9` });
    expect(s()).toMatchObject({ prompt: 'cat', seed: 77, steps, guidance: manifest.sampler.guidance, t2iScales: ['f4', 'f1'] });
    expect(s().notice).toBe('Settings from a shared link: press Generate to draw them. Left out, not usable with this model: guidance.');
    const bad = await ready({ hash: '#seed=-5' });
    expect(bad.s()).toMatchObject({ seed: 1234, steps: manifest.sampler.steps });
    expect(bad.s().notice).toBe('This link’s settings could not be read; the page starts fresh.');
  });

  it('a link or a saved result with a steps count this model does not offer runs with the nearest offered one, and says so', async () => {
    const allowed = allowedSteps(manifest.sampler);
    const unoffered = Math.max(...allowed) + 5;
    const { s, engine, actions } = await ready({ hash: `#prompt=cat&steps=${unoffered}` });
    expect(s()).toMatchObject({ prompt: 'cat', steps: Math.max(...allowed) });
    expect(s().notice).toBe(`Settings from a shared link: press Generate to draw them. The link's ${unoffered} steps are not offered by this model: runs use ${Math.max(...allowed)}.`);
    const run = actions.generate('cat');
    await settle();
    expect(engine.runs.at(-1)!.request).toMatchObject({ steps: Math.max(...allowed) });
    finish(engine.runs.at(-1)!.feed, ['f4']);
    await run;
    // the history entry as an earlier model's page saved it
    actions.pickHistory({ ...s().history[0], steps: unoffered });
    expect(s()).toMatchObject({ steps: Math.max(...allowed), notice: `This result was drawn with ${unoffered} steps, which this model no longer offers: runs use ${Math.max(...allowed)}.` });
    // a link whose only setting is such a count reads as nothing read, and still says what runs use
    const only = await ready({ hash: `#seed=-5&steps=${unoffered}` });
    expect(only.s().steps).toBe(Math.max(...allowed));
    expect(only.s().notice).toBe(`This link’s settings could not be read; the page starts fresh. The link's ${unoffered} steps are not offered by this model: runs use ${Math.max(...allowed)}.`);
  });

  it('says what a link did, and never runs it unasked', async () => {
    const read = await ready({ hash: '#prompt=red%20apple&seed=3' });
    expect(read.s()).toMatchObject({ prompt: 'red apple', seed: 3, notice: 'Settings from a shared link: press Generate to draw them.' });
    await settle();
    expect(read.engine.runs, 'a link fills the form; Generate draws it').toHaveLength(0);
    expect(read.s().runs.main).toBeUndefined();
    for (const hash of ['#prompt=' + 'a'.repeat(100_000), '#%E0%A4%A&prom', '#seed=oops']) {
      const t = await ready({ hash });
      expect(t.s().notice, hash.slice(0, 20)).toBe('This link’s settings could not be read; the page starts fresh.');
      expect(t.s()).toMatchObject({ prompt: '', seed: 1234 });
    }
    for (const hash of ['', '#', '#results-main']) expect((await ready({ hash })).s().notice, hash).toBeNull();
  });

  it('an image pasted goes to the tab shown: the first tab reconstructs it, the others take it as input; no other tab is touched', async () => {
    const { engine, s, actions } = await ready();
    for (const tab of ['canvas', 'edit', 'understand'] as const) {
      actions.setTab(tab);
      actions.paste(image(40 + tab.length), 'pasted image');
      expect(s().picked[tab]).toMatchObject({ name: 'pasted image', image: { width: 64 } });
    }
    expect(Object.keys(s().picked).sort()).toEqual(['canvas', 'edit', 'understand']);
    expect(engine.runs, 'no hidden tab ran').toHaveLength(0);
    expect(s().runs.main).toBeUndefined();
    // the tab shown when the paste happened, even if another is shown once the file is read
    actions.paste(image(7), 'late', 'edit');
    expect(s().picked.edit?.name).toBe('late');
    actions.setTab('main');
    actions.paste(image(9), 'pasted image');
    await settle();
    expect(engine.runs.map((r) => r.task)).toEqual(['reconstruct']);
    expect(s().runs.main).toMatchObject({ status: 'running', inputName: 'pasted image' });
  });

  it('the history keeps the page’s finished runs up to its cap, newest first, and only those', async () => {
    const { engine, s, actions } = await ready({ maxHistory: 2 });
    for (const [i, prompt] of ['one', 'two', 'three'].entries()) {
      const run = actions.generate(prompt);
      await settle();
      finish(engine.runs[i].feed, ['f4'], 50 * i);
      await run;
    }
    expect(s().history.map((h) => h.prompt)).toEqual(['three', 'two']);
    const edit = actions.run('edit', 'edit', { image: image(), instruction: 'x' });
    await settle();
    finish(engine.runs[3].feed, ['f4']);
    expect(await edit).toBe(true);
    expect(s().history).toHaveLength(2);
    // a result restored from the history is shown, not stored again
    actions.pickHistory(s().history[1]);
    expect(s().runs.main).toMatchObject({ text: 'two', fromHistory: true, status: 'done' });
    expect(s().history.map((h) => h.prompt)).toEqual(['three', 'two']);
  });

  it('a run started over one put back from the history is a fresh result: shown as such and kept', async () => {
    const { engine, s, actions } = await ready();
    const first = actions.generate('one');
    await settle();
    finish(engine.runs[0].feed, ['f4']);
    await first;
    actions.pickHistory(s().history[0]);
    expect(s().runs.main?.fromHistory).toBe(true);
    const second = actions.generate('two');
    await settle();
    expect(s().runs.main?.fromHistory).toBe(false);
    finish(engine.runs[1].feed, ['f4']);
    await second;
    expect(s().history.map((h) => h.prompt)).toEqual(['two', 'one']);
  });

  it('a result picked from the history while the first tab runs: the page is ready again when that run ends', async () => {
    const { engine, s, actions } = await ready();
    const first = actions.generate('one');
    await settle();
    finish(engine.runs[0].feed, ['f4']);
    await first;
    const second = actions.generate('two');
    await settle();
    expect(s().phase).toBe('running');
    actions.pickHistory(s().history[0]);
    expect(s().runs.main).toMatchObject({ text: 'one', fromHistory: true });
    finish(engine.runs[1].feed, ['f4']);
    await second;
    expect(s().phase).toBe('ready');
    // the grid stays the picked result: the run it was taken from reports nothing into it
    expect(s().runs.main).toMatchObject({ text: 'one', fromHistory: true });
    // a run superseded by a newer one of its tab leaves the page running until that one ends
    const third = actions.generate('three');
    await settle();
    const fourth = actions.generate('four');
    await settle();
    finish(engine.runs[2].feed, ['f4']);
    await third;
    expect(s().phase).toBe('running');
    finish(engine.runs[3].feed, ['f4']);
    await fourth;
    expect(s().phase).toBe('ready');
  });

  describe('the history keeps the image tabs’ runs with the image the engine read', () => {
    /** the opaque 64x64 image an engine reports as read ('input'): distinct bytes, so a lossy round trip shows */
    const seen = (k: number) => {
      const data = new Uint8ClampedArray(64 * 64 * 4);
      for (let i = 0; i < 64 * 64; i++) data.set([(i * 5 + k) & 255, (i * 11) & 255, (i >> 4) & 255, 255], i * 4);
      return { width: 64, height: 64, data };
    };

    it('an edit is kept; after a reload picking it shows Edit with its image, instruction, restyle flag, seed and thumbnails back', async () => {
      const storage = new MemoryStorage();
      const a = await ready({ storage });
      a.actions.pick('edit', image(40, 200), 'smiley.png');
      a.actions.setSeed(77);
      const text = 'draw it in twemoji style';
      const run = a.actions.run('edit', 'edit', { image: a.s().picked.edit!.image, instruction: text, restyle: false }, { text, inputName: 'smiley.png' });
      await settle();
      a.engine.runs[0].feed.push({ type: 'input', image: seen(3) });
      finish(a.engine.runs[0].feed, ['f4', 'f0'], 60);
      expect(await run).toBe(true);
      expect(a.s().history).toHaveLength(1);
      expect(a.s().history[0]).toMatchObject({ task: 'edit', instruction: text, restyle: false, seed: 77, inputName: 'smiley.png', scales: ['f4', 'f0'] });

      // a reload: a new page on the same storage, its settings the defaults
      const b = await ready({ storage });
      expect(b.s().seed).not.toBe(77);
      expect(b.s().tab).toBe('main');
      const [e] = b.s().history;
      b.actions.pickHistory(e);
      expect(b.s().tab).toBe('edit');
      expect(b.s().seed).toBe(77);
      const picked = b.s().picked.edit!;
      expect(Buffer.from(picked.image.data).equals(Buffer.from(seen(3).data))).toBe(true);
      expect(picked).toMatchObject({ name: 'smiley.png', restored: { task: 'edit', text, restyle: false } });
      expect(b.s().runs.edit).toMatchObject({ task: 'edit', status: 'done', text, fromHistory: true, pickSeq: picked.seq });
      expect(Object.keys(b.s().runs.edit!.results)).toEqual(['f4', 'f0']);
      expect(b.s().runs.edit!.results.f0.image).toEqual(e.thumbs[1].image);
      // the main tab's grid is not touched, and a restored run is not stored again
      expect(b.s().runs.main).toBeUndefined();
      expect(b.s().history).toHaveLength(1);
      expect(b.engine.runs).toHaveLength(0);
    });

    it("the history's images are read and added at the manifest's image size, once it is known", async () => {
      const storage = new MemoryStorage();
      const a = await ready({ storage });
      const run = a.actions.run('edit', 'edit', { image: image(), instruction: 'x' }, { text: 'x' });
      await settle();
      a.engine.runs[0].feed.push({ type: 'input', image: seen(1) });
      finish(a.engine.runs[0].feed, ['f4']);
      await run;
      expect(a.s().history.map((e) => e.task)).toEqual(['edit']);
      // a reload: before the manifest is read the model's size is not known, so the image entry waits for it
      const b = setup({ storage });
      expect(b.s().history).toEqual([]);
      const init = b.actions.init('auto');
      await settle();
      b.engine.finishLoad();
      await init;
      expect(b.s().history.map((e) => e.task)).toEqual(['edit']);
      // a model that reads 32x32 images: the 64x64 entry is not offered to it, and a 64x64 input is refused, said
      const c = await ready({ storage, manifest: { ...manifest, image: { ...manifest.image, size: 32 } } });
      expect(c.s().history).toEqual([]);
      const run32 = c.actions.run('edit', 'edit', { image: image(), instruction: 'x' }, { text: 'x' });
      await settle();
      c.engine.runs[0].feed.push({ type: 'input', image: seen(2) });
      finish(c.engine.runs[0].feed, ['f4']);
      await run32;
      expect(c.s().history).toEqual([]);
      expect(c.s().historyNotice?.text).toBe("This result was not added to the history: its input is not the model's 32x32 image.");
    });

    it("a newer page's history is not overwritten: the result is not kept, said, and the strip's Clear is offered; clearing keeps the next", async () => {
      const storage = new MemoryStorage();
      const later = JSON.stringify({ v: 4, entries: [{ id: 'n1', at: 5, task: 'text-to-image', thumbs: [] }] });
      storage.setItem('puma-web:history', later);
      const a = await ready({ storage });
      const runOnce = async () => {
        const run = a.actions.run('edit', 'edit', { image: image(), instruction: 'x' }, { text: 'x' });
        await settle();
        const feed = a.engine.runs[a.engine.runs.length - 1].feed;
        feed.push({ type: 'input', image: seen(1) });
        finish(feed, ['f4']);
        await run;
      };
      await runOnce();
      expect(a.s().history).toEqual([]);
      expect(a.s().historyNotice?.text).toMatch(/newer version of this page/);
      expect(a.s().historyNotice?.clearable).toBe(true);
      expect(storage.getItem('puma-web:history')).toBe(later);
      a.actions.clearHistory();
      expect(a.s().historyNotice).toBeNull();
      await runOnce();
      expect(a.s().history.map((e) => e.task)).toEqual(['edit']);
      expect(a.s().historyNotice).toBeNull();
    });

    it("an inpaint keeps the hole the engine read; picking it puts that hole back with the image, to run as it was", async () => {
      const storage = new MemoryStorage();
      const a = await ready({ storage });
      // a painted layer as the canvas gives it: 256x256, red where painted, antialiased at the edge
      const W = 256;
      const mask = { width: W, height: W, data: new Uint8ClampedArray(W * W * 4) };
      for (let y = 60; y < 150; y++) for (let x = 70; x < 181; x++) mask.data.set([255, 0, 0, x === 70 || x === 180 ? 90 : 255], (y * W + x) * 4);
      const run = a.actions.run('canvas', 'inpaint', { image: image(30, W), mask, keepUnmasked: false });
      await settle();
      a.engine.runs[0].feed.push({ type: 'input', image: seen(4) });
      finish(a.engine.runs[0].feed, ['f4']);
      expect(await run).toBe(true);
      const hole = holeMask(mask, 64);
      expect(a.s().history[0]).toMatchObject({ task: 'inpaint', keepUnmasked: false });
      expect(Buffer.from(a.s().history[0].mask!).equals(Buffer.from(hole))).toBe(true);

      const b = await ready({ storage });
      b.actions.pickHistory(b.s().history[0]);
      expect(b.s().tab).toBe('canvas');
      const restored = b.s().picked.canvas!.restored!;
      expect(restored).toMatchObject({ task: 'inpaint', keepUnmasked: false });
      expect(Buffer.from(restored.mask!).equals(Buffer.from(hole))).toBe(true);
      expect(b.s().runs.canvas?.message, 'nothing to paint again').toBeNull();
      // an entry kept before masks were stored: the canvas says to paint the hole again
      b.actions.pickHistory({ ...b.s().history[0], mask: undefined });
      expect(b.s().picked.canvas!.restored!.mask).toBeUndefined();
      expect(b.s().runs.canvas?.message).toMatch(/paint the part to fill in again/);
    });

    it('a canvas task and a caption are kept too; a run the engine reported no input for is not', async () => {
      const { engine, s, actions } = await ready();
      const colorize = actions.run('canvas', 'colorize', { image: image(30) });
      await settle();
      engine.runs[0].feed.push({ type: 'input', image: seen(1) });
      finish(engine.runs[0].feed, ['f4']);
      await colorize;
      const caption = actions.run('understand', 'understand', { image: image(30), question: '', caption: true }, { text: '', inputName: 'car.png' });
      await settle();
      engine.runs[1].feed.push({ type: 'input', image: seen(2) }, { type: 'text', piece: 'automobile', text: 'automobile', tokens: 2 }, { type: 'done', ms: 3 });
      engine.runs[1].feed.end();
      await caption;
      const bare = actions.run('edit', 'edit', { image: image(), instruction: 'x' }, { text: 'x' });
      await settle();
      finish(engine.runs[2].feed, ['f4']);
      expect(await bare).toBe(true);
      expect(s().history.map((e) => [e.task, e.instruction, e.answer])).toEqual([['understand', '', 'automobile'], ['colorize', undefined, undefined]]);

      actions.pickHistory(s().history[1]);
      expect(s().tab).toBe('canvas');
      expect(s().picked.canvas?.restored).toEqual({ task: 'colorize', text: '' });
      expect(Buffer.from(s().picked.canvas!.image.data).equals(Buffer.from(seen(1).data))).toBe(true);
      actions.pickHistory(s().history[0]);
      expect(s().tab).toBe('understand');
      expect(s().runs.understand).toMatchObject({ task: 'understand', status: 'done', answer: 'automobile', inputName: 'car.png', fromHistory: true });
      expect(s().picked.understand?.name).toBe('car.png');
    });
  });

  describe('the MLLM loads after the visual models (the load stream goes on past ready)', () => {
    /** ready for reconstructions, the MLLM still loading */
    async function visualReady() {
      const t = setup();
      const init = t.actions.init('auto');
      await settle();
      t.engine.finishLoad({ mllmLoading: true });
      await init;
      await settle();
      return t;
    }

    /** Retry, answered by a load whose MLLM then loads: the input queued meanwhile runs */
    async function retryUntilMllmLoaded({ engine, actions }: Awaited<ReturnType<typeof visualReady>>) {
      const retry = actions.retryLoad();
      await settle();
      expect(engine.loads).toHaveLength(2);
      engine.finishLoad({ mllmLoading: true });
      await retry;
      await settle();
    }

    it('reconstruction runs at once; a prompt and an edit given meanwhile are queued, saying they wait for the language model, and run once it has loaded', async () => {
      const { engine, s, actions } = await visualReady();
      expect(s()).toMatchObject({ phase: 'ready', textToImage: false, mllmLoading: true });
      expect(s().timeline.map((e) => e.type)).toContain('ready');
      const rec = actions.run('main', 'reconstruct', { image: image() });
      await settle();
      expect(engine.runs.map((r) => r.task)).toEqual(['reconstruct']);
      finish(engine.runs[0].feed, coarseToFine(manifest));
      await rec;
      await actions.generate('red apple');
      expect(s().runs.main?.status).toBe('queued');
      expect(s().notice).toMatch(/Queued: the language model is still loading; text to image runs as soon as it has/);
      await actions.run('edit', 'edit', { image: image(), instruction: 'make it blue' }, { text: 'make it blue' });
      expect(s().runs.edit).toMatchObject({ status: 'queued', message: expect.stringContaining('language model') });
      expect(engine.runs).toHaveLength(1);
      // Retry or the network coming back while the MLLM loads does not restart the load
      await actions.retryLoad();
      expect(engine.loads).toHaveLength(1);
      engine.finishMllm();
      await settle();
      await settle();
      expect(s()).toMatchObject({ textToImage: true, mllmLoading: false, mllmProvider: 'wasm', mllmLoadMs: 2 });
      expect(s().timeline.find((e) => e.type === 'mllm-loaded')).toMatchObject({ ok: true, phases: { 'after ready: mllm files + session (from ready)': 1 } });
      expect(s().taskInfo?.available, 'the suggestions are asked for again once the MLLM is there').toBe(true);
      // one run at a time: the prompt first, the edit behind it
      expect(engine.runs.map((r) => r.task)).toEqual(['reconstruct', 'text-to-image']);
      expect(s().notice).toBeNull();
      finish(engine.runs[1].feed, coarseToFine(manifest));
      await settle();
      expect(engine.runs.map((r) => r.task)).toEqual(['reconstruct', 'text-to-image', 'edit']);
    });

    it('an MLLM that fails in the background keeps what was given queued, says why, and Retry brings it', async () => {
      const t = await visualReady();
      const { engine, s, actions } = t;
      await actions.generate('red apple');
      engine.finishMllm({ failed: [MLLM_STEP] });
      await settle();
      await settle();
      expect(s()).toMatchObject({ phase: 'ready', textToImage: false, mllmLoading: false });
      expect(s().fileStates[MLLM_STEP]).toMatchObject({ state: 'failed', mllm: true });
      expect(s().runs.main?.status).toBe('queued');
      expect(s().notice).toContain(MLLM_STEP);
      expect(engine.runs).toHaveLength(0);
      await retryUntilMllmLoaded(t);
      engine.finishMllm();
      await settle();
      await settle();
      expect(engine.runs.map((r) => r.task)).toEqual(['text-to-image']);
    });

    it('an MLLM session that fails (no file failed) is said as such, not as a deployment without one', async () => {
      const t = await visualReady();
      const { engine, s, actions } = t;
      engine.finishMllm({ reason: 'WebAssembly.Memory(): could not allocate memory' });
      await settle();
      await settle();
      expect(s().mllmError).toContain('could not allocate memory');
      await actions.generate('red apple');
      expect(s().runs.main?.status).toBe('queued');
      expect(s().notice).toMatch(/failed to load \(WebAssembly.Memory\(\): could not allocate memory\)/);
      // Retry loads again in a fresh worker, no page reload: the prompt given meanwhile runs then
      await retryUntilMllmLoaded(t);
      expect(s().mllmError, 'a new load clears the old failure').toBeNull();
      engine.finishMllm();
      await settle();
      await settle();
      expect(engine.runs.map((r) => r.task)).toEqual(['text-to-image']);
      expect(s().runs.main?.status).toBe('running');
    });

    it("what a tab queued for the language model outlives another tab's run and its Cancel; its own Cancel drops it", async () => {
      const { engine, s, actions } = await visualReady();
      void actions.run('edit', 'edit', { image: image(), instruction: 'make it blue' }, { text: 'make it blue' });
      void actions.run('understand', 'understand', { image: image(), question: 'what?', caption: false }, { text: 'what?' });
      expect([s().runs.edit?.status, s().runs.understand?.status]).toEqual(['queued', 'queued']);
      // a reconstruction on the page runs meanwhile, and is cancelled
      const rec = actions.run('main', 'reconstruct', { image: image() });
      await settle();
      expect(engine.runs.map((r) => r.task)).toEqual(['reconstruct']);
      actions.cancel('main');
      engine.runs[0].feed.push({ type: 'cancelled' }).end();
      expect(await rec).toBe(false);
      expect(s().runs.edit?.status).toBe('queued');
      // the understand tab's own Cancel drops its request
      actions.cancel('understand');
      expect(s().runs.understand?.status).toBe('cancelled');
      engine.finishMllm();
      await settle();
      await settle();
      expect(engine.runs.map((r) => r.task)).toEqual(['reconstruct', 'edit']);
      finish(engine.runs[1].feed, coarseToFine(manifest));
      await settle();
      expect(engine.runs.map((r) => r.task), 'the dropped request never runs').toEqual(['reconstruct', 'edit']);
    });
  });

  it('says where each tab’s failures and cancels go: the page notice for the first, the tab’s line for the others', async () => {
    const { engine, s, actions } = await ready();
    const edit = actions.run('edit', 'edit', { image: image(), instruction: 'x' });
    const und = actions.run('understand', 'understand', { image: image(), question: 'what?', caption: false });
    const main = actions.run('main', 'reconstruct', { image: image() }, { inputName: 'a.png' });
    // one after the other: each starts when the one before it has ended
    for (const end of [(f: Feed) => f.push({ type: 'cancelled' }).end(), (f: Feed) => f.push({ type: 'cancelled' }).end(), (f: Feed) => f.fail(new Error('Error: out of memory'))]) {
      await settle();
      end(engine.runs.at(-1)!.feed);
    }
    expect([await edit, await und, await main]).toEqual([false, false, false]);
    expect(s().runs.edit).toMatchObject({ status: 'cancelled', message: 'Cancelled. The results so far are kept.' });
    expect(s().runs.understand).toMatchObject({ status: 'cancelled', message: 'Cancelled.' });
    expect(s().runs.main).toMatchObject({ status: 'idle', message: null });
    expect(s().notice).toBe('Reconstruction failed: out of memory');
    expect(engine.runs.at(-1)!.request).toMatchObject({ scales: coarseToFine(manifest), steps: manifest.sampler.steps, guidance: manifest.sampler.guidance });
    expect(Object.keys(s().runs.understand!.results), 'a text answer has no scale grid').toEqual([]);
  });
  describe('the plan (the shipped MLLM writes one)', () => {
    it('the shipped manifest has a plan', () => expect(manifest.mllm?.plan?.fields).toEqual(['concept', 'style', 'tone']));

    const plan = (text: string, source: PlanInfo['source'] = 'greedy', candidates: string[] = []): PlanInfo => {
      const [concept, style, tone] = text.split(' | ');
      return { text, fields: { concept, style, tone }, source, candidates: candidates.map((c, i) => ({ concept: c.split(' | ')[0], text: c, p: 0.5 - i / 10 })) };
    };

    it("a 'plan' event fills the run's plan; a chip redraws with its plan and the same seed", async () => {
      const { engine, s, actions } = await ready();
      const first = actions.generate('hot drink');
      await settle();
      expect(engine.runs[0].request.plan, 'Generate lets the model plan').toBeUndefined();
      engine.runs[0].feed.push({ type: 'plan', plan: plan('hot beverage | noto | none') });
      await settle();
      expect(s().runs.main?.plan).toMatchObject({ text: 'hot beverage | noto | none', source: 'greedy' });
      // the candidates come in a second 'plan' event once the image tokens exist
      engine.runs[0].feed.push({ type: 'plan', plan: plan('hot beverage | noto | none', 'greedy', ['hot beverage | noto | none', 'teacup | noto | none']) });
      finish(engine.runs[0].feed, coarseToFine(manifest));
      await first;
      const chip = s().runs.main!.plan!.candidates[1];
      const redraw = actions.generate(s().runs.main!.text, chip.text);
      await settle();
      expect(engine.runs[1].request).toMatchObject({ prompt: 'hot drink', plan: 'teacup | noto | none', seed: engine.runs[0].request.seed });
      expect(s().runs.main?.plan, 'a new run starts without the old plan').toBeNull();
      engine.runs[1].feed.push({ type: 'plan', plan: plan('teacup | noto | none', 'given') });
      finish(engine.runs[1].feed, ['f4']);
      await redraw;
      // variations keep a plan the user fixed (else the engine samples one)
      const vary = actions.variations();
      await settle();
      expect(engine.runs[2]).toMatchObject({ task: 'variations', request: { plan: 'teacup | noto | none' } });
      finish(engine.runs[2].feed, ['f4']);
      await vary;
    });

    it('a shared link brings its plan to the next Generate, until the prompt changes; a model without a plan ignores it', async () => {
      const hash = '#prompt=hot%20drink&seed=7&plan=teacup%20%7C%20twemoji%20%7C%20dark';
      const { engine, s, actions } = await ready({ hash });
      expect(s()).toMatchObject({ prompt: 'hot drink', seed: 7, planOverride: 'teacup | twemoji | dark' });
      actions.setPrompt('hot drink '); // the same prompt, typed again
      expect(s().planOverride).toBe('teacup | twemoji | dark');
      const run = actions.generate(s().prompt);
      await settle();
      expect(engine.runs[0].request).toMatchObject({ prompt: 'hot drink', seed: 7, plan: 'teacup | twemoji | dark' });
      finish(engine.runs[0].feed, ['f4']);
      await run;
      actions.setPrompt('red apple');
      expect(s().planOverride).toBeNull();
      const plain = await ready({ manifest: unplanned, hash });
      expect(plain.s()).toMatchObject({ prompt: 'hot drink', planOverride: null });
    });

    it('the history keeps the plan a result was drawn with, and picking it draws that plan again', async () => {
      const { engine, s, actions } = await ready();
      const run = actions.generate('hot drink');
      await settle();
      engine.runs[0].feed.push({ type: 'plan', plan: plan('hot beverage | noto | medium') });
      finish(engine.runs[0].feed, ['f4', 'f3']);
      await run;
      expect(s().history[0]).toMatchObject({ prompt: 'hot drink', plan: 'hot beverage | noto | medium' });
      actions.setPrompt('something else');
      actions.pickHistory(s().history[0]);
      expect(s()).toMatchObject({ prompt: 'hot drink', planOverride: 'hot beverage | noto | medium' });
      const again = actions.generate(s().prompt);
      await settle();
      expect(engine.runs[1].request).toMatchObject({ prompt: 'hot drink', plan: 'hot beverage | noto | medium', seed: engine.runs[0].request.seed });
      finish(engine.runs[1].feed, ['f4']);
      await again;
    });
    it("the history keeps the plan as the plan bar shows it; a run put back shows it again, and an edit's runs again as it was given", async () => {
      const storage = new MemoryStorage();
      const a = await ready({ storage });
      const drawnPlan = plan('hot beverage | noto | medium', 'greedy', ['hot beverage | noto | medium', 'teacup | noto | medium']);
      const t2i = a.actions.generate('hot drink');
      await settle();
      a.engine.runs[0].feed.push({ type: 'plan', plan: drawnPlan });
      finish(a.engine.runs[0].feed, ['f4']);
      await t2i;
      const editPlan: PlanInfo = { ...plan('smiling face | twemoji | none'), restyled: { fromPlan: ['f1', 'f0'] } };
      a.actions.setSeed(31);
      const edit = a.actions.run('edit', 'edit', { image: image(40, 200), instruction: 'draw it in twemoji style' }, { text: 'draw it in twemoji style', inputName: 'smiley.png' });
      await settle();
      // the image the engine read: opaque, as every model input is
      const read = { ...image(70), data: new Uint8ClampedArray(64 * 64 * 4).map((_, i) => (i % 4 === 3 ? 255 : i % 7)) };
      a.engine.runs[1].feed.push({ type: 'input', image: read }, { type: 'plan', plan: editPlan });
      finish(a.engine.runs[1].feed, ['f4', 'f0']);
      await edit;

      // a reload: a new page on the same storage
      const b = await ready({ storage });
      const [e, g] = b.s().history;
      expect(g.planInfo).toEqual(drawnPlan);
      expect(e.planInfo).toEqual(editPlan);
      b.actions.pickHistory(g);
      expect(b.s().runs.main?.plan).toEqual(drawnPlan);
      b.actions.pickHistory(e);
      expect(b.s().runs.edit?.plan).toEqual(editPlan);
      // the plan bar's Keep my design: the entry's image, instruction, seed and scales, the restyle changed
      const keep = b.actions.again('edit', 'edit', { restyle: false });
      await settle();
      expect(b.engine.runs[0].task).toBe('edit');
      const { image: given, ...asked } = b.engine.runs[0].request as { image: { data: Uint8ClampedArray } };
      expect(Buffer.from(given.data).equals(Buffer.from(read.data))).toBe(true);
      expect(asked).toEqual({ ...a.engine.runs[1].request, image: undefined, restyle: false, scales: ['f4', 'f0'] });
      b.engine.runs[0].feed.push({ type: 'input', image: read });
      finish(b.engine.runs[0].feed, ['f4']);
      expect(await keep).toBe(true);
      // a stored plan that is not one (another version's, cut) skips its entry, never throws
      const raw = JSON.parse(storage.getItem('puma-web:history')!);
      expect(raw.entries.map((x: { task: string }) => x.task)).toEqual(['edit', 'edit', 'text-to-image']);
      raw.entries[1].planInfo = { text: 'x', fields: { concept: 7 }, source: 'greedy', candidates: [] };
      raw.entries[2].planInfo = { ...raw.entries[2].planInfo, source: 'dreamt' };
      storage.setItem('puma-web:history', JSON.stringify(raw));
      const c = await ready({ storage });
      expect(c.s().history.map((x) => x.id)).toEqual([raw.entries[0].id]);
    });

    describe('what the page learns of an input image’s concept (hints such as the Edit tab’s tone suggestions)', () => {
      /** an edit run on the tab's image, given as pick `pickSeq` (null: as none; default: the current pick) */
      const editRun = async (t: Awaited<ReturnType<typeof ready>>, planText: string | null, pickSeq: number | null = t.s().picked.edit!.seq) => {
        const done = t.actions.run('edit', 'edit', { image: t.s().picked.edit!.image, instruction: 'draw it in twemoji style' }, { text: 'x', pickSeq: pickSeq ?? undefined });
        await settle();
        const feed = t.engine.runs.at(-1)!.feed;
        if (planText) feed.push({ type: 'plan', plan: plan(planText) });
        finish(feed, ['f4']);
        await done;
      };

      it('a sample brings its own concept; a result sent on brings the concept its plan drew', async () => {
        const t = await ready();
        t.actions.pick('edit', image(), 'hot beverage', { name: 'hot beverage', code: '2615', from: 'sample' });
        expect(t.s().picked.edit?.concept).toEqual({ name: 'hot beverage', code: '2615', from: 'sample' });
        t.actions.pick('edit', image(), 'upload.png');
        expect(t.s().picked.edit?.concept, 'a new image forgets the old one’s concept').toBeUndefined();
        t.actions.sendTo('understand', image(), 'text-to-image f0', { name: 'red apple', from: 'drawn' });
        expect(t.s().picked.understand?.concept).toEqual({ name: 'red apple', from: 'drawn' });
      });

      it('a finished run on the picked image teaches it the concept its plan names', async () => {
        const t = await ready();
        t.actions.pick('edit', image(), 'upload.png');
        await editRun(t, 'hot beverage | twemoji | none');
        expect(t.s().picked.edit?.concept).toEqual({ name: 'hot beverage', from: 'read' });
        // a later reading replaces it
        await editRun(t, 'teacup | twemoji | none');
        expect(t.s().picked.edit?.concept).toEqual({ name: 'teacup', from: 'read' });
        // a run that wrote no plan teaches nothing
        await editRun(t, null);
        expect(t.s().picked.edit?.concept?.name).toBe('teacup');
      });

      it('not when the image was changed since the run was given, nor over a sample’s own concept', async () => {
        const t = await ready();
        t.actions.pick('edit', image(), 'first.png');
        const first = t.s().picked.edit!.seq;
        t.actions.pick('edit', image(9), 'second.png');
        await editRun(t, 'hot beverage | twemoji | none', first);
        expect(t.s().picked.edit?.concept, 'the run read the first image, not this one').toBeUndefined();
        await editRun(t, 'hot beverage | twemoji | none', null);
        expect(t.s().picked.edit?.concept, 'a run given no pick teaches none').toBeUndefined();
        t.actions.pick('edit', image(), 'smiley', { name: 'grinning face', code: '1F600', from: 'sample' });
        await editRun(t, 'hot beverage | twemoji | none');
        expect(t.s().picked.edit?.concept).toMatchObject({ name: 'grinning face', from: 'sample' });
      });
    });

    it("an edit runs again as it was given, with one change (the plan bar's Keep my design and back)", async () => {
      const { engine, s, actions } = await ready();
      expect(await actions.again('edit', 'edit', { restyle: false }), 'no edit run yet: nothing to run again').toBe(false);
      actions.pick('edit', image(), 'smiley.png');
      const { image: given, seq } = s().picked.edit!;
      const first = actions.run('edit', 'edit', { image: given, instruction: 'draw it in twemoji style' }, { text: 'draw it in twemoji style', pickSeq: seq });
      await settle();
      engine.runs[0].feed.push({ type: 'plan', plan: { ...plan('smiling face | twemoji | none'), restyled: { fromPlan: ['f1', 'f0'] } } });
      finish(engine.runs[0].feed, ['f4']);
      await first;
      // what changed since is not the run's: another seed, another image
      actions.setSeed(s().seed + 7);
      actions.pick('edit', image(9), 'other.png');
      const keep = actions.again('edit', 'edit', { restyle: false });
      await settle();
      const { image: _, ...asked } = engine.runs[0].request;
      expect(engine.runs[1].request).toEqual({ ...asked, image: given, restyle: false });
      expect(engine.runs[1].request.image).toBe(given);
      expect(s().runs.edit).toMatchObject({ status: 'running', text: 'draw it in twemoji style', pickSeq: seq, plan: null });
      engine.runs[1].feed.push({ type: 'plan', plan: { ...plan('smiling face | twemoji | none'), restyled: { fromPlan: [], kept: true } } });
      finish(engine.runs[1].feed, ['f4']);
      expect(await keep).toBe(true);
      expect(s().runs.edit?.plan?.restyled).toEqual({ fromPlan: [], kept: true });
      // and back: the restyle asked for again, the rest as the first run was given
      const back = actions.again('edit', 'edit', { restyle: true });
      await settle();
      expect(engine.runs[2].request).toEqual({ ...asked, image: given, restyle: true });
      finish(engine.runs[2].feed, ['f4']);
      await back;
      expect(await actions.again('edit', 'understand', { caption: true }), 'the tab ran an edit, not a question').toBe(false);
      expect(engine.runs).toHaveLength(3);
    });
  });

  describe('runs on different tabs: one engine run at a time, the others in line', () => {
    const edit = (t: Awaited<ReturnType<typeof ready>>, instruction = 'make it blue') => t.actions.run('edit', 'edit', { image: image(), instruction }, { text: instruction });
    const ask = (t: Awaited<ReturnType<typeof ready>>) => t.actions.run('understand', 'understand', { image: image(), question: 'what?', caption: false }, { text: 'what?' });
    /** text-to-image running, then an edit and a question asked for on their tabs */
    const threeRuns = async () => {
      const t = await ready();
      const main = t.actions.generate('red apple');
      await settle();
      const e = edit(t);
      const u = ask(t);
      await settle();
      return { t, ...t, main, e, u };
    };

    it('a run asked for on another tab waits, says behind what and its place, and starts when the one before it ends', async () => {
      const { engine, s, main, e, u } = await threeRuns();
      expect(engine.runs.map((r) => r.task), 'the engine never gets a second run').toEqual(['text-to-image']);
      expect(s().runs.edit).toMatchObject({ status: 'queued', task: 'edit', text: 'make it blue', message: 'Waits for the text to image run on Generate & compare (1st in line); it starts when that run ends.' });
      expect(s().runs.understand?.message).toContain('(2nd in line)');
      expect(engine.cancelled).toBe(0);
      expect(engine.runs[0].feed.stopped, 'the first run goes on').toBe(false);
      finish(engine.runs[0].feed, coarseToFine(manifest));
      await main;
      expect(s().runs.main?.status).toBe('done');
      expect(Object.values(s().runs.main!.results).every((r) => r.image), 'every scale of the first run').toBe(true);
      await settle();
      expect(engine.runs.map((r) => r.task)).toEqual(['text-to-image', 'edit']);
      expect(s().runs.edit).toMatchObject({ status: 'running', message: null });
      expect(s().runs.understand?.message).toBe('Waits for the edit run on Edit (1st in line); it starts when that run ends.');
      finish(engine.runs[1].feed, ['f4']);
      expect(await e).toBe(true);
      await settle();
      expect(engine.runs.map((r) => r.task)).toEqual(['text-to-image', 'edit', 'understand']);
      // a picked caption brings the names it was picked among
      const alternatives = [{ text: 'a dog', p: 0.7 }, { text: 'a wolf', p: 0.3 }];
      engine.runs[2].feed.push({ type: 'text', piece: 'a dog', text: 'a dog', tokens: 2, alternatives }, { type: 'done', ms: 1 }).end();
      expect(await u).toBe(true);
      expect(s().runs.understand).toMatchObject({ status: 'done', answer: 'a dog', alternatives });
    });

    it('a newer request of a waiting tab takes its place in line; a newer run of the running tab takes over at once', async () => {
      const t = await ready();
      const { engine, s, actions } = t;
      void actions.generate('red apple');
      await settle();
      const e1 = edit(t, 'first');
      const u = ask(t);
      await settle();
      const e2 = edit(t, 'second');
      expect(await e1, 'the older request left the line').toBe(false);
      expect(s().runs.edit).toMatchObject({ status: 'queued', text: 'second' });
      expect(s().runs.edit?.message).toContain('(1st in line)');
      expect(s().runs.understand?.message).toContain('(2nd in line)');
      // the same tab: the engine supersedes its own run (the existing behaviour)
      const main2 = actions.generate('green leaf');
      await settle();
      expect(engine.runs.map((r) => r.request.prompt ?? r.task)).toEqual(['red apple', 'green leaf']);
      engine.runs[0].feed.push({ type: 'cancelled' }).end();
      await settle();
      expect(engine.runs, 'the edit waits for the newer first-tab run too').toHaveLength(2);
      finish(engine.runs[1].feed, ['f4']);
      await main2;
      await settle();
      expect(engine.runs[2]).toMatchObject({ task: 'edit' });
      expect(engine.runs[2].request.image).toBeDefined();
      expect(s().runs.edit?.text).toBe('second');
      finish(engine.runs[2].feed, ['f4']);
      expect(await e2).toBe(true);
      await settle();
      expect(engine.runs[3]).toMatchObject({ task: 'understand' });
      engine.runs[3].feed.push({ type: 'done', ms: 1 }).end();
      await u;
    });

    it('Cancel on a tab cancels that tab’s run only: out of the line, or the run in flight', async () => {
      const { t, engine, s, actions, main, e, u } = await threeRuns();
      actions.cancel('edit');
      expect(await e).toBe(false);
      expect(s().runs.edit).toMatchObject({ status: 'cancelled', message: 'Cancelled.' });
      expect(engine.cancelled, 'the running first tab is untouched').toBe(0);
      expect(s().runs.understand?.message).toContain('(1st in line)');
      expect(s().runs.main?.status).toBe('running');
      actions.cancel('understand');
      expect(await u).toBe(false);
      expect(engine.cancelled).toBe(0);
      const u2 = ask(t);
      await settle();
      actions.cancel('main');
      expect(engine.cancelled).toBe(1);
      engine.runs[0].feed.push({ type: 'cancelled' }).end();
      expect(await main).toBeUndefined();
      expect(s().runs.main?.status).toBe('cancelled');
      await settle();
      expect(engine.runs.map((r) => r.task), 'the next in line starts once the cancelled run has ended').toEqual(['text-to-image', 'understand']);
      expect(s().runs.understand?.status).toBe('running');
      actions.cancel('edit'); // nothing of the Edit tab is going: the engine is left alone
      expect(engine.cancelled).toBe(1);
      engine.runs[1].feed.push({ type: 'done', ms: 1 }).end();
      expect(await u2).toBe(true);
    });
  });
});
