// The encoder on WebGPU, one image a run (issue 19: on an H200 it took 45 ms of the 198 ms of a
// reconstruction, PyTorch 3 ms). Created with its batch fixed at one (freeDimensionOverrides),
// every node runs on the WebGPU provider: with a free batch, onnxruntime puts the graph's 93 shape
// nodes on the CPU between its 193 kernels. Fixed, it can also be graph-captured, as the decoders
// are: its ~184 kernels are recorded on the first run and replayed after.
//
// The image goes into one fixed GPU buffer (a captured session replays against its first run's
// buffers); the features come back from the session's own output buffer (getData), which a
// captured session keeps (gpu-decode-loop.ts says why the caller's buffers cannot be bound).
// A captured run that throws leaves capture: the session is recreated uncaptured (same fixed
// batch) for that run and every later one, and `captureFailure` says why.
import type { InferenceSession } from './ort';
import { fixedInput, type Bound, type GpuDeviceLike, type OrtGpuLike } from './gpu-decode-loop';

export interface GpuEncoderFallback {
  /** the encoder as a session without graph capture */
  uncaptured(): Promise<InferenceSession>;
}

export class GpuEncoder {
  private readonly input: Bound;
  private readonly values: number;
  private replacement: InferenceSession | null = null;
  private capturing: boolean;
  private failure: string | null;

  constructor(
    ort: OrtGpuLike,
    private readonly device: GpuDeviceLike,
    private readonly session: InferenceSession,
    private readonly names: { input: string; output: string },
    /** the image input's shape, batch one: [1,3,S,S] */
    dims: readonly number[],
    /** the features one image gives: tokens * C */
    private readonly outValues: number,
    /** the session was created with graph capture */
    private readonly capture: { fallback: GpuEncoderFallback } | null,
    /** why it was created without capture although capture was asked for */
    refused: string | null = null,
  ) {
    this.values = dims.reduce((a, b) => a * b, 1);
    this.input = fixedInput(ort, device, dims);
    this.capturing = capture !== null;
    this.failure = refused;
    if (refused) console.info(`GPU encoder: graph capture refused, running uncaptured (${refused})`);
  }

  /** graph capture is on and has not failed */
  get captured() {
    return this.capturing;
  }

  /** why graph capture is off although it was asked for: refused at creation, or a captured run threw */
  get captureFailure() {
    return this.failure;
  }

  /** One NCHW image [3*S*S] -> its features [tokens * C]. */
  async encode(image: Float32Array): Promise<Float32Array> {
    if (image.length !== this.values) throw new Error(`the encoder takes ${this.values} values a run, was given ${image.length}`);
    this.device.queue.writeBuffer(this.input.buffer, 0, image);
    if (!this.capturing) return this.runWith(this.replacement ?? this.session);
    try {
      return await this.runWith(this.session);
    } catch (e) {
      if (!this.capture) throw e;
      this.failure = (e as Error).message || String(e);
      this.capturing = false;
      // info, not a warning: the run goes on and is right, only slower
      console.info(`GPU encoder: graph capture failed, running uncaptured (${this.failure})`);
      this.replacement = await this.capture.fallback.uncaptured();
      return this.runWith(this.replacement);
    }
  }

  /**
   * One run on the (zeroed) input whose result is not read: its shaders are compiled (the driver's and
   * the browser's work, in the GPU process) and, captured, its graph recorded, while the caller goes on
   * creating sessions, instead of inside the first image's run (~170 ms of it on the H200 in Chromium,
   * bench/results/browser-gpu-h200-2026-12-02.md). The run's outputs stay on the GPU, so it returns once
   * the commands are recorded. A failure is left to the first real run, which falls back as it would.
   */
  async warm(): Promise<void> {
    try {
      const out = (await (this.replacement ?? this.session).run({ [this.names.input]: this.input.tensor }))[this.names.output];
      if (out.location === 'gpu-buffer') out.dispose();
    } catch (e) {
      console.info(`GPU encoder: warm-up run failed (the first run will say): ${(e as Error).message}`);
    }
  }

  private async runWith(session: InferenceSession): Promise<Float32Array> {
    const out = (await session.run({ [this.names.input]: this.input.tensor }))[this.names.output];
    const feats = (await out.getData()) as Float32Array;
    // a GPU output: releases onnxruntime's handle (a captured session keeps its buffer bound)
    if (out.location === 'gpu-buffer') out.dispose();
    if (feats.length !== this.outValues) throw new Error(`encoder output has ${feats.length} values, the manifest says ${this.outValues}`);
    return feats;
  }

  /** The input buffer and the uncaptured replacement (the captured session is its owner's). */
  release() {
    this.input.buffer.destroy();
    this.replacement?.release().catch(() => undefined);
    this.replacement = null;
  }
}

