// The sketch editor (manifest mllm.sketch_edit.model, role "sketch_editor"; training/sketch_editor.py) on the shipped
// file, under onnxruntime-web's WASM backend in Node with the page's session options: sketch_editor.onnx reproduces
// its PyTorch golden vectors (golden/sketch_editor.json, written by its export from the int8-rounded weights), the
// engine's LocalEditor gives each golden row one drawing at a time, and the page's colour rule (which sketches it
// redraws) decides every image of golden/sketch_rule.json as training/sketch_editor.py has_colour does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { goldenFile, loadManifest, readJson } from './models';
import { expectClose, goldenTensor, readGolden } from './golden';
import { expectGoldenParity, wasmSession } from './wasm-session';
import type { InferenceSession, OrtLike } from '../workers/engine/ort';
import { LocalEditor } from '../workers/engine/local-editor';
import { hasColour, sketchEditFor } from '../workers/engine/sketch-editor';
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
  rule: Omit<SketchEditSpec, 'model' | 'rule'>;
  images: { what: string; size: number; has_colour: boolean; rgb_b64: string }[];
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
  const sketch: Pyramid = { [f0]: new Float32Array(T * C).fill(0.5) };
  const colour = golden.images.find((x) => x.has_colour && x.size === manifest.image.size)!;
  const lines = golden.images.find((x) => !x.has_colour && x.what.startsWith('fluent_hc'))!;

  it('a colour image is redrawn from its sketch and the drawing; a line drawing, or a model without the rule, is the MLLM\'s', async () => {
    const ed = new LocalEditor(ort as unknown as OrtLike, manifest, editor!.name, editor!.entry, session);
    const redraw = sketchEditFor(manifest, ed, rgba(colour.rgb_b64), sketch);
    expect(redraw).toBeTypeOf('function');
    const drawn: Pyramid = { [f0]: new Float32Array(T * C).fill(-0.25) };
    const p = await redraw!(drawn);
    expect(Array.from(p[f0])).toEqual(Array.from(await ed.edit(sketch[f0], drawn[f0])));
    expect(sketchEditFor(manifest, ed, rgba(lines.rgb_b64), sketch)).toBeUndefined();
    const without = structuredClone(manifest) as Manifest;
    delete without.mllm!.sketch_edit;
    expect(sketchEditFor(validateManifest(without), ed, rgba(colour.rgb_b64), sketch)).toBeUndefined();
    // an editor the manifest names but the engine lacks is an error, never the MLLM's drawing in its place
    expect(() => sketchEditFor(manifest, null, rgba(colour.rgb_b64), sketch)).toThrow(`the sketch editor "${editor!.name}", which was not loaded`);
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
  });
});
