// The live check of a prompt, instruction or question: the byte bound at once (never lets a
// too-long text through), then the exact count from the MLLM's own tokenizer in the worker.
import { useEffect, useState } from 'react';
import { checkPrompt, type PromptCheck } from '../inputValidation';
import { normalizeText } from '../../workers/mllm/tokenizer';
import { useApp } from '../store';

export function useTextCheck(raw: string, limit: number | null, what: 'prompt' | 'instruction' | 'question'): PromptCheck | null {
  const countTokens = useApp((s) => s.actions.countTokens);
  const mllmReady = useApp((s) => s.textToImage);
  const [exact, setExact] = useState<{ text: string; count: number } | null>(null);
  const text = normalizeText(raw);
  useEffect(() => {
    if (!text || !mllmReady) return;
    let live = true;
    countTokens(text).then(
      (n) => live && n != null && setExact({ text, count: n }),
      () => undefined, // the bound stays in force
    );
    return () => {
      live = false;
    };
  }, [text, mllmReady, countTokens]);
  if (limit == null || limit <= 0) return null;
  const known = exact && exact.text === text ? exact.count : null;
  return checkPrompt(raw, limit, known != null ? () => known : undefined, what);
}
