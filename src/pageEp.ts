// The execution provider the address asks for (?ep=wasm, ?ep=webgpu; otherwise auto): read by the
// store, which starts that provider's runtime while the page boots, and by App, which loads with it.
import type { EpChoice } from '../workers/engine/protocol';

export function epFromUrl(): EpChoice {
  const ep = new URLSearchParams(location.search).get('ep');
  return ep === 'wasm' || ep === 'webgpu' ? ep : 'auto';
}
