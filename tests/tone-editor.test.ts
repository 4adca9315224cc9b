// The tone editor (manifest mllm.tone_edit.model, role "tone_editor"; training/tone_editor.py) on the shipped file,
// under onnxruntime-web's WASM backend in Node with the page's session options: tone_editor.onnx reproduces its
// PyTorch golden vectors (golden/tone_editor.json, written by its export from the int8-rounded weights), and the
// engine's LocalEditor gives each golden row one drawing at a time, its pyramid the edited f0's 2x2 means as the
// encoder's own pyramid is built.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { loadManifest } from './models';
import { expectClose, goldenTensor, readGolden } from './golden';
import { expectGoldenParity, wasmSession } from './wasm-session';
import type { InferenceSession, OrtLike } from '../workers/engine/ort';
import { LocalEditor } from '../workers/engine/local-editor';
import { toneEditorModel } from '../workers/lib/manifest';
import { avgPool2x2 } from '../workers/lib/pyramid';

const manifest = loadManifest();
const editor = toneEditorModel(manifest);
let session: InferenceSession;

beforeAll(async () => {
  if (!editor) throw new Error('the shipped manifest has no tone editor (mllm.tone_edit): export one (training/tone_editor.py --export)');
  session = await wasmSession(editor.entry);
});
afterAll(() => session?.release());

describe('the shipped tone editor', () => {
  it("matches its PyTorch golden vectors on onnxruntime-web (wasm, the page's session options)", async () => {
    const g = await expectGoldenParity(session, editor!.name, editor!.entry);
    // the editor edits: its output is not its input (an untrained editor is the copy, training/tone_editor.py)
    const f0 = goldenTensor(g.inputs.f0);
    const edited = goldenTensor(g.outputs.edited);
    expect(Math.max(...edited.map((v, i) => Math.abs(v - f0[i])))).toBeGreaterThan(1e-2);
  });

  it("the engine's LocalEditor: one drawing at a time, as the batch's row; its pyramid the edited f0's 2x2 means", async () => {
    const g = readGolden(editor!.entry.golden!);
    const f0 = goldenTensor(g.inputs.f0);
    const code = goldenTensor(g.inputs.tone);
    const want = goldenTensor(g.outputs.edited);
    const [n, tokens, C] = g.inputs.f0.shape;
    const K = g.inputs.tone.shape[1];
    const te = new LocalEditor(ort as unknown as OrtLike, manifest, editor!.name, editor!.entry, session);
    for (let i = 0; i < n; i++) {
      const row = f0.slice(i * tokens * C, (i + 1) * tokens * C);
      const c = code.slice(i * K, (i + 1) * K);
      const got = await te.edit(row, c);
      expectClose(got, want.slice(i * tokens * C, (i + 1) * tokens * C), g, `drawing ${i}`);
      const p = await te.pyramid(row, c);
      expect(Object.keys(p)).toEqual(manifest.scales.map((s) => s.name));
      expect(Array.from(p[manifest.scales[0].name])).toEqual(Array.from(got));
      // each coarser scale the mean of the four finer tokens it covers (workers/lib/pyramid.ts, the encoder's rule)
      manifest.scales.slice(1).forEach((s, k) => expect(Array.from(p[s.name]), s.name).toEqual(Array.from(avgPool2x2(p[manifest.scales[k].name], manifest.scales[k].grid, C))));
    }
  });

  it('refuses a drawing or a code of the wrong size, naming the editor', async () => {
    const te = new LocalEditor(ort as unknown as OrtLike, manifest, editor!.name, editor!.entry, session);
    const C = manifest.feature_dim;
    const T = manifest.scales[0].tokens;
    await expect(te.edit(new Float32Array(64 * C), new Float32Array(12))).rejects.toThrow(`${editor!.name}: f0 has ${64 * C} values, the manifest says ${T}x${C}`);
    await expect(te.edit(new Float32Array(T * C), new Float32Array(6))).rejects.toThrow(/tone has 6 values, the manifest says 12/);
    await expect(te.edit(new Float32Array(T * C))).rejects.toThrow(`${editor!.name} takes 2 inputs, it was given 1`);
  });
});
