// The MLLM's part of a load, which may go on after the engine is usable for the visual tasks
// (PumaEngine.load with mllm: 'background'): its files are read while the visual sessions are
// created, and its session is created when no run holds onnxruntime (`turn`), so a reconstruction
// started meanwhile never shares the runtime with a session creation.
import type { MllmSpec, ModelFile, ModelVariant } from '../lib/manifest';
import { MllmGenerator } from '../mllm/generate';
import { placeMllm, type MllmWhere, type PlacedMllmSession } from './mllm-placement';
import { readModel, type ModelBytes } from './model-bytes';
import type { OrtLike } from './ort';

export interface MllmPlan {
  graphs: { name: string; variant: ModelVariant }[];
  tokenizer: { name: string; file: string; sha256: string; bytes: number };
}

export interface MllmFiles {
  graphs: Record<string, ModelBytes>;
  tokenizer: Uint8Array;
}

/** Where the MLLM's load ended: `mllm` when it loaded, `reason` when it did not. */
export interface MllmLoaded {
  mllm: MllmGenerator | null;
  placed: PlacedMllmSession | null;
  where: MllmWhere | null;
  reason?: string;
}

/** Reads the tokenizer and every graph file (each checked by `read`), together. */
export async function readMllmFiles(p: MllmPlan, read: (model: string, f: ModelFile) => Promise<Uint8Array>): Promise<MllmFiles> {
  const [tokenizer, ...got] = await Promise.all([read(p.tokenizer.name, p.tokenizer), ...p.graphs.map((g) => readModel((f) => read(g.name, f), g.variant))]);
  return { graphs: Object.fromEntries(p.graphs.map((g, i) => [g.name, got[i]])), tokenizer };
}

/**
 * The files, then the session(s) where `want` says, created inside `turn` (the engine's: it waits
 * for a run in flight to end and makes runs wait for it). Never rejects: a failure is the reason
 * the page shows for the MLLM's tasks; reconstruction works without it.
 */
export async function loadMllm(ort: OrtLike, spec: MllmSpec, want: MllmWhere, files: Promise<MllmFiles>, turn: <T>(job: () => Promise<T>) => Promise<T>): Promise<MllmLoaded> {
  try {
    const f = await files;
    const placed = await turn(() => placeMllm(ort, want, f.graphs, f.tokenizer, spec));
    return { mllm: new MllmGenerator(ort, spec, placed.tokenizer, placed.sessions), placed: placed.placed, where: placed.where };
  } catch (e) {
    console.warn('MLLM not loaded:', e);
    return { mllm: null, placed: null, where: null, reason: (e as Error)?.message ?? String(e) };
  }
}
