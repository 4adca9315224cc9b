// Image <-> feature pyramid on any onnxruntime flavour: the encoder gives the five-scale
// pyramid of an image; one scale's decoder draws an image from that scale's features (DDIM
// with classifier-free guidance). No DOM, no fetch: sessions are created by the caller.
import type { InferenceSession, OrtLike } from './ort';
import { allowedSteps, decoderKey, type Manifest, type ModelEntry } from '../lib/manifest';
import { blankNCHW } from '../lib/image';
import { buildPyramid } from '../lib/pyramid';
import { gaussian } from '../lib/rng';
import { decoderGuidance, sampleDDIM } from '../lib/sampler';
import type { GpuDecodeLoop } from './gpu-decode-loop';
import type { GpuEncoder } from './gpu-encoder';

export interface Sessions {
  encoder: InferenceSession;
  /** each scale's decoder by scale name, once created */
  decoders: Record<string, InferenceSession>;
  /** creates the decoder of a scale missing from `decoders` (PumaEngine: all but the first scale's
   * are created after its load); absent: every decoder is there. Called through `decoder`, which
   * shares a creation under way (one call per scale unless one fails) and files the session in
   * `decoders`. */
  createDecoder?: (scale: string) => Promise<InferenceSession>;
  /** other sessions the codec's decode uses (the ddim_step graph), released with it */
  extra?: InferenceSession[];
}

export interface EncodedPyramids {
  cond: Record<string, Float32Array>;
  uncond: Record<string, Float32Array>;
}

export interface DecodeHooks {
  onStep?: (step: number, steps: number, ms: number) => void;
  /** awaited before each step: throws to stop the decode */
  checkCancel?: () => Promise<void> | void;
}

/** An encoder-interface graph (the encoder, or the MLLM's reader) on `batch` NCHW images -> their
 * features [batch * tokens * C], checked against the manifest's size. */
export async function encoderFeatures(ort: Pick<OrtLike, 'Tensor'>, m: Manifest, session: InferenceSession, entry: ModelEntry, input: Float32Array, batch: number): Promise<Float32Array> {
  const s = m.image.size;
  const inName = entry.inputs![0].name;
  const outName = entry.outputs![0].name;
  const res = await session.run({ [inName]: new ort.Tensor('float32', input, [batch, 3, s, s]) });
  const feats = (await res[outName].getData()) as Float32Array;
  if (feats.length !== batch * m.scales[0].tokens * m.feature_dim) throw new Error(`encoder output has ${feats.length} values, manifest says ${batch}x${m.scales[0].tokens}x${m.feature_dim}`);
  return feats;
}

export class PyramidCodec {
  private uncondCache: Record<string, Float32Array> | null = null;
  /** decoders being created (sessions.createDecoder), by scale: whoever asks meanwhile gets the same promise */
  private readonly creating = new Map<string, Promise<InferenceSession>>();
  constructor(
    private ort: Pick<OrtLike, 'Tensor'>,
    readonly manifest: Manifest,
    readonly sessions: Sessions,
    /** WebGPU: the decode loop on the GPU (ddim_step graph); without it, DDIM runs on the CPU */
    readonly gpuLoop: GpuDecodeLoop | null = null,
    /** WebGPU with the GPU loop: the encoder one image a run (captured where the decoders are);
     * without it, the encoder session takes the whole batch */
    readonly gpuEncoder: GpuEncoder | null = null,
  ) {}

  get size() {
    return this.manifest.image.size;
  }

  /** Encoder on one prepared image; the blank image's pyramid (CFG's uncond) is computed once. */
  async encode(image: Float32Array): Promise<EncodedPyramids> {
    const m = this.manifest;
    const s = this.size;
    const per = 3 * s * s;
    const batch = this.uncondCache ? 1 : 2;
    const input = new Float32Array(batch * per);
    input.set(image, 0);
    if (batch === 2) input.set(blankNCHW(s), per);
    const feats = this.gpuEncoder ? await this.encodeEach(input, batch) : await encoderFeatures(this.ort, m, this.sessions.encoder, m.models.encoder, input, batch);
    const nTok = m.scales[0].tokens * m.feature_dim;
    const cond = buildPyramid(feats.slice(0, nTok), m.scales, m.feature_dim);
    if (!this.uncondCache) this.uncondCache = buildPyramid(feats.slice(nTok, 2 * nTok), m.scales, m.feature_dim);
    return { cond, uncond: this.uncondCache };
  }

  /** The GPU encoder's way: `batch` images one run each, their features end to end. */
  private async encodeEach(input: Float32Array, batch: number): Promise<Float32Array> {
    const per = input.length / batch;
    const parts: Float32Array[] = [];
    for (let b = 0; b < batch; b++) parts.push(await this.gpuEncoder!.encode(input.subarray(b * per, (b + 1) * per)));
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.forEach((p, b) => out.set(p, b * p.length));
    return out;
  }

  /** CFG's unconditional pyramid (the blank image's): encoded with the first image, or on its own
   * the first time it is asked for before any, and kept. Text-to-image needs only this, so it pays
   * no encoder call on later runs. */
  async uncond(): Promise<Record<string, Float32Array>> {
    return this.uncondCache ?? (await this.encode(blankNCHW(this.size))).uncond;
  }

  /** A scale's decoder session: created first if it is not yet (never twice: a creation under way
   * is shared). A creation that fails is forgotten, so the next call tries again. */
  decoder(scale: string): Promise<InferenceSession> {
    const made = this.sessions.decoders[scale];
    if (made) return Promise.resolve(made);
    const create = this.sessions.createDecoder;
    if (!create) return Promise.reject(new Error(`no decoder session for scale ${scale}`));
    let p = this.creating.get(scale);
    if (!p) {
      p = create(scale).then(
        (s) => {
          this.creating.delete(scale);
          this.sessions.decoders[scale] = s;
          return s;
        },
        (e: unknown) => {
          this.creating.delete(scale);
          throw e;
        },
      );
      this.creating.set(scale, p);
    }
    return p;
  }

  /** DDIM decode of one scale; returns x0 as NCHW [1,3,S,S] in about [-1,1]. */
  async decode(scale: string, pyr: EncodedPyramids, opts: { steps: number; guidance: number; seed: number }, hooks: DecodeHooks = {}): Promise<Float32Array> {
    const m = this.manifest;
    // the manifest keeps schedules the decoders are no longer valid at (step-distilled ones learnt one count): allowed_steps rules
    const allowed = allowedSteps(m.sampler);
    const schedule = allowed.includes(opts.steps) ? m.sampler.schedules[String(opts.steps)] : undefined;
    if (!schedule) throw new Error(`${opts.steps} steps: these decoders draw with ${allowed.join(', ')} steps`);
    const dec = m.models[decoderKey(m, scale)];
    const [xName, tName, cName] = dec.inputs!.map((i) => i.name);
    const vName = dec.outputs![0].name;
    // before the step clock starts: a decoder created here (the first use of a later scale) is no step's time
    const session = await this.decoder(scale);
    const spec = m.scales.find((x) => x.name === scale)!;
    const C = m.feature_dim;
    const cond2 = new Float32Array(2 * spec.tokens * C);
    cond2.set(pyr.cond[scale], 0);
    cond2.set(pyr.uncond[scale], spec.tokens * C);
    const s = this.size;
    let last = performance.now();
    const onStep = (step: number, steps: number) => {
      const now = performance.now();
      hooks.onStep?.(step, steps, now - last);
      last = now;
    };
    const guidance = decoderGuidance(opts.guidance, dec.distilled_guidance);
    // the GPU loop keeps its (cond, uncond) batch at any guidance: on a GPU a decoder call costs its
    // dispatches, not its batch, and the captured graph has one fixed shape
    if (this.gpuLoop) return this.gpuLoop.decode(session, cond2, [2, spec.tokens, C], gaussian(3 * s * s, opts.seed), schedule, guidance, { checkCancel: hooks.checkCancel, onStep });
    const condT = [1, 2].map((b) => new this.ort.Tensor('float32', cond2.slice(0, b * spec.tokens * C), [b, spec.tokens, C]));
    return sampleDDIM({
      xT: gaussian(3 * s * s, opts.seed),
      schedule,
      guidance,
      checkCancel: hooks.checkCancel,
      predict: async (x, t) => {
        const out = await session.run({
          [xName]: new this.ort.Tensor('float32', x, [t.length, 3, s, s]),
          [tName]: new this.ort.Tensor('float32', t, [t.length]),
          [cName]: condT[t.length - 1],
        });
        const v = out[vName];
        const data = (await v.getData()) as Float32Array;
        if (v.location === 'gpu-buffer') v.dispose();
        return data;
      },
      onStep,
    });
  }
}
