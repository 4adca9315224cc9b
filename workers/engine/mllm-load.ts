// The MLLM's part of a load, which may go on after the engine is usable for the visual tasks
// (PumaEngine.load with mllm: 'background'): its files are read while the visual sessions are
// created, and its session is created when no run holds onnxruntime (`turn`), so a reconstruction
// started meanwhile never shares the runtime with a session creation. A model with a reader (manifest
// mllm.reader) loads its reader encoder here too, as one more of the MLLM's files and sessions: without
// it the MLLM cannot read a given image, and nothing else needs it. A model that picks (manifest mllm.pick) reads
// its gallery here too, and, like the reader, cannot answer as it was measured without it: a gallery that
// cannot be read fails the MLLM's load (the page names the file, with a retry).
import type { Manifest, MllmSpec, ModelEntry, ModelFile, ModelVariant } from '../lib/manifest';
import { parseWords } from '../lib/words';
import { Gallery } from '../mllm/gallery';
import { MllmGenerator } from '../mllm/generate';
import { placeMllm, type MllmWhere, type PlacedMllmSession } from './mllm-placement';
import { createSession, readModel, type ModelBytes } from './model-bytes';
import type { InferenceSession, OrtLike } from './ort';
import { ReaderEncoder } from './reader';

export interface MllmPlan {
  graphs: { name: string; variant: ModelVariant }[];
  tokenizer: { name: string; file: string; sha256: string; bytes: number };
  /** a model with a reader: the reader encoder's variant (chosen as the encoder's is) */
  reader?: { name: string; variant: ModelVariant };
  /** the word list (manifest role "words"): its trained concepts' names are what the plan's drafts guess */
  words?: { name: string; file: string; sha256: string; bytes: number };
  /** a model that picks (manifest mllm.pick): its gallery file and entry */
  gallery?: { name: string; file: string; sha256: string; bytes: number; entry: ModelEntry };
}

export interface MllmFiles {
  graphs: Record<string, ModelBytes>;
  tokenizer: Uint8Array;
  reader?: ModelBytes;
  /** the trained concepts' names (none when the manifest lists no words or they could not be read) */
  concepts: string[];
  /** a model that picks: its gallery, its names from the word list */
  gallery?: Gallery;
}

/** Where the MLLM's load ended: `mllm` when it loaded, `reason` when it did not. */
export interface MllmLoaded {
  mllm: MllmGenerator | null;
  placed: PlacedMllmSession | null;
  where: MllmWhere | null;
  /** a model with a reader: its encoder session (null without one) */
  reader: ReaderEncoder | null;
  reason?: string;
}

/** Reads the tokenizer, every graph file and the reader's (each checked by `read`), together. */
export async function readMllmFiles(p: MllmPlan, read: (model: string, f: ModelFile) => Promise<Uint8Array>): Promise<MllmFiles> {
  const r = p.reader;
  const w = p.words;
  const g = p.gallery;
  const wordsRead = w ? read(w.name, w).then(conceptMap) : null;
  const [tokenizer, reader, got, concepts, gallery] = await Promise.all([
    read(p.tokenizer.name, p.tokenizer),
    r ? readModel((f) => read(r.name, f), r.variant) : undefined,
    Promise.all(p.graphs.map((x) => readModel((f) => read(x.name, f), x.variant))),
    wordsRead ? wordsRead.then((m) => [...m.values()]).catch((e: unknown) => (console.warn('the plan drafts without concept names:', e), [])) : [],
    // the gallery's names are the word list's: without it there is nothing to pick among
    g ? Promise.all([read(g.name, g), wordsRead ?? Promise.reject(new Error('the gallery needs the word list, which the manifest does not list'))]).then(([b, names]) => Gallery.parse(b, g.entry, names)) : undefined,
  ]);
  return { graphs: Object.fromEntries(p.graphs.map((x, i) => [x.name, got[i]])), tokenizer, reader, concepts, gallery };
}

/** The trained concepts (emoji character -> name) in a words.json. One that cannot be read or parsed gives no
 * names above (the plan is the same without them, only written with more graph calls). */
function conceptMap(bytes: Uint8Array): ReadonlyMap<string, string> {
  return parseWords(JSON.parse(new TextDecoder().decode(bytes))).concepts;
}

/** How the reader's session is made: as the encoder's (its provider and options), from its manifest entry. */
export interface ReaderLoad {
  manifest: Manifest;
  options: InferenceSession.SessionOptions;
}

/**
 * The files, then the session(s) where `want` says, created inside `turn` (the engine's: it waits
 * for a run in flight to end and makes runs wait for it). Never rejects: a failure is the reason
 * the page shows for the MLLM's tasks; reconstruction works without it.
 */
export async function loadMllm(ort: OrtLike, spec: MllmSpec, want: MllmWhere, files: Promise<MllmFiles>, turn: <T>(job: () => Promise<T>) => Promise<T>, reader?: ReaderLoad, planDrafts = true, capture = true): Promise<MllmLoaded> {
  try {
    const f = await files;
    const made = await turn(async () => {
      const placed = await placeMllm(ort, want, f.graphs, f.tokenizer, spec, capture);
      if (!spec.reader) return { placed, reader: null };
      try {
        if (!f.reader || !reader) throw new Error(`the MLLM reads given images through "${spec.reader.model}", which was not loaded`);
        const entry = reader.manifest.models[spec.reader.model];
        return { placed, reader: new ReaderEncoder(ort, reader.manifest, entry, await createSession(ort, f.reader, reader.options)) };
      } catch (e) {
        placed.placed?.release();
        throw e;
      }
    });
    const { placed } = made;
    return { mllm: new MllmGenerator(ort, spec, placed.tokenizer, placed.sessions, { enabled: planDrafts, concepts: f.concepts }, f.gallery ?? null), placed: placed.placed, where: placed.where, reader: made.reader };
  } catch (e) {
    console.warn('MLLM not loaded:', e);
    return { mllm: null, placed: null, where: null, reader: null, reason: (e as Error)?.message ?? String(e) };
  }
}
