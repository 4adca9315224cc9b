/** A panel's message line (bad input, errors, cancel): announced, dismissible, never blocking. */
export function Message({ text, testid, onClose }: { text: string | null; testid: string; onClose: () => void }) {
  if (!text) return null;
  return (
    <p role="status" className="notice" data-testid={testid}>
      {text}{' '}
      <button type="button" onClick={onClose}>
        OK
      </button>
    </p>
  );
}
