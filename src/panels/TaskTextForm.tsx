// The text form Edit and Understand share: a labelled text box, the panel's own submit buttons,
// Cancel, the live token check with the words the model reads instead (useTaskPanel), a warning
// about the text for this image (before it runs), and the suggestions the model was trained on,
// one click each to fill the box.
import type { ReactNode } from 'react';
import { NewWords, PromptCounter } from '../newcomer/PromptCounter';
import type { useTaskPanel } from './useTaskPanel';
import { Chips, type Chip } from './Chips';

interface Props {
  tab: 'edit' | 'understand';
  panel: ReturnType<typeof useTaskPanel>;
  label: string;
  /** the text box's element id (its test id is `${tab}-${what}`) */
  inputId: string;
  what: 'instruction' | 'question';
  placeholder: string;
  onSubmit: () => void;
  /** the submit button(s), before Cancel */
  children: ReactNode;
  /** the suggestions under the form: what the model was trained on */
  suggestions: { label: string; items: readonly Chip[] | undefined };
  /** what the text asks that does not fit the chosen image (null: nothing), said as it is typed */
  warning?: string | null;
}

export function TaskTextForm({ tab, panel, label, inputId, what, placeholder, onSubmit, children, suggestions, warning }: Props) {
  const { text, setText, check, reading, words, cancellable, actions } = panel;
  const warningId = `${inputId}-warning`;
  return (
    <>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <label htmlFor={inputId}>{label}</label>
        <input id={inputId} data-testid={`${tab}-${what}`} type="text" value={text} onChange={(e) => setText(e.target.value)} placeholder={placeholder} size={40} aria-describedby={warning ? warningId : undefined} />
        {children}
        <button type="button" data-testid={`${tab}-cancel`} disabled={!cancellable} onClick={() => actions.cancel(tab)}>
          Cancel
        </button>
        {check && text && <PromptCounter check={check} id={`${tab}-counter`} raw={text} reading={reading} />}
        <NewWords reading={reading} words={words} raw={text} testid={`${tab}-new-words`} />
      </form>
      {/* always in the page: a live region announces what appears in it, not itself appearing */}
      <div role="status" id={warningId}>
        {warning ? <p className="notice" data-testid={`${tab}-warning`}>{warning}</p> : null}
      </div>
      {suggestions.items?.length ? <Chips label={suggestions.label} testid={`${tab}-chip`} items={suggestions.items} onPick={setText} /> : null}
    </>
  );
}
