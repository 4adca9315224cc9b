// The DDIM decode kept on the GPU (WebGPU provider only): the decoder's v output feeds the
// ddim_step graph (training/export_sampler.py: guidance + the DDIM update), whose output is the
// decoder's next x input. The loop uploads x_T and cond once per decode, writes 20 bytes (t and
// the step's coefficients) per step, and reads back only the final image.
//
// Inputs live in fixed GPU buffers, the same on every run: graph capture needs that (a captured
// session replays kernels recorded against the buffers of its first run). Every decoder shares
// x, t and v (same shapes at every scale); each scale has its own cond.
//
// Outputs differ by mode. Uncaptured, each session writes straight into our buffer (v, x_next).
// Captured, a session owns its output buffer and we copy from it (one small GPU copy per run):
// onnxruntime-web 1.30 cannot replay into a caller's output buffer. It registers a caller's
// buffer for one run only (wasm-core-impl.ts `run`: registered in prepareInputOutputTensor,
// unregistered in `finally`), so after the capture run the binding holds a handle that was
// released; on the first replay it looks that stale handle up (`webgpuGetBuffer`), gets undefined
// or another object, and throws "Cannot set properties of undefined (setting
// 'Symbol(gpuBufferMetadata)')" - or, when the freed handle was reused, silently wraps the wrong
// buffer. A session-owned output stays registered with the session, so replays are sound.
//
// When capture fails (a session refuses it, or a captured run throws), the loop recreates the
// sessions uncaptured (`CaptureFallback`) and carries on; `captureFailure` says why. A decoder
// created after the loop (PumaEngine creates all but the first scale's after its load) is created
// as `choice` says and handed to `adopt`: one that refused capture takes the loop out of capture
// as a captured run that throws does, and runs as it was created.
import type { GpuDecodeChoice, InferenceSession, OrtLike, Tensor } from './ort';
import type { Schedule } from '../lib/manifest';
import { ddimStepCoefficients } from '../lib/sampler';

/** GPUBufferUsage / GPUMapMode values (numeric: Node's Dawn binding has no DOM globals). */
export const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, STORAGE: 128 } as const;
export const MAP_MODE_READ = 1;

export interface GpuBuffer {
  size: number;
  destroy(): void;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}
export interface GpuDeviceLike {
  createBuffer(d: { size: number; usage: number }): GpuBuffer;
  createCommandEncoder(): { copyBufferToBuffer(src: GpuBuffer, so: number, dst: GpuBuffer, dO: number, size: number): void; finish(): unknown };
  queue: { writeBuffer(b: GpuBuffer, offset: number, data: Float32Array | Int32Array): void; submit(cmds: unknown[]): void };
}

/** The onnxruntime members the loop needs beyond OrtLike. */
export interface OrtGpuLike {
  Tensor: { fromGpuBuffer(buffer: unknown, o: { dataType: 'float32' | 'int32'; dims: readonly number[] }): Tensor };
}

/** The names of a decoder's and the step graph's inputs and outputs (from the manifest). */
export interface LoopNames {
  decoder: { x: string; t: string; cond: string; v: string };
  step: { v: string; x: string; coef: string; out: string };
}

export interface Bound {
  buffer: GpuBuffer;
  tensor: Tensor;
}

/** A GPU buffer of `dims` (float32 or int32) and the tensor over it, fed to a session on every run: a
 * captured session replays against the buffers of its first run, so its inputs live in fixed buffers. */
export function fixedInput(ort: OrtGpuLike, device: GpuDeviceLike, dims: readonly number[], dataType: 'float32' | 'int32' = 'float32'): Bound {
  const bytes = dims.reduce((a, b) => a * b, 1) * 4;
  // storage buffers are bound in 16-byte units; the tensor keeps its exact dims
  const buffer = device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
  return { buffer, tensor: ort.Tensor.fromGpuBuffer(buffer, { dataType, dims }) };
}

/** What the loop needs to leave graph capture when it fails mid-run. */
export interface CaptureFallback {
  /** the same model as a session without graph capture (its outputs written into our buffers) */
  uncaptured(captured: InferenceSession): Promise<InferenceSession>;
}

/** A captured session's output tensor: in a GPU buffer the session owns. */
export interface OwnedOutput {
  gpuBuffer: unknown;
  dispose(): void;
}

/** One decode as `decode` hands it to a session (captured, or its uncaptured stand-in). */
interface DecodeJob {
  cond2: Float32Array;
  condDims: readonly number[];
  xT: Float32Array;
  schedule: Schedule;
  guidance: number;
  hooks: { checkCancel: () => Promise<void>; onStep?: (step: number, steps: number) => void };
}

export class GpuDecodeLoop {
  private readonly x: Bound;
  private readonly xNext: Bound;
  private readonly v: Bound;
  private readonly t: Bound;
  private readonly coef: Bound;
  private readonly cond = new Map<InferenceSession, Bound>();
  private readonly readback: GpuBuffer;
  private readonly xDims: number[];
  /** captured decoder -> its uncaptured replacement, once capture has failed */
  private readonly replaced = new Map<InferenceSession, InferenceSession>();
  /** decoders created after the loop without capture (adopt): they run as they are, never replaced */
  private readonly uncapturedAtBirth = new Set<InferenceSession>();
  private stepSession: InferenceSession;
  private capturing: boolean;
  private failure: string | null;

  constructor(
    private readonly ort: OrtGpuLike,
    private readonly device: GpuDeviceLike,
    stepSession: InferenceSession,
    private readonly names: LoopNames,
    /** the decoder's x shape for the batch of two, [2,3,S,S] */
    xDims: readonly number[],
    /** the decoders and the step session were created with graph capture */
    private readonly capture: { fallback: CaptureFallback } | null = null,
    /** why the sessions were created without capture although it was asked for (createDecodeSessions) */
    refused: string | null = null,
  ) {
    this.failure = refused;
    if (refused) console.info(`GPU decode: graph capture refused, running uncaptured (${refused})`);
    this.stepSession = stepSession;
    this.capturing = capture !== null;
    this.xDims = [...xDims];
    this.x = this.alloc(this.xDims);
    this.xNext = this.alloc(this.xDims);
    this.v = this.alloc(this.xDims);
    this.t = this.alloc([2]);
    this.coef = this.alloc([3]);
    this.readback = device.createBuffer({ size: this.bytes(this.xDims) / 2, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  }

  /** graph capture is on and has not failed */
  get captured() {
    return this.capturing;
  }

  /** why graph capture is off although it was asked for: refused at creation, or a captured run threw */
  get captureFailure() {
    return this.failure;
  }

  /** How a decoder created after the loop is to be created (createDecodeSessions): captured while the loop is. */
  get choice(): GpuDecodeChoice {
    return { loop: 'gpu', graphCapture: this.capturing };
  }

  /**
   * A decoder created after the loop, as `choice` said: `created` is createDecodeSessions' answer
   * for it. Created without capture, it runs as it is (no replacement); if it refused capture while
   * the loop captured, the loop leaves capture as when a captured run throws (the step graph is
   * replaced now, the other decoders when next used), since one loop cannot mix the two ways of
   * binding outputs.
   */
  async adopt(decoder: InferenceSession, created: { gpuDecode: GpuDecodeChoice; failure: string | null }) {
    if (!created.gpuDecode.graphCapture) this.uncapturedAtBirth.add(decoder);
    if (created.failure && this.capturing) await this.leaveCapture(created.failure, 'refused by a decoder created later');
  }

  private bytes(dims: readonly number[]) {
    return dims.reduce((a, b) => a * b, 1) * 4;
  }

  private alloc(dims: readonly number[]): Bound {
    return fixedInput(this.ort, this.device, dims);
  }

  private copy(src: unknown, dst: GpuBuffer, bytes: number) {
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(src as GpuBuffer, 0, dst, 0, bytes);
    this.device.queue.submit([enc.finish()]);
  }

  /** Runs a session; returns the GPU buffer holding its output: `mine` when uncaptured (the
   * session writes there), the session's own buffer when captured (valid until its next run). */
  private async run(session: InferenceSession, feeds: Record<string, Tensor>, output: string, mine: Bound): Promise<unknown> {
    if (!this.capturing) {
      await session.run(feeds, { [output]: mine.tensor });
      return mine.buffer;
    }
    const out = (await session.run(feeds))[output] as unknown as OwnedOutput;
    const buffer = out.gpuBuffer;
    // releases onnxruntime's handle on the output, not the buffer: the captured binding keeps it
    out.dispose();
    return buffer;
  }

  /** DDIM on the GPU; x_T [3*S*S], cond2 = [cond; uncond] [2,tokens,C]. Returns x0 [1,3,S,S] clamped. */
  async decode(
    decoder: InferenceSession,
    cond2: Float32Array,
    condDims: readonly number[],
    xT: Float32Array,
    schedule: Schedule,
    guidance: number,
    hooks: { checkCancel?: () => Promise<void> | void; onStep?: (step: number, steps: number) => void } = {},
  ): Promise<Float32Array> {
    let stopped = false;
    const checkCancel = async () => {
      try {
        await hooks.checkCancel?.();
      } catch (e) {
        stopped = true;
        throw e;
      }
    };
    const job: DecodeJob = { cond2, condDims, xT, schedule, guidance, hooks: { checkCancel, onStep: hooks.onStep } };
    if (!this.capturing) {
      // after capture failed, a decoder created captured is replaced on its first use
      await this.replace(decoder);
      return this.decodeWith(this.replaced.get(decoder) ?? decoder, job);
    }
    try {
      return await this.decodeWith(decoder, job);
    } catch (e) {
      // a cancel (or a device loss seen at a checkpoint) is no reason to leave capture; anything a run threw is
      if (stopped || !this.capture) throw e;
      await this.leaveCapture((e as Error).message || String(e), 'failed');
      await this.replace(decoder);
      return this.decodeWith(this.replaced.get(decoder)!, job);
    }
  }

  /** Capture failed: from now on every session runs uncaptured (the step graph replaced now, decoders as they are next used). */
  private async leaveCapture(why: string, how: string) {
    this.failure = why;
    this.capturing = false;
    // info, not a warning: the decode goes on and is right, only slower
    console.info(`GPU decode: graph capture ${how}, running uncaptured (${why})`);
    this.stepSession = await this.capture!.fallback.uncaptured(this.stepSession);
  }

  private async replace(decoder: InferenceSession) {
    if (this.replaced.has(decoder) || !this.capture || this.uncapturedAtBirth.has(decoder)) return;
    const fresh = await this.capture.fallback.uncaptured(decoder);
    this.replaced.set(decoder, fresh);
    // The captured session stays until its owner (the engine) releases it: releasing it here too
    // would release it twice, and onnxruntime-web's session ids are wasm addresses, so the second
    // release could hit a newer session created at the same address.
    const cond = this.cond.get(decoder);
    if (cond) this.cond.set(fresh, cond);
  }

  /** the decoder's cond buffer: one per decoder, kept (a captured decoder replays against it) */
  private condOf(decoder: InferenceSession, condDims: readonly number[]): Bound {
    let cond = this.cond.get(decoder);
    if (!cond) this.cond.set(decoder, (cond = this.alloc(condDims)));
    return cond;
  }

  /**
   * One step of `decoder` and the step graph on the loop's buffers, whose result is not read: their
   * shaders are compiled (in the GPU process) and, captured, their graphs recorded, before the first
   * image's run needs them (~150 ms of that run on the H200 in Chromium). The runs' outputs stay on the
   * GPU, so this returns once the commands are recorded. A failure is left to the first real decode,
   * which falls back as it would.
   */
  async warm(decoder: InferenceSession, condDims: readonly number[]): Promise<void> {
    const { names } = this;
    try {
      const d = this.replaced.get(decoder) ?? decoder;
      const cond = this.condOf(d, condDims);
      const v = await this.run(d, { [names.decoder.x]: this.x.tensor, [names.decoder.t]: this.t.tensor, [names.decoder.cond]: cond.tensor }, names.decoder.v, this.v);
      if (v !== this.v.buffer) this.copy(v, this.v.buffer, this.bytes(this.xDims));
      await this.run(this.stepSession, { [names.step.v]: this.v.tensor, [names.step.x]: this.x.tensor, [names.step.coef]: this.coef.tensor }, names.step.out, this.xNext);
    } catch (e) {
      console.info(`GPU decode: warm-up run failed (the first decode will say): ${(e as Error).message}`);
    }
  }

  private async decodeWith(decoder: InferenceSession, { cond2, condDims, xT, schedule, guidance, hooks }: DecodeJob): Promise<Float32Array> {
    const { device, names } = this;
    const n = xT.length;
    const xBytes = 2 * n * 4;
    if (xBytes !== this.bytes(this.xDims)) throw new Error(`x_T has ${n} values, the decoder takes 2x${this.bytes(this.xDims) / 8}`);
    const cond = this.condOf(decoder, condDims);
    device.queue.writeBuffer(cond.buffer, 0, cond2);
    const x2 = new Float32Array(2 * n);
    x2.set(xT, 0);
    x2.set(xT, n);
    device.queue.writeBuffer(this.x.buffer, 0, x2);
    const coefs = ddimStepCoefficients(schedule, guidance);
    const t2 = new Float32Array(2);
    for (let i = 0; i < coefs.length; i++) {
      await hooks.checkCancel();
      t2.fill(schedule.timesteps[i]);
      device.queue.writeBuffer(this.t.buffer, 0, t2);
      device.queue.writeBuffer(this.coef.buffer, 0, coefs[i]);
      // ORT has flushed a run's commands when run() returns, so each copy is queued after them
      const v = await this.run(decoder, { [names.decoder.x]: this.x.tensor, [names.decoder.t]: this.t.tensor, [names.decoder.cond]: cond.tensor }, names.decoder.v, this.v);
      if (v !== this.v.buffer) this.copy(v, this.v.buffer, xBytes);
      const xNext = await this.run(this.stepSession, { [names.step.v]: this.v.tensor, [names.step.x]: this.x.tensor, [names.step.coef]: this.coef.tensor }, names.step.out, this.xNext);
      // x_next becomes the decoder's x (a graph may not read and write one buffer); after the
      // last step only x0 (the first half) goes to the read-back buffer
      if (i + 1 < coefs.length) this.copy(xNext, this.x.buffer, xBytes);
      else this.copy(xNext, this.readback, n * 4);
      hooks.onStep?.(i + 1, coefs.length);
    }
    await this.readback.mapAsync(MAP_MODE_READ);
    const x = new Float32Array(this.readback.getMappedRange().slice(0));
    this.readback.unmap();
    // the last step's x_next is x0, already clamped in the graph; clamped again as the CPU loop does
    for (let i = 0; i < n; i++) x[i] = Math.min(1, Math.max(-1, x[i]));
    return x;
  }

  release() {
    for (const b of [this.x, this.xNext, this.v, this.t, this.coef, ...new Set(this.cond.values())]) b.buffer.destroy();
    this.readback.destroy();
    this.cond.clear();
    // only the sessions the loop created (the uncaptured replacements); the rest are the engine's
    if (this.capture && !this.capturing) this.stepSession.release().catch(() => undefined);
    for (const s of this.replaced.values()) s.release().catch(() => undefined);
    this.replaced.clear();
    this.uncapturedAtBirth.clear(); // the engine's
  }
}

/**
 * Creates the GPU loop's sessions (the first scale's decoder and the step graph at the engine's
 * load, each later decoder on its own after it, GpuDecodeLoop.adopt; or the encoder alone,
 * gpu-encoder.ts) as `choice` asks. With graph capture, a session that refuses it (onnxruntime refuses at creation when a node would run
 * outside the WebGPU provider, or when the provider cannot capture) means all of them are created
 * again without: `failure` says why, `gpuDecode` what was created.
 */
export async function createDecodeSessions(
  ort: Pick<OrtLike, 'InferenceSession'>,
  bytes: readonly Uint8Array[],
  choice: GpuDecodeChoice,
  optionsFor: (choice: GpuDecodeChoice) => InferenceSession.SessionOptions,
): Promise<{ sessions: InferenceSession[]; gpuDecode: GpuDecodeChoice; failure: string | null }> {
  const createAll = async (c: GpuDecodeChoice) => {
    const opts = optionsFor(c);
    const sessions: InferenceSession[] = [];
    try {
      for (const b of bytes) sessions.push(await ort.InferenceSession.create(b, opts));
    } catch (e) {
      for (const s of sessions) s.release().catch(() => undefined);
      throw e;
    }
    return sessions;
  };
  if (choice.loop !== 'gpu' || !choice.graphCapture) return { sessions: await createAll(choice), gpuDecode: choice, failure: null };
  try {
    return { sessions: await createAll(choice), gpuDecode: choice, failure: null };
  } catch (e) {
    const uncaptured: GpuDecodeChoice = { loop: 'gpu', graphCapture: false };
    return { sessions: await createAll(uncaptured), gpuDecode: uncaptured, failure: (e as Error).message || String(e) };
  }
}
