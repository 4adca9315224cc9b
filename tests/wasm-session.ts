// A shipped model's file in onnxruntime-web's WASM backend under Node with the page's session options, and the parity
// check every small model's golden vectors get (the key's, the tone editor's): one place, so they are run alike.
import { expect } from 'vitest';
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { requireFile } from './models';
import { expectClose, goldenTensor, readGolden, type Golden } from './golden';
import { sessionOptions, type InferenceSession } from '../workers/engine/ort';
import type { ModelEntry } from '../workers/lib/manifest';

ort.env.wasm.numThreads = 1;

/** The session of a manifest entry's first variant (its file relative to the models folder). */
export async function wasmSession(entry: ModelEntry): Promise<InferenceSession> {
  const bytes = new Uint8Array(readFileSync(requireFile(entry.variants![0].file)));
  return (await ort.InferenceSession.create(bytes, sessionOptions('wasm'))) as unknown as InferenceSession;
}

/** The session run on golden inputs `g` (exactly the manifest entry's inputs) reproduces its outputs, within the
 * tolerance the golden names; `label` names the model in the messages. */
export async function expectGoldenOutputs(session: InferenceSession, g: Golden, entry: ModelEntry, label: string) {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(g.inputs)) feeds[k] = new ort.Tensor('float32', goldenTensor(t), t.shape);
  expect(Object.keys(feeds).sort()).toEqual(entry.inputs!.map((i) => i.name).sort());
  const out = await session.run(feeds as never);
  for (const [k, t] of Object.entries(g.outputs)) {
    expect(out[k], `output ${k}`).toBeDefined();
    expect(out[k].dims).toEqual(t.shape);
    expectClose(out[k].data as Float32Array, t, g, `${label}.${k}`);
  }
}

/** The model `name`'s own golden vectors (the manifest entry's), made for it and naming their tolerance, reproduced
 * (expectGoldenOutputs). -> the golden vectors, for a test's further checks. */
export async function expectGoldenParity(session: InferenceSession, name: string, entry: ModelEntry): Promise<Golden> {
  const g = readGolden(entry.golden!);
  expect(g.model).toBe(name);
  // the golden says how close is close, as every exporter's golden does (tests/golden.ts expectClose)
  expect([typeof g.atol, typeof g.rtol], `${entry.golden} names its tolerance (atol, rtol): the export passes them to write_golden`).toEqual(['number', 'number']);
  await expectGoldenOutputs(session, g, entry, name);
  return g;
}
