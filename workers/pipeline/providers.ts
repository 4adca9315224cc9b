// Which onnxruntime-web execution provider to use, decided in the worker where it runs.
import * as ort from 'onnxruntime-web';
import type { EpChoice, Provider } from './protocol';

export interface ProviderChoice {
  provider: Provider;
  reason?: string;
  adapter?: string;
  features: Set<string>;
}

interface GpuLike {
  requestAdapter(): Promise<{ features: Set<string>; info?: { vendor?: string; architecture?: string; description?: string } } | null>;
}

/** WebGPU when an adapter exists (or is asked for), WASM otherwise; the reason is kept for the UI. */
export async function chooseProvider(ep: EpChoice): Promise<ProviderChoice> {
  if (ep === 'wasm') return { provider: 'wasm', reason: 'chosen with ?ep=wasm', features: new Set() };
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
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
  if (ep === 'auto' && (info.isFallbackAdapter || /swiftshader/i.test(name))) {
    return { provider: 'wasm', reason: `WebGPU adapter is CPU-emulated (${name}); WASM is faster`, features: new Set() };
  }
  // hand ort the adapter we probed, so it does not pick a different one
  (ort.env.webgpu as unknown as { adapter: unknown }).adapter = adapter;
  return { provider: 'webgpu', adapter: name, features: new Set([...adapter.features]), reason: ep === 'webgpu' ? 'chosen with ?ep=webgpu' : undefined };
}

/** Configures the wasm runtime: files from our own origin, threads where cross-origin isolated. */
export function configureWasm(baseUrl: string): number {
  ort.env.wasm.wasmPaths = new URL('ort/', baseUrl).href;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const threads = isolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false; // we already are a worker
  return threads;
}

export function sessionOptions(provider: Provider): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    // the WebGPU EP keeps outputs on CPU by default; fine for our small tensors
  };
}

interface DeviceLike {
  lost: Promise<{ message: string; reason?: string }>;
  destroy(): void;
}

/** The GPUDevice ort's WebGPU backend uses (a promise once a session exists), to watch for loss. */
export async function webgpuDevice(): Promise<DeviceLike | undefined> {
  try {
    return (await (ort.env.webgpu as unknown as { device: Promise<DeviceLike> }).device) ?? undefined;
  } catch {
    return undefined;
  }
}

export { ort };
