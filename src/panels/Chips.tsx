// Suggestions the model was trained on, one click each to fill the text box (Edit, Understand).
// A suggestion that does not fit the chosen image (a skin tone for an emoji without one) stays
// in its place, marked unavailable with the reason shown under the chips: aria-disabled, not
// disabled, so it keeps its focus stop and a screen reader reads why (aria-describedby).
import { useId } from 'react';

export interface Chip {
  text: string;
  label: string;
  kind?: string;
  /** why it cannot be picked now (shown); absent: it can */
  unavailable?: string;
}

export function Chips({ label, testid, items, onPick }: { label: string; testid: string; items: readonly Chip[]; onPick: (text: string) => void }) {
  const base = useId();
  // one visible note per distinct reason, each chip it concerns pointing at it
  const reasons = [...new Set(items.flatMap((c) => (c.unavailable ? [c.unavailable] : [])))];
  const noteId = (why: string) => `${base}-why-${reasons.indexOf(why)}`;
  return (
    <>
      <div className="chips" role="group" aria-label={label}>
        {items.map((c) => (
          <button key={c.text} type="button" className="chip" data-testid={testid} data-kind={c.kind}
            aria-disabled={c.unavailable ? true : undefined} aria-describedby={c.unavailable ? noteId(c.unavailable) : undefined}
            onClick={() => !c.unavailable && onPick(c.text)}>
            {c.label}
          </button>
        ))}
      </div>
      {reasons.map((why) => (
        <p key={why} id={noteId(why)} className="chip-note muted" data-testid={`${testid}-note`}>
          {why}
        </p>
      ))}
    </>
  );
}
