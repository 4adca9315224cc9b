// A handful of prompts a newcomer can click instead of guessing what the model knows: trained
// concepts in the phrasings it was trained with (examplePrompts.json says how they were chosen).
import data from './examplePrompts.json';

export const EXAMPLE_PROMPTS: readonly string[] = data.examples.map((e) => e.prompt);

export function ExamplePrompts({ onPick, disabled }: { onPick: (prompt: string) => void; disabled?: boolean }) {
  return (
    <div className="chips examples" role="group" aria-label="Example prompts">
      <span className="muted">Try:</span>
      {EXAMPLE_PROMPTS.map((p) => (
        <button key={p} type="button" className="chip" disabled={disabled} onClick={() => onPick(p)} data-testid="example-prompt">
          {p}
        </button>
      ))}
    </div>
  );
}
