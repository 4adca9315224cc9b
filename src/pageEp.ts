// The execution provider the address asks for (?ep=wasm, ?ep=webgpu; otherwise auto): read by the
// store, which starts that provider's runtime while the page boots, and by App, which loads with it.
// ?threads=N: onnxruntime's WASM thread count instead of its default (workers/engine/ort.ts
// wasmThreads), and ?warm=0: no warm-up runs at the load (PumaEngine warmUp), for A/Bs of the cold start.
import type { EpChoice } from '../workers/engine/protocol';

export function epFromUrl(): EpChoice {
  const ep = new URLSearchParams(location.search).get('ep');
  return ep === 'wasm' || ep === 'webgpu' ? ep : 'auto';
}

export function threadsFromUrl(): number | undefined {
  const n = Number(new URLSearchParams(location.search).get('threads'));
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

export function warmUpFromUrl(): boolean | undefined {
  return new URLSearchParams(location.search).get('warm') === '0' ? false : undefined;
}
