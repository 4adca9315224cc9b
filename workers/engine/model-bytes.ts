// A model as onnxruntime takes it: the graph's bytes and, for a graph whose weights live in ONNX
// external data files (the MLLM: no file we ship passes 16 MiB), those files' bytes under the
// names the graph refers to them by.
import { variantFiles, type ModelFile, type ModelVariant } from '../lib/manifest';
import type { InferenceSession, OrtLike } from './ort';

export interface ModelBytes {
  graph: Uint8Array;
  externalData: { path: string; data: Uint8Array }[];
}

/** Reads every file of a variant with `read` (each checked by whoever reads it), together. */
export async function readModel(read: (f: ModelFile) => Promise<Uint8Array>, v: ModelVariant): Promise<ModelBytes> {
  const [graph, ...data] = await Promise.all(variantFiles(v).map(read));
  return { graph, externalData: (v.external_data ?? []).map((f, i) => ({ path: f.file, data: data[i] })) };
}

export function createSession(ort: OrtLike, m: ModelBytes, options: InferenceSession.SessionOptions): Promise<InferenceSession> {
  return ort.InferenceSession.create(m.graph, m.externalData.length ? { ...options, externalData: m.externalData } : options);
}
