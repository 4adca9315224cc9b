import { promptCounter, type PromptCheck } from '../inputValidation';
import type { PromptReading } from './promptWords';
import type { WordsState } from './useKnownWords';
import { UserText } from './UserText';
import { normalizeText } from '../../workers/mllm/tokenizer';

/** "12 / 425 tokens" under the prompt box, and why the prompt cannot run when it cannot. With a
 * reading whose text differs from what was typed (emoji written as names), it says what the model
 * reads: 'reads "pizza" · 3 / 425 tokens'. */
export function PromptCounter({ check, id, raw, reading }: { check: PromptCheck; id?: string; raw?: string; reading?: PromptReading | null }) {
  const over = check.count > check.limit;
  const reads = reading && raw != null && reading.text !== normalizeText(raw) ? reading.text : null;
  return (
    <span id={id} className={`prompt-counter ${over ? 'over' : ''}`} data-testid="prompt-counter" aria-live="polite">
      {reads != null && (
        <span data-testid="prompt-reads">
          reads “<UserText text={reads} />” ·{' '}
        </span>
      )}
      {promptCounter(check)}
      {over && check.message && (
        <>
          {' '}
          <span role="alert" data-testid="prompt-too-long">
            {check.message}
          </span>
        </>
      )}
    </span>
  );
}

/** The line under a prompt that names the words the model never saw in training (or says why
 * there is no such line: the word list did not load). */
export function NewWords({ reading, words, raw, testid }: { reading: PromptReading | null; words: WordsState; raw: string; testid: string }) {
  if (words.state === 'failed' && raw.trim())
    return (
      <span className="prompt-counter new-words" data-testid={testid}>
        The word list did not load ({words.message}): emoji go to the model as typed, and unknown words are not marked.
      </span>
    );
  if (!reading?.unknown.length) return null;
  return (
    <span className="prompt-counter new-words" data-testid={testid}>
      new to this model: <UserText text={reading.unknown.join(', ')} /> — it knows English emoji names
    </span>
  );
}
