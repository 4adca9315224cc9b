// The engine's vocabulary shared with the page: providers, load options, and the two event
// streams (loading progress while models load; run events while a task runs). Request types
// live with their tasks (workers/engine/tasks/*), the engine's API in engine-api.ts.
import type { RGBAImage } from '../lib/image';
import type { Manifest } from '../lib/manifest';
import type { PlanInfo } from '../mllm/plan';
import type { LoadFailureReason } from './load-failure';

export type Provider = 'webgpu' | 'wasm';
export type EpChoice = 'auto' | Provider;

/** Where the MLLM runs, and why not on WebGPU where the decoders are. */
export interface MllmPlace {
  provider: Provider;
  reason?: string;
}

export interface LoadOptions {
  /** Absolute URL of the site root (document.baseURI): models and ort files are found from it. */
  baseUrl: string;
  ep: EpChoice;
  /** Skip the Cache API (tests, or when the page decides storage is off). */
  noCache?: boolean;
  /** onnxruntime's WASM thread count (the address' ?threads=N), else ort.ts wasmThreads' default.
   * Fixed once the runtime starts (a WASM fallback loads in a fresh worker). */
  threads?: number;
  /** false (the address' ?warm=0): no warm-up runs at the load (PumaEngine warmUp), for A/Bs */
  warmUp?: boolean;
}

/** The runtime's start, part by part (ms; ort.ts startRuntime): choosing the provider (the adapter
 * request), importing onnxruntime's build, its WASM module with its threads, and on WebGPU its
 * backend and device. `at`: when it began, ms after the worker started. */
export interface RuntimeStartTimes {
  at: number;
  adapterMs: number;
  importMs: number;
  wasmMs: number;
  backendMs?: number;
}

/** Where the MLLM's load is: 'loading' while it goes on after the engine became usable for the
 * visual tasks, 'none' when the manifest (or the caller) has no MLLM. */
export type MllmStatus = 'none' | 'loading' | 'ready' | 'failed';

/** Where one model file is: every file the load reads starts 'queued'. */
export type FileState = 'queued' | 'downloading' | 'verifying' | 'ready' | 'failed';

/** Model loading progress: only while the engine loads. */
export type LoadEvent =
  /** the validated manifest, before any model file is read (the page's limits and labels) */
  | { type: 'manifest'; manifest: Manifest }
  /** a file changed state; `mllm` files only disable the MLLM's tasks, the others everything */
  | { type: 'file'; model: string; file: string; bytes: number; mllm: boolean; state: FileState; reason?: LoadFailureReason; message?: string }
  | { type: 'cache'; status: 'ok' | 'unavailable'; reason?: string }
  | { type: 'load'; model: string; file: string; loaded: number; total: number; source: 'network' | 'cache'; totalLoaded: number; totalBytes: number }
  /** where the encoder and decoders run (`provider`) and where the MLLM does (`mllm`, when loaded) */
  | { type: 'provider'; provider: Provider; reason?: string; adapter?: string; threads: number; isolated: boolean; shaderF16: boolean; mllm?: MllmPlace }
  /** the encoder and the first image's decoder exist (ms since the load began; the other decoders
   * are created after it: PumaEngine.load; `phases`: PumaEngine.loadPhases so far) */
  | { type: 'loaded'; ms: number; fromCache: boolean; bytes: number; phases?: Record<string, number>; runtimeStart?: RuntimeStartTimes }
  /** what the engine offers now: the visual tasks run from here on; with `info.mllmLoading` the
   * MLLM goes on loading and 'mllm-loaded' follows, else this is the stream's last event */
  | { type: 'ready'; info: EngineInfo }
  /** the MLLM's load ended (the stream's last event): loaded (`ok`, where it runs) or why not; ms
   * since the load began, every phase of the load, and whether every file came from the cache */
  | { type: 'mllm-loaded'; ok: boolean; reason?: string; ms: number; mllm?: MllmPlace; fromCache: boolean; phases?: Record<string, number> };

/** What a running task reports, in order of occurrence; the last event is 'done' or 'cancelled'. */
export type RunEvent =
  /** the image as the model sees it (composited on white, resized) */
  | { type: 'input'; image: RGBAImage }
  /** what the encoder was given: grayscale / masked / edge map / the image itself */
  | { type: 'source'; image: RGBAImage }
  | { type: 'encoded'; ms: number }
  /** what the MLLM will draw (a model with a plan), before its first image token */
  | { type: 'plan'; plan: PlanInfo }
  /** MLLM progress in feature tokens; with `scale` when that scale's last token exists */
  | { type: 'mllm'; tokens: number; total: number; scale?: string; ms: number }
  | { type: 'step'; scale: string; step: number; steps: number }
  | { type: 'image'; scale: string; image: RGBAImage; ms: number; psnr?: number; stepMs: number[] }
  /** scores: the task's candidate scales (manifest scale_choice) as scored; empty when one candidate needed none */
  | { type: 'recommend'; scale: string; scores: Record<string, number> }
  /** one more piece of a streamed text answer */
  /** `alternatives`: a picked answer's (manifest mllm.pick) candidates, best first, each with its share of the model's likelihood */
  | { type: 'text'; piece: string; text: string; tokens: number; alternatives?: { text: string; p: number }[] }
  /** the MLLM failed on WebGPU and runs on WASM from now on; the task starts again */
  | { type: 'mllm-provider'; provider: Provider; reason?: string }
  | { type: 'done'; ms: number }
  | { type: 'cancelled' };

export type LoadSink = (e: LoadEvent) => void;
export type RunSink = (e: RunEvent) => void;

/** What the loaded engine offers the page. */
export interface EngineInfo {
  provider: Provider;
  /** finest first, as in the manifest */
  scales: { name: string; label: string }[];
  steps: number;
  allowedSteps: number[];
  guidance: number;
  imageSize: number;
  /** The MLLM is in the manifest and loaded: text-to-image and the MLLM tasks are available. */
  textToImage: boolean;
  /** The MLLM is still loading (in the background): 'mllm-loaded' says when it is ready or failed. */
  mllmLoading: boolean;
}

/** Instruction/question suggestions and limits, from the manifest's mllm.prompts. */
export interface TaskInfo {
  available: boolean;
  reason?: string;
  instructions: { label: string; text: string; kind: 'tone' | 'style' }[];
  questions: { label: string; text: string }[];
  taskPrompts: { colorize: string; inpaint: string; sketch: string; caption: string };
  /** longest instruction/question the context leaves room for, in tokens */
  maxInstructionTokens: number;
  maxQuestionTokens: number;
}
