// The one module of the engine that imports onnxruntime. Everything else takes an `OrtLike`
// (the few members it uses), so the same engine runs on onnxruntime-web in a worker or on the
// main thread, onnxruntime-web's WebGPU build in Node (bench/gpu-bench.ts) and onnxruntime-node
// (bench/native.mjs).
import type * as OrtWeb from 'onnxruntime-web';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { EpChoice, Provider } from './protocol';

/** The part of an onnxruntime module the engine uses. */
export interface OrtLike {
  Tensor: {
    new (type: 'float32', data: Float32Array, dims: readonly number[]): Tensor;
    new (type: 'int64', data: BigInt64Array, dims: readonly number[]): Tensor;
    new (type: 'int32', data: Int32Array, dims: readonly number[]): Tensor;
  };
  InferenceSession: { create(bytes: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
}

export type { InferenceSession, Tensor };

/** An onnxruntime-web build: the JSEP one or the WASM-only one (the same API). */
export type WebOrt = typeof OrtWeb;

const builds: { jsep?: Promise<WebOrt>; wasm?: Promise<WebOrt> } = {};

/**
 * onnxruntime-web for the provider the page runs on, each build imported at most once per worker
 * (a WebGPU failure replaces the whole worker, loadSlice.ts). WebGPU needs the JSEP build (its
 * WebGPU kernels; Emscripten's Asyncify lets a run wait for the GPU). WASM alone takes the
 * WASM-only build: Asyncify makes the JSEP build's WASM kernels ~3x slower (one fp32 decoder call in
 * Chromium, 2-core VM: medians 36 and 47 ms against 139 and 133, bench/README.md "The WASM-only build"), and
 * its binary is 14 MB against 28 MB, so half the download and compile on a first visit. A worker
 * that already has the JSEP build runs WASM on it rather than load a second runtime.
 */
export function webOrtFor(provider: Provider): Promise<WebOrt> {
  if (provider === 'webgpu') return (builds.jsep ??= import('onnxruntime-web'));
  return builds.jsep ?? (builds.wasm ??= import('onnxruntime-web/wasm'));
}

export interface ProviderChoice {
  provider: Provider;
  reason?: string;
  adapter?: string;
  features: Set<string>;
  /** a CPU-emulated adapter (SwiftShader) chosen anyway (ep=webgpu): the MLLM stays on WASM */
  emulated?: boolean;
  /** the adapter probed, for onnxruntime's env.webgpu.adapter (so it does not pick a different one) */
  gpuAdapter?: unknown;
}

interface GpuLike {
  requestAdapter(): Promise<{ features: Set<string>; info?: { vendor?: string; architecture?: string; description?: string } } | null>;
}

/** WebGPU when an adapter exists (or is asked for), WASM otherwise; the reason is kept for the UI. */
export async function chooseProvider(ep: EpChoice): Promise<ProviderChoice> {
  if (ep === 'wasm') return { provider: 'wasm', reason: 'chosen in the address (ep=wasm)', features: new Set() };
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return { provider: 'wasm', reason: 'this browser has no WebGPU (navigator.gpu missing)', features: new Set() };
  let adapter: Awaited<ReturnType<GpuLike['requestAdapter']>> = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return { provider: 'wasm', reason: `WebGPU adapter request failed: ${(e as Error).message}`, features: new Set() };
  }
  if (!adapter) return { provider: 'wasm', reason: 'WebGPU is present but gave no adapter', features: new Set() };
  const info = (adapter.info ?? {}) as { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  // A CPU-emulated adapter (SwiftShader, or any fallback adapter) is correct but far slower than
  // WASM: measured here ~20 s per decoder step against ~60 ms (bench/README.md). Auto picks WASM.
  const emulated = !!info.isFallbackAdapter || /swiftshader/i.test(name);
  if (ep === 'auto' && emulated) {
    return { provider: 'wasm', reason: `WebGPU adapter is CPU-emulated (${name}); WASM is faster`, features: new Set() };
  }
  return { provider: 'webgpu', gpuAdapter: adapter, adapter: name, features: new Set([...adapter.features]), reason: ep === 'webgpu' ? 'chosen in the address (ep=webgpu)' : undefined, emulated };
}

/**
 * onnxruntime's WASM thread count: up to 4 where cross-origin isolated, on WebGPU too. There the
 * models run on the GPU, but creating their sessions runs on the CPU (constant folding of the int8
 * weights' DequantizeLinear uses the threads): on the H200 in Chromium, one thread made the encoder's
 * and first decoder's sessions 1.25-1.45x slower and the cold start no faster, although each further thread
 * is a worker loading the 28 MB module (bench/results/browser-gpu-h200-2026-12-02.md, 10:06).
 * `asked`: the address' ?threads=N, for such A/Bs (bench/browser-gpu).
 */
export function wasmThreads(asked?: number): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (!isolated) return 1;
  if (asked != null && Number.isInteger(asked) && asked >= 1) return Math.min(asked, 16);
  return Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));
}

/** Configures the wasm runtime: files from our own origin, `threads` threads; on WebGPU, the adapter
 * chooseProvider probed. */
export function configureWasm(ort: WebOrt, baseUrl: string, choice: ProviderChoice, threads: number): void {
  ort.env.logLevel = 'error'; // node-assignment warnings are expected (shape ops on CPU)
  ort.env.wasm.wasmPaths = new URL('ort/', baseUrl).href;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false; // the engine already runs off the page's thread (a worker)
  if (choice.gpuAdapter) (ort.env.webgpu as { adapter: unknown }).adapter = choice.gpuAdapter;
}

// ---- the runtime started before the first model's bytes are in ----
// protobuf, the two wire types an ONNX model needs: varints and length-delimited fields
const varint = (n: number): number[] => {
  const out: number[] = [];
  for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
};
const num = (field: number, n: number) => [...varint(field << 3), ...varint(n)];
const msg = (field: number, body: number[]) => [...varint((field << 3) | 2), ...varint(body.length), ...body];
const str = (field: number, s: string) => msg(field, [...new TextEncoder().encode(s)]);
// ValueInfoProto: name, a float tensor of shape [1]
const floatOne = (name: string) => [...str(1, name), ...msg(2, msg(1, [...num(1, 1), ...msg(2, msg(1, num(1, 1)))]))];

/** The smallest model onnxruntime accepts: one Identity on a float[1] (IR 8, opset 17), built here so
 * that starting the runtime needs no file, hence no manifest. */
export const RUNTIME_START_MODEL: Uint8Array = new Uint8Array([
  ...num(1, 8), // ir_version
  ...msg(8, num(2, 17)), // opset_import: the default domain, 17
  ...msg(7, [...msg(1, [...str(1, 'x'), ...str(2, 'y'), ...str(4, 'Identity')]), ...str(2, 'runtime-start'), ...msg(11, floatOne('x')), ...msg(12, floatOne('y'))]),
]);

/**
 * Starts onnxruntime's runtime for a provider: its WASM module compiled and instantiated, its threads,
 * on WebGPU its backend and device. The first session creation does this, whatever the model; a
 * one-node session created as soon as the provider is chosen does it while the manifest and the model
 * files are still being read, instead of inside the encoder's session creation (on the H200 in
 * Chromium that creation took ~0.55 s against ~0.2 s for a later one, bench/README.md). Resolves once
 * the runtime is up (the session is released), with how long its parts took; rejects as the first
 * session creation would.
 * The engine creates no session before it has settled: onnxruntime-web refuses a second
 * initialisation while one is under way.
 */
export async function startRuntime(ort: Pick<OrtLike, 'InferenceSession'>, provider: Provider | 'cpu'): Promise<{ wasmMs: number; backendMs?: number }> {
  const now = () => performance.now();
  const t0 = now();
  // on WebGPU in two steps, to time them apart: the WASM module (and its threads), then the backend
  const first = await ort.InferenceSession.create(RUNTIME_START_MODEL, sessionOptions(provider === 'webgpu' ? 'wasm' : provider));
  await first.release();
  const wasmMs = now() - t0;
  if (provider !== 'webgpu') return { wasmMs };
  const t1 = now();
  const session = await ort.InferenceSession.create(RUNTIME_START_MODEL, sessionOptions(provider));
  await session.release();
  return { wasmMs, backendMs: now() - t1 };
}

/** Options for the encoder and decoders on a provider ('cpu' is onnxruntime-node's). */
export function sessionOptions(provider: Provider | 'cpu'): InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    // errors only: at warning level each WebGPU session prints (as a console error) that "some
    // nodes were not assigned to the preferred execution providers", which is ORT placing the
    // encoder's shape computations on the CPU on purpose; harmless, and it would teach users to
    // ignore red lines in the console
    logSeverityLevel: 3,
    // weights stored int8 behind DequantizeLinear (training/half_weights.py) are dequantized once, when
    // the session is created: with onnxruntime's QDQ handling off, constant folding turns each into an
    // fp32 initializer (as it does the fp16-stored weights' Casts) and the graph computes in fp32 on
    // exactly the golden vectors' weights. With it on, onnxruntime fuses DequantizeLinear + MatMul into
    // MatMulNBits, whose int8 activations miss the golden vectors by ~3e-2. The int8 decoders
    // (ConvInteger, no DequantizeLinear) are untouched by it.
    extra: { session: { disable_quant_qdq: '1' } },
  };
}

/** How the WebGPU decoders run. 'gpu': the DDIM loop stays on the GPU (the ddim_step graph,
 * workers/engine/gpu-decode-loop.ts); 'cpu': every step reads v back and updates x on the CPU.
 * graphCapture (GPU loop only: it needs its inputs in fixed GPU buffers) records each session's
 * kernels on its first run and replays them afterwards. */
export interface GpuDecodeChoice {
  loop: 'gpu' | 'cpu';
  graphCapture: boolean;
}
// capture on: the GPU loop without it paid per dispatch (~300 nodes a call) and measured no faster
// than the CPU loop on an H200 (issue 19); where capture fails the loop falls back without it
export const DEFAULT_GPU_DECODE: GpuDecodeChoice = { loop: 'gpu', graphCapture: true };

/** Options for the GPU loop's sessions: the decoders and the ddim_step graph, run on a batch of two
 * (cond, uncond), and the encoder, one image a run (`batch` 1, gpu-encoder.ts). Fixing the free batch
 * dimension lets onnxruntime fold every shape computation into constants, which on WebGPU moves the
 * last nodes off the CPU (93 Shape/Gather/Concat nodes per decoder, 93 in the encoder, otherwise)
 * and is what graph capture requires. The CPU loop keeps the batch free: with guidance-distilled
 * decoders it runs one pass a step at the default guidance and the pair otherwise (lib/sampler.ts).
 * Not on WASM either: measured no faster there (bench/wasm-profile.mjs). In the GPU loop outputs
 * stay on the GPU. */
export function decodeSessionOptions(provider: Provider | 'cpu', choice: GpuDecodeChoice, batchDim?: string, batch = 2): InferenceSession.SessionOptions {
  const gpuLoop = provider === 'webgpu' && choice.loop === 'gpu';
  const base: InferenceSession.SessionOptions = { ...sessionOptions(provider), ...(gpuLoop && batchDim ? { freeDimensionOverrides: { [batchDim]: batch } } : {}) };
  if (!gpuLoop) return base;
  if (!choice.graphCapture) return { ...base, preferredOutputLocation: 'gpu-buffer' };
  // onnxruntime-web hands enableGraphCapture to the WebGPU EP only when the EP is given as an
  // object; with the plain string the JS side binds buffers once but the EP never captures
  return { ...base, executionProviders: [{ name: 'webgpu' }], preferredOutputLocation: 'gpu-buffer', enableGraphCapture: true };
}

/** The GPUDevice of an onnxruntime module's WebGPU backend (exists once a WebGPU session does). */
export async function ortDevice(ort: unknown): Promise<unknown> {
  return (ort as { env?: { webgpu?: { device?: unknown } } }).env?.webgpu?.device;
}

/** Session options for the MLLM graph(s). The int8 weights are dequantized once, at session
 * creation: with onnxruntime's QDQ handling off, constant folding turns each weight's
 * DequantizeLinear into an fp32 initializer, and the MatMuls run as plain fp32 MatMuls on exactly
 * the values the golden vectors were computed with. With QDQ handling on, onnxruntime fuses each
 * DequantizeLinear + MatMul into MatMulNBits, which on WASM cost ~50 ms of every call whatever its
 * length (2-core WASM, `node bench/mllm.mjs`: plan 643 -> 86 ms, f0 written 1404 -> 654 ms, with
 * the chips 2938 -> 810 ms); the accuracy level stays at 1 (fp32 activations) should a fusion
 * happen anyway. The fp32 weights take ~58 MB more memory than int8 (19.4M weights at 4 bytes
 * instead of 1: computed, not measured). On WebGPU (`nLayer` given) the KV cache
 * (present_key_i / present_value_i) stays in GPU buffers: the next call is fed them as past_*
 * without a copy (workers/mllm/graph-runner.ts disposes each when it is replaced); only logits,
 * feature and delta, which the loop and the decoders read, come back to the CPU. */
export function mllmSessionOptions(provider: 'webgpu' | 'wasm' | 'cpu', nLayer = 0): InferenceSession.SessionOptions {
  const base: InferenceSession.SessionOptions = { ...sessionOptions(provider === 'webgpu' ? 'webgpu' : provider), extra: { session: { disable_quant_qdq: '1', qdq_matmulnbits_accuracy_level: '1' } } };
  if (provider !== 'webgpu') return base;
  if (!(nLayer > 0)) throw new Error('mllmSessionOptions: WebGPU needs the layer count (the KV outputs kept on the GPU)');
  const onGpu: Record<string, 'gpu-buffer'> = {};
  for (let i = 0; i < nLayer; i++) for (const kv of ['key', 'value']) onGpu[`present_${kv}_${i}`] = 'gpu-buffer';
  return { ...base, preferredOutputLocation: onGpu };
}

/** Options for one captured session of the single MLLM graph (workers/mllm/captured-graph.ts): every
 * free dimension fixed (graph capture replays one shape), every output in a GPU buffer the session
 * owns, weights dequantized at creation as in mllmSessionOptions. */
export function mllmCaptureOptions(shape: { seq: number; past: number; nLogits: number }): InferenceSession.SessionOptions {
  return {
    ...mllmSessionOptions('wasm'),
    // onnxruntime-web hands enableGraphCapture to the WebGPU EP only when the EP is given as an object
    executionProviders: [{ name: 'webgpu' }],
    enableGraphCapture: true,
    preferredOutputLocation: 'gpu-buffer',
    freeDimensionOverrides: { batch: 1, seq: shape.seq, past_seq: shape.past, total_seq: shape.past + shape.seq, n_logits: shape.nLogits },
  };
}

export interface DeviceLike {
  lost: Promise<{ message: string; reason?: string }>;
  destroy(): void;
}

/** The GPUDevice ort's WebGPU backend uses (a promise once a session exists), to watch for loss. */
export async function webgpuDevice(ort: WebOrt): Promise<DeviceLike | undefined> {
  try {
    return ((await ort.env.webgpu.device) as DeviceLike | undefined) ?? undefined;
  } catch {
    return undefined;
  }
}
