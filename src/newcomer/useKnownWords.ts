// The word list the manifest lists (role "words", public/models/words.json), fetched like a model
// file: checked against its sha256 and kept in the Cache API, so it works offline after a visit.
// Read from the store, never written to it: the list is a hint beside the prompt box.
import { useEffect, useMemo, useState } from 'react';
import { wordsEntry, type Manifest } from '../../workers/lib/manifest';
import { ModelStore } from '../../workers/lib/modelstore';
import { useApp } from '../store';
import { parseWords, readPrompt, type KnownWords, type PromptReading } from './promptWords';

const loads = new Map<string, Promise<KnownWords>>();

/** The manifest's word list, loaded once per sha256; null when the manifest lists none. */
function knownWords(m: Manifest): Promise<KnownWords> | null {
  const e = wordsEntry(m)?.[1];
  if (!e) return null;
  const sha = e.sha256!;
  let p = loads.get(sha);
  if (!p) {
    p = new ModelStore()
      .load(new URL(`models/${e.file}`, document.baseURI).href, sha, e.bytes ?? 0)
      .then((b) => parseWords(JSON.parse(new TextDecoder().decode(b))));
    p.catch(() => loads.delete(sha)); // the next manifest (a retry) tries again
    loads.set(sha, p);
  }
  return p;
}

export type WordsState = { state: 'loading' | 'none' } | { state: 'ready'; known: KnownWords } | { state: 'failed'; message: string };

export function useKnownWords(): WordsState {
  const manifest = useApp((s) => s.manifest);
  const [st, setSt] = useState<WordsState>({ state: 'loading' });
  useEffect(() => {
    if (!manifest) return;
    const p = knownWords(manifest);
    if (!p) return setSt({ state: 'none' });
    let live = true;
    p.then(
      (known) => live && setSt({ state: 'ready', known }),
      (e: Error) => live && setSt({ state: 'failed', message: e.message }),
    );
    return () => {
      live = false;
    };
  }, [manifest]);
  return st;
}

/** A text as the model will read it, or null while there is no word list to read it with (an
 * older manifest, a failed fetch, the first moment): then the text goes as typed. The panels
 * give a run exactly this reading, so what the counter shows is what the model reads. */
export function useReading(raw: string): { reading: PromptReading | null; words: WordsState } {
  const words = useKnownWords();
  // memoized: the first tab re-renders on every run event
  const reading = useMemo(() => (words.state === 'ready' && raw.trim() ? readPrompt(raw, words.known) : null), [raw, words]);
  return { reading, words };
}
