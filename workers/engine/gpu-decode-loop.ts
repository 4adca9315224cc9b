// The DDIM decode kept on the GPU (WebGPU provider only): the decoder's v output feeds the
// ddim_step graph (training/export_sampler.py: guidance + the DDIM update), whose output is the
// decoder's next x input. The loop uploads x_T and cond once per decode, writes 20 bytes (t and
// the step's coefficients) per step, and reads back only the final image.
//
// All tensors live in fixed GPU buffers bound to the sessions by name, the same buffers on every
// run: that is what onnxruntime-web's graph capture needs (it binds inputs and outputs on the
// first run and replays the recorded kernels afterwards), and without capture it costs nothing.
// Every decoder shares x, t and v (same shapes at every scale); each scale has its own cond.
import type { InferenceSession, Tensor } from './ort';
import type { Schedule } from '../lib/manifest';
import { ddimStepCoefficients } from '../lib/sampler';

/** GPUBufferUsage / GPUMapMode values (numeric: Node's Dawn binding has no DOM globals). */
const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, STORAGE: 128 } as const;
const MAP_MODE_READ = 1;

interface GpuBuffer {
  size: number;
  destroy(): void;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}
export interface GpuDeviceLike {
  createBuffer(d: { size: number; usage: number }): GpuBuffer;
  createCommandEncoder(): { copyBufferToBuffer(src: GpuBuffer, so: number, dst: GpuBuffer, dO: number, size: number): void; finish(): unknown };
  queue: { writeBuffer(b: GpuBuffer, offset: number, data: Float32Array): void; submit(cmds: unknown[]): void };
}

/** The onnxruntime members the loop needs beyond OrtLike. */
export interface OrtGpuLike {
  Tensor: { fromGpuBuffer(buffer: unknown, o: { dataType: 'float32'; dims: readonly number[] }): Tensor };
}

/** The names of a decoder's and the step graph's inputs and outputs (from the manifest). */
export interface LoopNames {
  decoder: { x: string; t: string; cond: string; v: string };
  step: { v: string; x: string; coef: string; out: string };
}

interface Bound {
  buffer: GpuBuffer;
  tensor: Tensor;
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

  constructor(
    private readonly ort: OrtGpuLike,
    private readonly device: GpuDeviceLike,
    private readonly stepSession: InferenceSession,
    private readonly names: LoopNames,
    /** the decoder's x shape for the batch of two, [2,3,S,S] */
    xDims: readonly number[],
  ) {
    this.xDims = [...xDims];
    this.x = this.alloc(this.xDims);
    this.xNext = this.alloc(this.xDims);
    this.v = this.alloc(this.xDims);
    this.t = this.alloc([2]);
    this.coef = this.alloc([3]);
    this.readback = device.createBuffer({ size: this.bytes(this.xDims) / 2, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  }

  private bytes(dims: readonly number[]) {
    return dims.reduce((a, b) => a * b, 1) * 4;
  }

  private alloc(dims: readonly number[]): Bound {
    // storage buffers are bound in 16-byte units; the tensor keeps its exact dims
    const buffer = this.device.createBuffer({ size: Math.ceil(this.bytes(dims) / 16) * 16, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
    return { buffer, tensor: this.ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims }) };
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
    const { device, names } = this;
    const n = xT.length;
    if (2 * n * 4 !== this.bytes(this.xDims)) throw new Error(`x_T has ${n} values, the decoder takes 2x${this.bytes(this.xDims) / 8}`);
    let cond = this.cond.get(decoder);
    if (!cond) this.cond.set(decoder, (cond = this.alloc(condDims)));
    device.queue.writeBuffer(cond.buffer, 0, cond2);
    const x2 = new Float32Array(2 * n);
    x2.set(xT, 0);
    x2.set(xT, n);
    device.queue.writeBuffer(this.x.buffer, 0, x2);
    const coefs = ddimStepCoefficients(schedule, guidance);
    const t2 = new Float32Array(2);
    for (let i = 0; i < coefs.length; i++) {
      await hooks.checkCancel?.();
      t2.fill(schedule.timesteps[i]);
      device.queue.writeBuffer(this.t.buffer, 0, t2);
      device.queue.writeBuffer(this.coef.buffer, 0, coefs[i]);
      await decoder.run({ [names.decoder.x]: this.x.tensor, [names.decoder.t]: this.t.tensor, [names.decoder.cond]: cond.tensor }, { [names.decoder.v]: this.v.tensor });
      await this.stepSession.run({ [names.step.v]: this.v.tensor, [names.step.x]: this.x.tensor, [names.step.coef]: this.coef.tensor }, { [names.step.out]: this.xNext.tensor });
      // x_next becomes the decoder's x (its buffer is bound; a graph may not read and write one buffer)
      const enc = device.createCommandEncoder();
      if (i + 1 < coefs.length) enc.copyBufferToBuffer(this.xNext.buffer, 0, this.x.buffer, 0, 2 * n * 4);
      else enc.copyBufferToBuffer(this.xNext.buffer, 0, this.readback, 0, n * 4);
      device.queue.submit([enc.finish()]);
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
    for (const b of [this.x, this.xNext, this.v, this.t, this.coef, ...this.cond.values()]) b.buffer.destroy();
    this.readback.destroy();
    this.cond.clear();
  }
}
