// The pick's key model (manifest models[gallery.key], role "key"; training/pick_key.py): a small CNN that reads a
// given image (the NCHW tensor in [-1, 1] the encoder and the reader get, framed where the pick frames) and gives
// its L2-normalised embedding, which a gallery in key space is asked with (workers/mllm/gallery.ts). Only the pick
// needs it, so it loads with the MLLM (mllm-load.ts), as the reader does, on the reader's provider and options.
import type { Manifest, ModelEntry } from '../lib/manifest';
import type { InferenceSession, OrtLike } from './ort';

export class KeyEncoder {
  constructor(
    private readonly ort: Pick<OrtLike, 'Tensor'>,
    private readonly manifest: Pick<Manifest, 'image'>,
    /** models key of the key model, for its messages */
    readonly name: string,
    private readonly entry: ModelEntry,
    readonly session: InferenceSession,
  ) {}

  /** The key's embedding of one prepared NCHW image: [dim], dim as the manifest's output (the gallery's row). */
  async embed(nchw: Float32Array): Promise<Float32Array> {
    const s = this.manifest.image.size;
    const input = this.entry.inputs![0].name;
    const out = this.entry.outputs![0];
    const dim = out.shape[1];
    const res = await this.session.run({ [input]: new this.ort.Tensor('float32', nchw, [1, 3, s, s]) });
    if (!res[out.name]) throw new Error(`${this.name} gave no output "${out.name}"`);
    const key = (await res[out.name].getData()) as Float32Array;
    if (key.length !== dim) throw new Error(`${this.name}'s output has ${key.length} values, the manifest says ${dim}`);
    return key;
  }

  release() {
    this.session.release().catch(() => undefined);
  }
}
