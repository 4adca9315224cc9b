// The sketch editor (manifest mllm.sketch_edit.model, role "sketch_editor"; training/sketch_editor.py) on the shipped
// file, under onnxruntime-web's WASM backend in Node with the page's session options: sketch_editor.onnx reproduces
// its PyTorch golden vectors (golden/sketch_editor.json, written by its export from the int8-rounded weights), the
// engine's LocalEditor gives each golden row one drawing at a time, and the page's colour rule (which sketches it
// redraws) decides every image of golden/sketch_rule.json as training/sketch_editor.py has_colour does, and every
// golden sketch's nearness to the editor's training designs (the rule's near, stop 73) as the PyTorch graph does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { goldenFile, loadManifest, readJson } from './models';
import { expectClose, goldenTensor, readGolden } from './golden';
import { expectGoldenParity, wasmSession } from './wasm-session';
import type { InferenceSession, OrtLike } from '../workers/engine/ort';
import { LocalEditor } from '../workers/engine/local-editor';
import { hasColour, nearTrainedDesign, sketchEditFor } from '../workers/engine/sketch-editor';
import { sketchEditorModel, validateManifest, type Manifest, type SketchEditSpec } from '../workers/lib/manifest';
import { avgPool2x2 } from '../workers/lib/pyramid';
import type { Pyramid } from '../workers/mllm/generate';

const manifest = loadManifest();
const editor = sketchEditorModel(manifest);
let session: InferenceSession;

beforeAll(async () => {
  if (!editor) throw new Error('the shipped manifest has no sketch editor (mllm.sketch_edit): export one (python3 -m training.sketch_editor export EDITOR.pt)');
  session = await wasmSession(editor.entry);
});
afterAll(() => session?.release());

interface RuleGolden {
  rule: Omit<SketchEditSpec, 'model' | 'rule' | 'near'>;
  images: { what: string; size: number; has_colour: boolean; rgb_b64: string }[];
  /** the shipped rule's near verdicts (training/golden_sketch_rule.py near_cases), null where it has none */
  near: { what: string; f0_b64: string; near: number; redrawn: boolean }[] | null;
}

/** little-endian float32 */
function f32(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** 8-bit RGB as the page's RGBA (opaque) */
function rgba(b64: string): { data: Uint8ClampedArray } {
  const rgb = Buffer.from(b64, 'base64');
  const data = new Uint8ClampedArray((rgb.length / 3) * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    data.set(rgb.subarray(i, i + 3), j);
    data[j + 3] = 255;
  }
  return { data };
}

describe('the shipped sketch editor', () => {
  it("matches its PyTorch golden vectors on onnxruntime-web (wasm, the page's session options)", async () => {
    const g = await expectGoldenParity(session, editor!.name, editor!.entry);
    // the editor edits: its output is neither input
    const edited = goldenTensor(g.outputs.edited);
    for (const k of ['sketch', 'drawn']) {
      const x = goldenTensor(g.inputs[k]);
      expect(Math.max(...edited.map((v, i) => Math.abs(v - x[i]))), k).toBeGreaterThan(1e-2);
    }
  });

  it("the engine's LocalEditor: one drawing at a time, as the batch's row; its pyramid the edited f0's 2x2 means", async () => {
    const g = readGolden(editor!.entry.golden!);
    const sketch = goldenTensor(g.inputs.sketch);
    const drawn = goldenTensor(g.inputs.drawn);
    const want = goldenTensor(g.outputs.edited);
    const [n, tokens, C] = g.inputs.sketch.shape;
    const ed = new LocalEditor(ort as unknown as OrtLike, manifest, editor!.name, editor!.entry, session);
    for (let i = 0; i < n; i++) {
      const row = (x: Float32Array) => x.slice(i * tokens * C, (i + 1) * tokens * C);
      const got = await ed.edit(row(sketch), row(drawn));
      expectClose(got, row(want), g, `drawing ${i}`);
      const p = await ed.pyramid(row(sketch), row(drawn));
      expect(Array.from(p[manifest.scales[0].name])).toEqual(Array.from(got));
      manifest.scales.slice(1).forEach((s, k) => expect(Array.from(p[s.name]), s.name).toEqual(Array.from(avgPool2x2(p[manifest.scales[k].name], manifest.scales[k].grid, C))));
    }
  });
});

describe('which sketches the sketch editor redraws', () => {
  const golden = readJson<RuleGolden>(goldenFile('sketch_rule'));

  it("decides every golden image as training's has_colour does, under the manifest's thresholds", () => {
    const rule = manifest.mllm!.sketch_edit!;
    expect({ ink_below: rule.ink_below, chroma_above: rule.chroma_above, share_div: rule.share_div }).toEqual(golden.rule);
    expect(golden.images.filter((x) => x.has_colour).length, 'the golden has images of both kinds').toBeGreaterThan(5);
    expect(golden.images.filter((x) => !x.has_colour).length).toBeGreaterThan(5);
    for (const x of golden.images) expect(hasColour(rgba(x.rgb_b64), rule), x.what).toBe(x.has_colour);
  });

  const T = manifest.scales[0].tokens;
  const C = manifest.feature_dim;
  const f0 = manifest.scales[0].name;
  const rule = manifest.mllm!.sketch_edit!;
  const nearCases = golden.near ?? [];
  // a golden sketch the shipped rule redraws (near a trained design; the first test asserts the rule has near)
  const nearSketch: Pyramid = { [f0]: f32(nearCases.find((x) => x.redrawn)!.f0_b64) };
  const colour = golden.images.find((x) => x.has_colour && x.size === manifest.image.size)!;
  const lines = golden.images.find((x) => !x.has_colour && x.what.startsWith('fluent_hc'))!;

  it("decides every golden sketch's nearness to the editor's training designs as the PyTorch graph does", async () => {
    expect(rule.near, 'the shipped rule redraws only sketches near a trained design (stop 73)').toBeTruthy();
    expect(nearCases.filter((x) => x.redrawn).length, 'the golden has sketches of both verdicts').toBeGreaterThan(0);
    expect(nearCases.filter((x) => !x.redrawn).length).toBeGreaterThan(0);
    const ed = new LocalEditor(ort as unknown as OrtLike, manifest, editor!.name, editor!.entry, session);
    for (const x of nearCases) {
      const sketch = f32(x.f0_b64);
      expect(sketch.length).toBe(T * C);
      const [near] = await ed.output(rule.near!.output, sketch, new Float32Array(T * C));
      expectClose(Float32Array.of(near), Float32Array.of(x.near), { atol: 1e-4, rtol: 0 }, `${x.what}: near`);
      expect(await nearTrainedDesign(rule, ed, sketch), x.what).toBe(x.redrawn);
    }
  });

  it('a colour image near a trained design is redrawn from its sketch and the drawing; a line drawing, a sketch far from them, or a model without the rule, is the MLLM\'s', async () => {
    const ed = new LocalEditor(ort as unknown as OrtLike, manifest, editor!.name, editor!.entry, session);
    const redraw = await sketchEditFor(manifest, ed, rgba(colour.rgb_b64), nearSketch);
    expect(redraw).toBeTypeOf('function');
    const drawn: Pyramid = { [f0]: new Float32Array(T * C).fill(-0.25) };
    const p = await redraw!(drawn);
    expect(Array.from(p[f0])).toEqual(Array.from(await ed.edit(nearSketch[f0], drawn[f0])));
    expect(await sketchEditFor(manifest, ed, rgba(lines.rgb_b64), nearSketch)).toBeUndefined();
    const far = nearCases.find((x) => !x.redrawn)!;
    expect(await sketchEditFor(manifest, ed, rgba(colour.rgb_b64), { [f0]: f32(far.f0_b64) }), far.what).toBeUndefined();
    const colourOnly = structuredClone(manifest) as Manifest;   // without near: the colour rule alone redraws it
    delete colourOnly.mllm!.sketch_edit!.near;
    expect(await sketchEditFor(colourOnly, ed, rgba(colour.rgb_b64), { [f0]: f32(far.f0_b64) })).toBeTypeOf('function');
    const without = structuredClone(manifest) as Manifest;
    delete without.mllm!.sketch_edit;
    expect(await sketchEditFor(validateManifest(without), ed, rgba(colour.rgb_b64), nearSketch)).toBeUndefined();
    // an editor the manifest names but the engine lacks is an error, never the MLLM's drawing in its place
    await expect(sketchEditFor(manifest, null, rgba(colour.rgb_b64), nearSketch)).rejects.toThrow(`the sketch editor "${editor!.name}", which was not loaded`);
    await expect(redraw!({})).rejects.toThrow(`the MLLM's ${f0}, which was not drawn`);
  });

  it('the manifest refuses a rule it could not run, naming it', () => {
    const withRule = (t: Record<string, unknown>, change?: (m: Manifest) => void) => {
      const m = structuredClone(manifest) as Manifest;
      (m.mllm as unknown as Record<string, unknown>).sketch_edit = { ...manifest.mllm!.sketch_edit, ...t };
      change?.(m);
      return () => validateManifest(m);
    };
    expect(withRule({ ink_below: 300 })).toThrow(/ink_below and chroma_above must be integers in 0..255/);
    expect(withRule({ share_div: 0.5 })).toThrow(/share_div an integer >= 1/);
    expect(withRule({ model: 'encoder' })).toThrow(/"encoder" is not a model with role "sketch_editor"/);
    expect(withRule({}, (m) => (m.models[editor!.name].inputs = m.models[editor!.name].inputs!.slice(0, 1)))).toThrow(/its inputs must be/);
    expect(withRule({ near: { output: 'near', threshold: 'high' } })).toThrow(/near needs the editor's output/);
    expect(withRule({ near: { output: 'edited', threshold: 0.5 } })).toThrow(/must be a second output/);
    expect(withRule({ near: { output: 'nearest', threshold: 0.5 } })).toThrow(/its output must be/);   // the graph gives "near"
  });
});
