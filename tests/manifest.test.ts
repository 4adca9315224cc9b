import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ManifestError, coarseToFine, decoderKey, gallerySpace, mllmReader, pickGallery, pickKeyModel, picks, pickShareOf, pickTemperature, pickVariant, pickViews, validateManifest, type Manifest } from '../workers/lib/manifest';
import { allClose, decodeTensor } from '../workers/lib/tensorio';

const sha = 'a'.repeat(64);
function manifest(): Manifest {
  const dec = (i: number, tokens: number) => ({
    role: 'decoder',
    scale: `f${i}`,
    variants: [{ dtype: 'float32', file: `d${i}.onnx`, bytes: 10, sha256: sha, requires: [] }],
    inputs: [{ name: 'x', shape: ['batch', 3, 64, 64], dtype: 'float32' as const }, { name: 't', shape: ['batch'], dtype: 'float32' as const }, { name: 'cond', shape: ['batch', tokens, 8], dtype: 'float32' as const }],
    outputs: [{ name: 'v', shape: ['batch', 3, 64, 64], dtype: 'float32' as const }],
  });
  return {
    format: 1,
    family: 'PUMA-Emoji-64',
    image: { size: 64, channels: 3, layout: 'NCHW', range: [-1, 1] },
    feature_dim: 8,
    scales: [16, 8, 4, 2, 1].map((g, i) => ({ name: `f${i}`, grid: g, tokens: g * g, label: `${g * g} tokens` })),
    sampler: { kind: 'ddim', prediction: 'v', train_timesteps: 1000, steps: 2, schedules: { '2': { timesteps: [999, 499], alphas_cumprod: [0.01, 0.5] } }, guidance: 2, uncond: 'blank' },
    models: {
      encoder: { role: 'encoder', variants: [{ dtype: 'float32', file: 'e.onnx', bytes: 10, sha256: sha, requires: [] }, { dtype: 'float16', file: 'e16.onnx', bytes: 5, sha256: sha, requires: ['shader-f16'] }], inputs: [], outputs: [] },
      ...Object.fromEntries([256, 64, 16, 4, 1].map((t, i) => [`decoder_f${i}`, dec(i, t)])),
    },
    total_bytes: 60,
  };
}

describe('manifest', () => {
  it('accepts a well-formed manifest and finds decoders by scale', () => {
    const m = validateManifest(manifest());
    expect(decoderKey(m, 'f3')).toBe('decoder_f3');
  });

  it('names what is wrong', () => {
    const bad = manifest();
    bad.scales[2].tokens = 15;
    expect(() => validateManifest(bad)).toThrow(/f2: tokens/);
    const bad2 = manifest();
    bad2.sampler.steps = 10;
    expect(() => validateManifest(bad2)).toThrow(ManifestError);
    const bad3 = manifest();
    bad3.models.encoder.variants![0].sha256 = 'nope';
    expect(() => validateManifest(bad3)).toThrow(/bad variant/);
    const bad4 = manifest();
    bad4.models.encoder.variants![0].external_data = [{ file: 'encoder.onnx.data0', bytes: 10, sha256: 'nope' }];
    expect(() => validateManifest(bad4), 'an external weight file is checked like the graph').toThrow(/bad variant file encoder.onnx.data0/);
    expect(() => validateManifest({ format: 2 })).toThrow(/format/);
    const bad5 = manifest();
    bad5.sampler.allowed_steps = [2, 4];
    expect(() => validateManifest(bad5), 'an offered count needs a schedule').toThrow(/without a schedule/);
    const choice = manifest();
    choice.scale_choice = { edit: { candidates: ['f0', 'f1'], levels: ['f4'] } };
    expect(validateManifest(choice).scale_choice?.edit.levels).toEqual(['f4']);
    choice.scale_choice = { edit: { candidates: ['f0', 'f9'], levels: ['f4'] } };
    expect(() => validateManifest(choice), 'a candidate that is no scale').toThrow(/scale_choice.edit/);
    choice.scale_choice = { edit: { candidates: ['f0'], levels: [] } };
    expect(() => validateManifest(choice), 'a rule without levels').toThrow(/scale_choice.edit/);
  });

  it('a step-distilled decoder is offered at its own step count only', () => {
    const m = manifest();
    m.models.decoder_f2.step_distilled = { from: 4, to: 2, guidance: 2, train_steps: 7 };
    m.sampler.allowed_steps = [2];
    expect(() => validateManifest(m)).not.toThrow();
    m.sampler.schedules['4'] = { timesteps: [999, 749, 500, 250], alphas_cumprod: [0.01, 0.1, 0.5, 0.8] };
    m.sampler.allowed_steps = [2, 4];
    expect(() => validateManifest(m)).toThrow(/decoder_f2: step-distilled to 2 steps, but the sampler allows 2, 4/);
  });

  it('checks the scale labels and the mllm block against the rest of the manifest', () => {
    const noLabel = manifest();
    noLabel.scales[0].label = '';
    expect(() => validateManifest(noLabel)).toThrow(/f0: label missing/);
    const shipped = JSON.parse(readFileSync(resolve(import.meta.dirname, '../public/models/manifest.json'), 'utf8'));
    const m = validateManifest(shipped);
    expect(m.mllm?.image_order).toEqual(coarseToFine(m));
    expect(m.scales.map((s) => s.label)).toEqual(['finest, 256 tokens', '64 tokens', '16 tokens', '4 tokens', 'coarsest, 1 token']);
    const wrongTokens = structuredClone(shipped);
    wrongTokens.mllm.scale_tokens[1] = 5;
    expect(() => validateManifest(wrongTokens)).toThrow(/mllm.scale_tokens\[1\] 5 != scale f3 tokens 4/);
    const noPrompt = structuredClone(shipped);
    delete noPrompt.mllm.prompts.colorize;
    expect(() => validateManifest(noPrompt)).toThrow(/mllm.prompts.colorize missing/);
    const noSources = structuredClone(shipped);
    delete noSources.mllm.sources;
    expect(() => validateManifest(noSources)).toThrow(/mllm.sources missing/);
  });

  it('mllm.reader names a reader model with the encoder\'s interface and an input the graph has', () => {
    const shipped = JSON.parse(readFileSync(resolve(import.meta.dirname, '../public/models/manifest.json'), 'utf8'));
    // the shipped MLLM reads given images through a reader (training/mllm.py MLLMConfig.reader)
    expect(mllmReader(validateManifest(shipped))).toMatchObject({ name: 'reader', input: 'reader', entry: { role: 'reader' } });
    const withReader = () => structuredClone(shipped);
    const noReader = withReader();
    delete noReader.models.reader;
    delete noReader.mllm.reader;
    delete noReader.mllm.pick; // the pick reads reader features (below)
    noReader.models.mllm.inputs = noReader.models.mllm.inputs.filter((i: { name: string }) => i.name !== 'reader');
    expect(mllmReader(validateManifest(noReader)), 'a model without one').toBeNull();
    const noEntry = withReader();
    delete noEntry.models.reader;
    expect(() => validateManifest(noEntry)).toThrow(/mllm.reader.model "reader" is not a model with role "reader"/);
    const otherShape = withReader();
    otherShape.models.reader.outputs[0].shape = ['batch', 256, 32];
    expect(() => validateManifest(otherShape)).toThrow(/reader: inputs\/outputs differ from the encoder's/);
    const noInput = withReader();
    noInput.models.mllm.inputs = noInput.models.mllm.inputs.filter((i: { name: string }) => i.name !== 'reader');
    expect(() => validateManifest(noInput)).toThrow(/mllm has no input "reader"/);
    const badFile = withReader();
    badFile.models.reader.variants[0].sha256 = 'nope';
    expect(() => validateManifest(badFile), 'its file is checked like the encoder\'s').toThrow(/reader: bad variant file reader.onnx/);
  });

  it('mllm.pick names a gallery file with its rows, needs the word list, and names the tasks that pick', () => {
    const shipped = JSON.parse(readFileSync(resolve(import.meta.dirname, '../public/models/manifest.json'), 'utf8'));
    const m = validateManifest(shipped);
    const [key, entry] = pickGallery(m)!;
    expect(entry).toMatchObject({ role: 'gallery', file: 'gallery.bin' });
    expect(entry.concepts!.length).toBeGreaterThan(0);
    expect(m.mllm!.pick!.gallery).toBe(key);
    for (const t of ['caption', 'edit', 'colorize', 'inpaint', 'sketch']) expect(picks(m, t), t).toBe(true);
    expect(picks(m, 'text-to-image')).toBe(false);
    const without = structuredClone(shipped);
    delete without.mllm.pick;
    expect(pickGallery(validateManifest(without))).toBeNull();
    expect(picks(validateManifest(without), 'caption')).toBe(false);
    const broken = (f: (x: typeof shipped) => void) => {
      const x = structuredClone(shipped);
      f(x);
      return () => validateManifest(x);
    };
    expect(broken((x) => delete x.models.gallery)).toThrow(/mllm.pick.gallery "gallery" is not a gallery file/);
    expect(broken((x) => (x.models.gallery.sha256 = 'nope'))).toThrow(/not a gallery file/);
    expect(broken((x) => delete x.models.gallery.dim)).toThrow(/rows, dim/);
    expect(broken((x) => (x.models.gallery.space = 'pixels'))).toThrow(/space "pixels" unknown/);
    // the temperature of the retrieval's term: absent (null), one positive number, or one per picking task
    for (const t of [null, 0.05, 1]) expect(broken((x) => (x.mllm.pick.temperature = t)), String(t)).not.toThrow();
    expect(broken((x) => delete x.mllm.pick.temperature)).not.toThrow();
    // page_styles: absent or a boolean, and only where the plan has styles to keep to
    for (const v of [true, false]) expect(broken((x) => (x.mllm.pick.page_styles = v)), String(v)).not.toThrow();
    for (const v of ['yes', 1, null]) expect(broken((x) => (x.mllm.pick.page_styles = v)), String(v)).toThrow(/mllm.pick.page_styles must be true or false/);
    expect(broken((x) => ((x.mllm.pick.page_styles = true), (x.mllm.plan.styles = {})))).toThrow(/page_styles needs the plan's styles/);
    for (const t of [0, -0.05, 'hot', NaN, Infinity, [0.05]]) expect(broken((x) => (x.mllm.pick.temperature = t)), String(t)).toThrow(/mllm.pick.temperature must be a positive number/);
    // per task: every picking task named (null: its log-likelihood alone), no other, each positive or null
    const perTask = (over: Record<string, unknown>, drop?: string) => (x: typeof shipped) => {
      x.mllm.pick.temperature = { ...Object.fromEntries(x.mllm.pick.tasks.map((t: string) => [t, 0.05])), ...over };
      if (drop) delete x.mllm.pick.temperature[drop];
    };
    expect(broken(perTask({}))).not.toThrow();
    expect(broken(perTask({ sketch: 0.005, caption: null }))).not.toThrow();
    expect(broken(perTask({}, 'inpaint'))).toThrow(/mllm.pick.temperature names no temperature for the picking task inpaint \(null: its log-likelihood alone\)/);
    expect(broken(perTask({ 'text-to-image': 0.05 }))).toThrow(/mllm.pick.temperature names text-to-image, which mllm.pick.tasks \(caption, edit, colorize, inpaint, sketch\) does not pick/);
    for (const [v, shown] of [[0, '0'], [-0.05, '-0.05'], [NaN, 'NaN'], ['0.05', '"0.05"'], [Infinity, 'Infinity']] as const) {
      expect(broken(perTask({ sketch: v })), shown).toThrow(`mllm.pick.temperature.sketch must be a positive number or null (got ${shown})`);
    }
    expect(broken((x) => (x.mllm.pick.k = 0))).toThrow(/k >= 1/);
    // a drawing task picks its plan's concept; a model without a plan may pick captions only
    expect(broken((x) => delete x.mllm.plan)).toThrow(/edit, colorize, inpaint, sketch pick a plan's concept, and the model has no plan/);
    expect(broken((x) => { delete x.mllm.plan; x.mllm.pick.tasks = ['caption']; })).toThrow(/temperature names edit, colorize, inpaint, sketch, which mllm.pick.tasks \(caption\) does not pick/);
    // (a model without a plan restyles nothing and has no tone edit: mllm.restyle draws from the plan, mllm.tone_edit reads its tone)
    expect(broken((x) => { delete x.mllm.plan; delete x.mllm.restyle; delete x.mllm.tone_edit; x.mllm.pick.tasks = ['caption']; x.mllm.pick.temperature = { caption: 0.05 }; })).not.toThrow();
    // a pick that frames: a span within the image and an ink threshold a pixel can pass
    const framed = (frame: unknown) => (x: typeof shipped) => (x.mllm.pick.frame = frame);
    expect(broken(framed({ span: 62, ink: 0.1 }))).not.toThrow();
    expect(broken(framed(null))).not.toThrow();
    expect(broken(framed({ span: m.image.size + 1, ink: 0.1 }))).toThrow(/mllm.pick.frame needs a span/);
    expect(broken(framed({ span: 0, ink: 0.1 }))).toThrow(/mllm.pick.frame needs a span/);
    expect(broken(framed({ span: 62, ink: 3 }))).toThrow(/ink threshold/);
    expect(broken(framed({ span: 62.5, ink: 0.1 }))).toThrow(/mllm.pick.frame needs a span/);
    expect(broken(framed({ span: 62, ink: 0.1, keep: [60, 64] }))).not.toThrow();
    expect(broken(framed({ span: 62, ink: 0.1, keep: [63, 64] }))).toThrow(/keep must be \[lo, hi\] around the span/);
    // re-drawings a caption's choice reads: 2 x 3 maps, for a picking caption only (the engine reads them there alone)
    const viewed = (views: unknown) => (x: typeof shipped) => (x.mllm.pick.views = views);
    const id = [[1, 0, 0], [0, 1, 0]];
    expect(broken(viewed(null))).not.toThrow();
    expect(broken(viewed({ tasks: ['caption'], thetas: [id, id] }))).not.toThrow();
    expect(broken(viewed({ tasks: ['caption'], thetas: [[[1, 0], [0, 1]]] }))).toThrow(/thetas must be 2 x 3 affine maps/);
    expect(broken(viewed({ tasks: ['caption'], thetas: [[[1, 0, NaN], [0, 1, 0]]] }))).toThrow(/thetas must be 2 x 3/);
    expect(broken(viewed({ tasks: ['sketch'], thetas: [id] }))).toThrow(/only a picking caption reads re-drawings/);
    expect(broken((x) => { x.mllm.pick.tasks = ['edit']; x.mllm.pick.temperature = 0.05; x.mllm.pick.views = { tasks: ['caption'], thetas: [id] }; })).toThrow(/only a picking caption/);
    expect(pickViews(shipped, 'caption').length, 'the shipped caption reads re-drawings').toBeGreaterThan(0);
    expect(pickViews(shipped, 'edit')).toEqual([]);
    expect(broken(framed({ span: 62, ink: 0.1, keep: [60] }))).toThrow(/keep must be/);
    expect(broken((x) => delete x.models.words)).toThrow(/needs the word list/);
  });

  it("a gallery in key space is asked with its key model's embedding: the model named, the encoder's input, the gallery's dim out", () => {
    const shipped = JSON.parse(readFileSync(resolve(import.meta.dirname, '../public/models/manifest.json'), 'utf8'));
    const m = validateManifest(shipped);
    // the shipped pick: a key-space gallery, its key model, and the retrieval's term at the manifest's temperature
    expect(gallerySpace(pickGallery(m)![1])).toBe('key');
    const k = pickKeyModel(m)!;
    expect(k.name).toBe(m.models.gallery.key);
    expect(k.entry).toMatchObject({ role: 'key', variants: [{ file: 'key.onnx' }] });
    expect(k.entry.outputs![0].shape).toEqual(['batch', m.models.gallery.dim]);
    // one temperature per page task (training/pick_temperature.py): each task's pick reads its own entry, and the
    // shipped sketch's differs from the caption's, so a helper that ignored the task would fail one of these
    const pick = m.mllm!.pick!;
    const entries = pick.temperature as Record<string, number | null>;
    expect(Object.keys(entries).sort()).toEqual([...pick.tasks].sort());
    for (const t of pick.tasks) expect(pickTemperature(pick, t), t).toBe(entries[t]);
    expect(pickTemperature(pick, 'sketch')).toBeGreaterThan(0);
    expect(pickTemperature(pick, 'caption')).toBeGreaterThan(0);
    expect(pickTemperature(pick, 'sketch'), "the shipped sketch's temperature is not the caption's").not.toBe(pickTemperature(pick, 'caption'));
    for (const t of pick.tasks) expect(pickShareOf(m, t), t).toMatch(/weighed by likeness/);
    // a task that does not pick has no temperature (never another task's)
    expect(() => pickTemperature(pick, 'text-to-image')).toThrow(/"text-to-image" does not pick/);
    // a task whose entry is null: its log-likelihood alone, in the page's words too; the others keep theirs
    const noSketch = validateManifest({ ...structuredClone(shipped), mllm: { ...shipped.mllm, pick: { ...shipped.mllm.pick, temperature: { ...entries, sketch: null } } } });
    expect(pickTemperature(noSketch.mllm!.pick, 'sketch')).toBeNull();
    expect(pickShareOf(noSketch, 'sketch')).toBe("the model's likelihood among the look-alikes");
    expect(pickTemperature(noSketch.mllm!.pick, 'caption')).toBe(entries.caption);
    expect(pickShareOf(noSketch, 'caption')).toMatch(/weighed by likeness/);
    // the single-number form: every picking task's temperature is that number
    const one = { ...pick, temperature: 0.5 };
    for (const t of pick.tasks) expect(pickTemperature(one, t), t).toBe(0.5);
    expect(pickTemperature({ ...pick, temperature: null }, 'sketch')).toBeNull();
    expect(pickTemperature(null, 'caption'), 'a model that does not pick').toBeNull();
    const broken = (f: (x: typeof shipped) => void) => {
      const x = structuredClone(shipped);
      f(x);
      return () => validateManifest(x);
    };
    // the gallery names a key model the manifest lacks: the validation and the helper both say so, naming it
    expect(broken((x) => delete x.models.key)).toThrow(ManifestError);
    expect(broken((x) => delete x.models.key)).toThrow(/gallery is in key space and names the key model "key", which models lacks/);
    const lacking = structuredClone(shipped);
    delete lacking.models.key;
    expect(() => pickKeyModel(lacking)).toThrow(/names the key model "key", which models lacks/);
    expect(broken((x) => (x.models.gallery.key = 'reader'))).toThrow(/gallery.key "reader" is a "reader" model, not one with role "key"/);
    expect(broken((x) => delete x.models.gallery.key)).toThrow(/gallery is in key space but names no key model/);
    // its file is checked like the encoder's; its interface against the encoder's input and the gallery's rows
    expect(broken((x) => (x.models.key.variants[0].sha256 = 'nope'))).toThrow(/key: bad variant file key.onnx/);
    expect(broken((x) => (x.models.key.outputs[0].shape = ['batch', 64]))).toThrow(/key: its output must be one embedding of the gallery's 128 values/);
    expect(broken((x) => (x.models.key.inputs[0].shape = ['batch', 3, 32, 32]))).toThrow(/key: its input must be one image as the encoder's/);
    // a key-space gallery has no reader scale nor projection; nor does it need the reader
    expect(broken((x) => (x.models.gallery.scale = 'f2'))).toThrow(/in key space has no in_dim or scale/);
    expect(broken((x) => (x.models.gallery.in_dim = 1024))).toThrow(/in key space has no in_dim or scale/);
    const noReader = structuredClone(shipped);
    delete noReader.models.reader;
    delete noReader.mllm.reader;
    noReader.models.mllm.inputs = noReader.models.mllm.inputs.filter((i: { name: string }) => i.name !== 'reader');
    expect(pickKeyModel(validateManifest(noReader))?.name, 'a key-space pick without a reader').toBe('key');
  });

  it('a gallery in the reader\'s space (no space, or "reader": older manifests) keys by the reader\'s tokens at its scale, and needs the reader', () => {
    const shipped = JSON.parse(readFileSync(resolve(import.meta.dirname, '../public/models/manifest.json'), 'utf8'));
    const C = shipped.feature_dim;
    // the shipped manifest as it was before the key model: the reader's f2 tokens on 128 principal axes
    const asReader = (space: 'reader' | undefined) => {
      const x = structuredClone(shipped);
      delete x.models.key;
      delete x.models.gallery.key;
      Object.assign(x.models.gallery, { space, scale: 'f2', in_dim: 16 * C, dim: 128 });
      delete x.mllm.pick.temperature;
      return x;
    };
    for (const space of ['reader', undefined] as const) {
      const m = validateManifest(asReader(space));
      expect(gallerySpace(pickGallery(m)![1]), String(space)).toBe('reader');
      expect(pickKeyModel(m), 'no key model is asked for').toBeNull();
      for (const t of m.mllm!.pick!.tasks) expect(pickShareOf(m, t), t).toBe("the model's likelihood among the look-alikes");
    }
    const broken = (f: (x: typeof shipped) => void) => {
      const x = asReader('reader');
      f(x);
      return () => validateManifest(x);
    };
    expect(broken((x) => delete x.mllm.reader)).toThrow(/mllm.pick needs a reader/);
    // a key's values are its scale's tokens x feature_dim; projected (in_dim) to at most that many
    const keyed = (scale: string, dim: number, inDim?: number) => (x: typeof shipped) => Object.assign(x.models.gallery, { scale, dim, in_dim: inDim });
    expect(broken(keyed('f4', C + 1))).toThrow(/a key at f4 has \d+ values, the entry says/);
    expect(broken(keyed('f9', C))).toThrow(/scale "f9" is not one of the manifest's scales/);
    expect(broken(keyed('f2', 128, 16 * C + 1))).toThrow(/a key at f2 has/);
    expect(broken(keyed('f2', 16 * C + 1, 16 * C + 1))).toThrow(/a key at f2 has/);
    expect(broken(keyed('f2', 128, 16 * C))).not.toThrow();
    expect(broken(keyed('f4', C))).not.toThrow();
  });

  it('uses fp16 variants only where the adapter has shader-f16', () => {
    const e = manifest().models.encoder;
    expect(pickVariant(e, new Set(['shader-f16'])).dtype).toBe('float16');
    expect(pickVariant(e, new Set()).dtype).toBe('float32');
    expect(pickVariant(e, new Set(['shader-f16']), ['float32']).dtype).toBe('float32');
  });
});

describe('golden tensor io', () => {
  it('decodes little-endian float32 base64 and checks shape', () => {
    const f = new Float32Array([1.5, -2, 3.25]);
    const b64 = Buffer.from(f.buffer).toString('base64');
    expect([...decodeTensor({ shape: [3], dtype: 'float32', data_b64: b64 })]).toEqual([1.5, -2, 3.25]);
    expect(() => decodeTensor({ shape: [2, 2], dtype: 'float32', data_b64: b64 })).toThrow(/shape/);
  });
  it('allClose follows numpy semantics and catches NaN', () => {
    expect(allClose([1, 2], [1.00001, 2], 1e-4, 0).ok).toBe(true);
    expect(allClose([1, 2], [1.1, 2], 1e-4, 1e-3).ok).toBe(false);
    expect(allClose([NaN], [0], 1, 1).ok).toBe(false);
  });
});
