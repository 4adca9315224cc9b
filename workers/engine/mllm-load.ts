// The MLLM's part of a load, which may go on after the engine is usable for the visual tasks
// (PumaEngine.load with mllm: 'background'): its files are read while the visual sessions are
// created, and its session is created when no run holds onnxruntime (`turn`), so a reconstruction
// started meanwhile never shares the runtime with a session creation. A model with a reader (manifest
// mllm.reader) loads its reader encoder here too, as one more of the MLLM's files and sessions: without
// it the MLLM cannot read a given image, and nothing else needs it. A model that picks (manifest mllm.pick) reads
// its gallery here too and, where the gallery is in key space, its key model (pick-key.ts: one more file and
// session, made as the reader's); like the reader, it cannot answer as it was measured without them: a gallery or
// key model that cannot be read or made fails the MLLM's load (the page names the file, with a retry). The local
// editors the model's rules name (manifest mllm.tone_edit, mllm.sketch_edit: local-editor.ts) load here too, the same
// way and for the same reason: its tone edits and colour sketches are measured as the editors draw them.
import { editorModels, pickKeyModel, type Manifest, type MllmSpec, type ModelEntry, type ModelFile, type ModelVariant } from '../lib/manifest';
import { parseWords } from '../lib/words';
import { Gallery } from '../mllm/gallery';
import { MllmGenerator } from '../mllm/generate';
import { placeMllm, type MllmWhere, type PlacedMllmSession } from './mllm-placement';
import { createSession, readModel, type ModelBytes } from './model-bytes';
import type { InferenceSession, OrtLike } from './ort';
import { KeyEncoder } from './pick-key';
import { ReaderEncoder } from './reader';
import { LocalEditor } from './local-editor';

export interface MllmPlan {
  graphs: { name: string; variant: ModelVariant }[];
  tokenizer: { name: string; file: string; sha256: string; bytes: number };
  /** a model with a reader: the reader encoder's variant (chosen as the encoder's is) */
  reader?: { name: string; variant: ModelVariant };
  /** the word list (manifest role "words"): its trained concepts' names are what the plan's drafts guess */
  words?: { name: string; file: string; sha256: string; bytes: number };
  /** a model that picks (manifest mllm.pick): its gallery file and entry */
  gallery?: { name: string; file: string; sha256: string; bytes: number; entry: ModelEntry };
  /** a pick whose gallery is in key space: the key model's variant (chosen as the reader's is) */
  key?: { name: string; variant: ModelVariant };
  /** the local editors the MLLM's rules name (manifest mllm.tone_edit, mllm.sketch_edit): their variants (chosen as the key's is) */
  editors?: { name: string; variant: ModelVariant }[];
}

export interface MllmFiles {
  graphs: Record<string, ModelBytes>;
  tokenizer: Uint8Array;
  reader?: ModelBytes;
  /** a pick in key space: the key model's bytes */
  key?: ModelBytes;
  /** the local editors' bytes, by models key */
  editors?: Record<string, ModelBytes>;
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
  /** a pick in key space: its key model's session (null otherwise) */
  key: KeyEncoder | null;
  /** the local editors the MLLM's rules name (manifest mllm.tone_edit, mllm.sketch_edit), by models key */
  editors: Record<string, LocalEditor>;
  reason?: string;
}

/** Reads the tokenizer, every graph file, the reader's, the key model's and the local editors' (each checked by `read`), together. */
export async function readMllmFiles(p: MllmPlan, read: (model: string, f: ModelFile) => Promise<Uint8Array>): Promise<MllmFiles> {
  const r = p.reader;
  const k = p.key;
  const w = p.words;
  const g = p.gallery;
  const wordsRead = w ? read(w.name, w).then(conceptMap) : null;
  const eds = p.editors ?? [];
  const [tokenizer, reader, key, editorBytes, got, concepts, gallery] = await Promise.all([
    read(p.tokenizer.name, p.tokenizer),
    r ? readModel((f) => read(r.name, f), r.variant) : undefined,
    k ? readModel((f) => read(k.name, f), k.variant) : undefined,
    Promise.all(eds.map((e) => readModel((f) => read(e.name, f), e.variant))),
    Promise.all(p.graphs.map((x) => readModel((f) => read(x.name, f), x.variant))),
    wordsRead ? wordsRead.then((m) => [...m.values()]).catch((e: unknown) => (console.warn('the plan drafts without concept names:', e), [])) : [],
    // the gallery's names are the word list's: without it there is nothing to pick among
    g ? Promise.all([read(g.name, g), wordsRead ?? Promise.reject(new Error('the gallery needs the word list, which the manifest does not list'))]).then(([b, names]) => Gallery.parse(b, g.entry, names)) : undefined,
  ]);
  const editors = eds.length ? Object.fromEntries(eds.map((e, i) => [e.name, editorBytes[i]])) : undefined;
  return { graphs: Object.fromEntries(p.graphs.map((x, i) => [x.name, got[i]])), tokenizer, reader, key, editors, concepts, gallery };
}

/** The trained concepts (emoji character -> name) in a words.json. One that cannot be read or parsed gives no
 * names above (the plan is the same without them, only written with more graph calls). */
function conceptMap(bytes: Uint8Array): ReadonlyMap<string, string> {
  return parseWords(JSON.parse(new TextDecoder().decode(bytes))).concepts;
}

/** How the reader's and the key model's sessions are made: as the encoder's (its provider and options), from their
 * manifest entries. */
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
      try {
        const encoders = await givenImageEncoders(ort, spec, f, reader);
        try {
          return { placed, ...encoders, editors: await editorsOf(ort, f, reader) };
        } catch (e) {
          encoders.reader?.release();
          encoders.key?.release();
          throw e;
        }
      } catch (e) {
        placed.placed?.release();
        throw e;
      }
    });
    const { placed } = made;
    return { mllm: new MllmGenerator(ort, spec, placed.tokenizer, placed.sessions, { enabled: planDrafts, concepts: f.concepts }, f.gallery ?? null), placed: placed.placed, where: placed.where, reader: made.reader, key: made.key, editors: made.editors };
  } catch (e) {
    console.warn('MLLM not loaded:', e);
    return { mllm: null, placed: null, where: null, reader: null, key: null, editors: {}, reason: (e as Error)?.message ?? String(e) };
  }
}

/** The sessions that read a given image beside the encoder: the reader (a model with one) and the pick's key model
 * (a gallery in key space), each as the encoder's session is made; the reader released if the key's fails. */
async function givenImageEncoders(ort: OrtLike, spec: MllmSpec, f: MllmFiles, how?: ReaderLoad): Promise<{ reader: ReaderEncoder | null; key: KeyEncoder | null }> {
  let reader: ReaderEncoder | null = null;
  if (spec.reader) {
    if (!f.reader || !how) throw new Error(`the MLLM reads given images through "${spec.reader.model}", which was not loaded`);
    reader = new ReaderEncoder(ort, how.manifest, how.manifest.models[spec.reader.model], await sessionOf(ort, `the reader "${spec.reader.model}"`, f.reader, how));
  }
  try {
    // the pick's gallery in key space is asked with this model's embedding: a pick without it would not be the measured one
    const k = how ? pickKeyModel(how.manifest) : null;
    if (!k) {
      if (spec.pick && f.gallery?.space === 'key') throw new Error('the pick\'s gallery is in key space, and no key model was loaded');
      return { reader, key: null };
    }
    if (!f.key) throw new Error(`the pick asks its gallery with the key model "${k.name}", which was not loaded`);
    return { reader, key: new KeyEncoder(ort, how!.manifest, k.name, k.entry, await sessionOf(ort, `the pick's key model "${k.name}"`, f.key, how!)) };
  } catch (e) {
    reader?.release();
    throw e;
  }
}

/** The local editors the manifest's rules name (mllm.tone_edit, mllm.sketch_edit), each session made as the
 * encoder's; one that was not read or cannot be made fails the MLLM's load, naming it (what it draws would not be the
 * measured drawing), and releases those already made. */
async function editorsOf(ort: OrtLike, f: MllmFiles, how?: ReaderLoad): Promise<Record<string, LocalEditor>> {
  const out: Record<string, LocalEditor> = {};
  try {
    for (const e of how ? editorModels(how.manifest) : []) {
      const bytes = f.editors?.[e.name];
      const what = `the ${(e.entry.role ?? 'editor').replace(/_/g, ' ')} "${e.name}"`;   // "the tone editor "tone_editor""
      if (!bytes) throw new Error(`${what}, which the MLLM's rules name, was not loaded`);
      out[e.name] = new LocalEditor(ort, how!.manifest, e.name, e.entry, await sessionOf(ort, what, bytes, how!));
    }
  } catch (e) {
    for (const x of Object.values(out)) x.release();
    throw e;
  }
  return out;
}

/** A session made as the encoder's; one that cannot be made says whose it was (the page shows it as the MLLM's reason). */
async function sessionOf(ort: OrtLike, what: string, bytes: ModelBytes, how: ReaderLoad): Promise<InferenceSession> {
  try {
    return await createSession(ort, bytes, how.options);
  } catch (e) {
    throw new Error(`${what}: its session could not be created: ${(e as Error)?.message ?? String(e)}`);
  }
}
