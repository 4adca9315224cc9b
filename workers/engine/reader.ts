// The MLLM's reader (manifest mllm.reader; training/mllm.py MLLMConfig.reader): a second encoder, with the
// encoder's interface, through which a model with a reader also reads each given image (the image a
// question is about, an edit's source). Its pyramid goes to the MLLM only: what is drawn, compared and
// scored stays in the encoder's space, so the codec (encoder + decoders) never sees it. It loads with the
// MLLM (mllm-load.ts), since nothing else needs it.
import type { Manifest, ModelEntry } from '../lib/manifest';
import { buildPyramid } from '../lib/pyramid';
import type { Pyramid } from '../mllm/generate';
import type { InferenceSession, OrtLike } from './ort';
import { encoderFeatures } from './pyramid-codec';

export class ReaderEncoder {
  constructor(
    private readonly ort: Pick<OrtLike, 'Tensor'>,
    private readonly manifest: Manifest,
    private readonly entry: ModelEntry,
    readonly session: InferenceSession,
  ) {}

  /** The reader's five-scale pyramid of one prepared NCHW image (as the encoder's is built). */
  async pyramid(nchw: Float32Array): Promise<Pyramid> {
    const m = this.manifest;
    return buildPyramid(await encoderFeatures(this.ort, m, this.session, this.entry, nchw, 1), m.scales, m.feature_dim);
  }

  release() {
    this.session.release().catch(() => undefined);
  }
}
