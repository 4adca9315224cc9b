// The text form Edit and Understand share: a labelled text box, the panel's own submit buttons,
// Cancel, the live token check with the words the model reads instead (useTaskPanel), and the
// suggestions the model was trained on, one click each to fill the box.
import type { ReactNode } from 'react';
import { NewWords, PromptCounter } from '../newcomer/PromptCounter';
import type { useTaskPanel } from './useTaskPanel';
import { Chips } from './Chips';

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
  suggestions: { label: string; items: readonly { text: string; label: string; kind?: string }[] | undefined };
}

export function TaskTextForm({ tab, panel, label, inputId, what, placeholder, onSubmit, children, suggestions }: Props) {
  const { text, setText, check, reading, words, cancellable, actions } = panel;
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
        <input id={inputId} data-testid={`${tab}-${what}`} type="text" value={text} onChange={(e) => setText(e.target.value)} placeholder={placeholder} size={40} />
        {children}
        <button type="button" data-testid={`${tab}-cancel`} disabled={!cancellable} onClick={() => actions.cancel(tab)}>
          Cancel
        </button>
        {check && text && <PromptCounter check={check} id={`${tab}-counter`} raw={text} reading={reading} />}
        <NewWords reading={reading} words={words} raw={text} testid={`${tab}-new-words`} />
      </form>
      {suggestions.items?.length ? <Chips label={suggestions.label} testid={`${tab}-chip`} items={suggestions.items} onPick={setText} /> : null}
    </>
  );
}
