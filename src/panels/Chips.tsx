// Suggestions the model was trained on, one click each to fill the text box (Edit, Understand).
export function Chips({ label, testid, items, onPick }: { label: string; testid: string; items: readonly { text: string; label: string; kind?: string }[]; onPick: (text: string) => void }) {
  return (
    <div className="chips" role="group" aria-label={label}>
      {items.map((c) => (
        <button key={c.text} type="button" className="chip" data-testid={testid} data-kind={c.kind} onClick={() => onPick(c.text)}>
          {c.label}
        </button>
      ))}
    </div>
  );
}
