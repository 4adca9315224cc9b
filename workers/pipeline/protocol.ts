// The one typed interface between the page and the pipeline worker (comlink). Progress comes
// back as a stream of PipelineEvent values through a single callback.
import type { RGBAImage } from '../lib/image';
import type { TaskApi, TaskEvent } from './tasks-protocol';

export type Provider = 'webgpu' | 'wasm';

/**
 * Prefix of the error the worker throws when WebGPU fails (session creation, or device lost
 * mid-run). The page then replaces the worker with a fresh WASM one: after a device loss the
 * onnxruntime-web instance that used WebGPU cannot be trusted to run anything (measured: a WASM
 * session created in it hung on its first run).
 */
export const WEBGPU_FAILED = 'webgpu-failed: ';
export type EpChoice = 'auto' | Provider;

export interface InitOptions {
  /** Absolute URL of the site root (document.baseURI): models and ort files are found from it. */
  baseUrl: string;
  ep: EpChoice;
  /** Skip the Cache API (tests, or when the page decides storage is off). */
  noCache?: boolean;
}

export interface ReconstructRequest {
  image: RGBAImage; // any size; the worker composites on white and resizes
  scales: string[]; // in the order to run, e.g. ['f4','f3','f2','f1','f0']
  steps: number;
  guidance: number;
  seed: number;
}

export type PipelineEvent =
  | { type: 'provider'; provider: Provider; reason?: string; adapter?: string; threads: number; isolated: boolean; shaderF16: boolean }
  | { type: 'cache'; status: 'ok' | 'unavailable'; reason?: string }
  | { type: 'load'; model: string; file: string; loaded: number; total: number; source: 'network' | 'cache'; totalLoaded: number; totalBytes: number }
  | { type: 'loaded'; ms: number; fromCache: boolean; bytes: number }
  | { type: 'input'; image: RGBAImage }
  | { type: 'encoded'; ms: number }
  | { type: 'step'; scale: string; step: number; steps: number }
  | { type: 'image'; scale: string; image: RGBAImage; ms: number; psnr?: number; stepMs: number[] }
  | { type: 'mllm'; tokens: number; total: number; scale?: string; ms: number }
  | { type: 'recommend'; scale: string; scores: Record<string, number> }
  | { type: 'done'; ms: number }
  | { type: 'cancelled' }
  | { type: 'fallback'; from: Provider; to: Provider; reason: string }
  | TaskEvent; // issue 5: conditional tasks and understanding (tasks-protocol.ts)

export interface InitResult {
  provider: Provider;
  scales: string[];
  steps: number;
  allowedSteps: number[];
  guidance: number;
  imageSize: number;
  /** The MLLM is in the manifest and loaded: text-to-image is available. */
  textToImage: boolean;
}

export interface TextToImageRequest {
  prompt: string;
  scales: string[]; // decode order, e.g. ['f4','f3','f2','f1','f0']
  steps: number;
  guidance: number;
  seed: number;
}

/** Decode the last prompt's generated features again, with another seed (no MLLM run). */
export interface VariationsRequest {
  prompt: string; // must be the last generated prompt
  scales: string[];
  steps: number;
  guidance: number;
  seed: number;
}

export type EventSink = (e: PipelineEvent) => void;

export interface PipelineApi extends TaskApi {
  init(opts: InitOptions, onEvent: EventSink): Promise<InitResult>;
  reconstruct(req: ReconstructRequest, onEvent: EventSink): Promise<'done' | 'cancelled'>;
  textToImage(req: TextToImageRequest, onEvent: EventSink): Promise<'done' | 'cancelled'>;
  variations(req: VariationsRequest, onEvent: EventSink): Promise<'done' | 'cancelled'>;
  cancel(): void;
}
