import { promptCounter, type PromptCheck } from '../inputValidation';

/** "12 / 425 tokens" under the prompt box, and why the prompt cannot run when it cannot. */
export function PromptCounter({ check, id }: { check: PromptCheck; id?: string }) {
  const over = check.count > check.limit;
  return (
    <span id={id} className={`prompt-counter ${over ? 'over' : ''}`} data-testid="prompt-counter" aria-live="polite">
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
