// A local editor (manifest roles "tone_editor", "sketch_editor"; training/tone_editor.py, training/sketch_editor.py):
// a small network of 3x3 convolutions on the encoder's finest grid that redraws a drawing's f0 from what its manifest
// entry takes (the tone editor: the given image's f0 and a tone code; the sketch editor: the sketch's f0 and the
// MLLM's f0 drawing), the coarser scales the edited f0's 2x2 means as the encoder's own pyramid. Editors load with
// the MLLM (mllm-load.ts), as the key model does, on the encoder's provider and options; which runs they redraw is
// their rule's (tone-editor.ts, sketch-editor.ts).
import type { Manifest, ModelEntry } from '../lib/manifest';
import { buildPyramid } from '../lib/pyramid';
import type { Pyramid } from '../mllm/generate';
import type { InferenceSession, OrtLike } from './ort';

export class LocalEditor {
  constructor(
    private readonly ort: Pick<OrtLike, 'Tensor'>,
    private readonly manifest: Pick<Manifest, 'scales' | 'feature_dim'>,
    /** models key of the editor, for its messages */
    readonly name: string,
    private readonly entry: ModelEntry,
    readonly session: InferenceSession,
  ) {}

  /** One drawing's edited f0 ([tokens * C], the finest scale's) from one row of each of the entry's inputs, in its
   * order (each its shape without the batch). */
  async edit(...inputs: Float32Array[]): Promise<Float32Array> {
    const { tokens } = this.manifest.scales[0];
    const C = this.manifest.feature_dim;
    const edited = await this.output(this.entry.outputs![0].name, ...inputs);
    if (edited.length !== tokens * C) throw new Error(`${this.name}'s output has ${edited.length} values, want ${tokens}x${C}`);
    return edited;
  }

  /** One of the graph's outputs by name (the sketch editor's "near": a number read from the sketch alone) for one
   * row of each input, in the entry's order. */
  async output(name: string, ...inputs: Float32Array[]): Promise<Float32Array> {
    const specs = this.entry.inputs!;
    if (inputs.length !== specs.length) throw new Error(`${this.name} takes ${specs.length} inputs, it was given ${inputs.length}`);
    const feeds: Record<string, unknown> = {};
    specs.forEach((spec, i) => {
      const dims = spec.shape.slice(1).map(Number);
      const want = dims.reduce((a, b) => a * b, 1);
      if (inputs[i].length !== want) throw new Error(`${this.name}: ${spec.name} has ${inputs[i].length} values, the manifest says ${dims.join('x')}`);
      feeds[spec.name] = new this.ort.Tensor('float32', inputs[i], [1, ...dims]);
    });
    const res = await this.session.run(feeds as InferenceSession.FeedsType);
    if (!res[name]) throw new Error(`${this.name} gave no output "${name}"`);
    return (await res[name].getData()) as Float32Array;
  }

  /** The edited drawing's whole pyramid: the edited f0 and its 2x2 means, as the encoder's own pyramid is built
   * (what eval_mllm scores an editor's drawing by: image_tokens of its f0). */
  async pyramid(...inputs: Float32Array[]): Promise<Pyramid> {
    return buildPyramid(await this.edit(...inputs), this.manifest.scales, this.manifest.feature_dim);
  }

  release() {
    this.session.release().catch(() => undefined);
  }
}
