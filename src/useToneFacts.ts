// The served word list's skin-tone facts (src/conceptTones.ts), once it has loaded; null before,
// or without a word list (then the page cannot tell, and offers every tone edit).
import { toneFacts, type ToneFacts } from './conceptTones';
import { useKnownWords } from './newcomer/useKnownWords';

export function useToneFacts(): ToneFacts | null {
  const words = useKnownWords();
  return words.state === 'ready' ? toneFacts(words.known) : null;
}
