// Where the MLLM runs, and how it falls back. On a real GPU (the engine on WebGPU, the adapter not
// CPU-emulated: load-in-browser.ts decides) the single MLLM graph runs on WebGPU with its KV cache
// in GPU buffers between calls (ort.ts mllmSessionOptions). If that session cannot be created the
// MLLM is created on WASM instead; if a call on it fails, the session is replaced by a WASM one
// and the engine runs the task again (puma-engine.ts runNow). Either way the encoder and decoders
// keep their provider, and `where` says what happened, for the page's badge.
import { Tokenizer, type TokenizerJson } from '../mllm/tokenizer';
import type { GraphSession, MllmSessions } from '../mllm/graph-runner';
import type { MllmSpec } from '../lib/manifest';
import { createSession, type ModelBytes } from './model-bytes';
import { mllmCaptureOptions, mllmSessionOptions, ortDevice, type InferenceSession, type OrtLike } from './ort';
import { CapturedMllm, type CaptureOrt } from '../mllm/captured-graph';
import type { GpuDeviceLike } from './gpu-decode-loop';

export type MllmProvider = 'webgpu' | 'wasm' | 'cpu';

export interface MllmWhere {
  provider: MllmProvider;
  /** why it is not on WebGPU when the decoders are (or why it left WebGPU) */
  reason?: string;
}

/** A call of the MLLM on WebGPU failed (not a cancel): the engine moves it to WASM and retries. */
export class MllmGpuFailure extends Error {}

/** The MLLM's graph(s) and its tokenizer from their bytes (the engine's load, and the MLLM tests):
 * one graph `{ mllm }` or the pair `{ mllm_prefill, mllm_step }`. WebGPU takes the single graph
 * only, and the spec's layer count (which outputs stay on the GPU). */
export async function createMllmSessions(ort: OrtLike, provider: MllmProvider, graphs: Record<string, ModelBytes>, tokenizer: Uint8Array, spec?: Pick<MllmSpec, 'n_layer'>) {
  if (provider === 'webgpu' && !graphs.mllm) throw new Error('the two-file MLLM (mllm_prefill + mllm_step) runs on WASM only');
  const mo = mllmSessionOptions(provider, spec?.n_layer);
  const sessions: MllmSessions = graphs.mllm
    ? { single: await createSession(ort, graphs.mllm, mo) }
    : { prefill: await createSession(ort, graphs.mllm_prefill, mo), step: await createSession(ort, graphs.mllm_step, mo) };
  return { sessions, tokenizer: new Tokenizer(JSON.parse(new TextDecoder().decode(tokenizer)) as TokenizerJson) };
}

/** The single graph's session, movable from WebGPU to WASM once. The generator holds this, so a
 * move needs no new generator; a cache made on one session is never fed to the other (the engine
 * restarts the task after a move). */
export class PlacedMllmSession implements GraphSession {
  constructor(
    private session: InferenceSession,
    public where: MllmWhere,
    private readonly onWasm: (() => Promise<InferenceSession>) | null,
    /** the same graph run captured (WebGPU), released with this session or when it moves to WASM */
    private captured: CapturedMllm | null = null,
  ) {}

  /** Can still move to WASM (it is on WebGPU and has the bytes to). */
  get movable(): boolean {
    return this.where.provider === 'webgpu' && this.onWasm !== null;
  }

  run(feeds: InferenceSession.FeedsType): Promise<InferenceSession.ReturnType> {
    if (this.where.provider !== 'webgpu') return this.session.run(feeds);
    return this.session.run(feeds).catch((e: unknown) => {
      throw new MllmGpuFailure(`the MLLM failed on WebGPU: ${(e as Error)?.message ?? String(e)}`);
    });
  }

  /** From now on the MLLM runs on WASM; `reason` is shown on the badge. */
  async moveToWasm(reason: string): Promise<void> {
    if (!this.movable) throw new Error('the MLLM cannot move to WASM (not on WebGPU, or no bytes kept)');
    const old = this.session;
    this.session = await this.onWasm!();
    this.where = { provider: 'wasm', reason };
    old.release().catch(() => undefined);
    this.captured?.release();
    this.captured = null;
  }

  release() {
    this.session.release().catch(() => undefined);
    this.captured?.release();
  }
}

/**
 * The MLLM's sessions where `want` says. WebGPU: the single graph with its KV cache on the GPU,
 * the bytes kept (~20 MB) to create the WASM session if a call fails later; a WebGPU session that
 * cannot be created gives the WASM one at once, with the reason in `where`. With `capture` (the
 * default) the WebGPU graph also runs captured (captured-graph.ts: its sessions are made between runs
 * after the load, PumaEngine's warm-up, or by the first call that needs one); the plain session is what
 * a failed capture falls back to.
 */
export async function placeMllm(ort: OrtLike, want: MllmWhere, graphs: Record<string, ModelBytes>, tokenizer: Uint8Array, spec: MllmSpec, capture = true) {
  const onWasm = () => createSession(ort, graphs.mllm, mllmSessionOptions('wasm'));
  let where = want;
  if (want.provider === 'webgpu') {
    if (!graphs.mllm) where = { provider: 'wasm', reason: 'the two-file MLLM runs on WASM only' };
    else {
      try {
        const made = await createMllmSessions(ort, 'webgpu', graphs, tokenizer, spec);
        const device = capture ? ((await ortDevice(ort)) as GpuDeviceLike | undefined) : undefined;
        const captured = device ? new CapturedMllm(ort as unknown as CaptureOrt, device, spec, (shape) => createSession(ort, graphs.mllm, mllmCaptureOptions(shape))) : null;
        const session = new PlacedMllmSession((made.sessions as { single: InferenceSession }).single, want, onWasm, captured);
        return { sessions: { single: session, ...(captured ? { captured } : {}) } as MllmSessions, tokenizer: made.tokenizer, placed: session as PlacedMllmSession | null, where };
      } catch (e) {
        where = { provider: 'wasm', reason: `WebGPU session creation failed for the MLLM: ${(e as Error).message}` };
      }
    }
  }
  const made = await createMllmSessions(ort, where.provider, graphs, tokenizer, spec);
  const sessions = made.sessions;
  // a single graph is wrapped too, so the engine reports where it runs the same way
  const placed = 'single' in sessions ? new PlacedMllmSession(sessions.single as InferenceSession, where, null) : null;
  return { sessions: placed ? ({ single: placed } as MllmSessions) : sessions, tokenizer: made.tokenizer, placed, where };
}
