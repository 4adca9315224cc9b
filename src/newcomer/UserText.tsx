// User text inside the page's own sentences: <bdi> isolates it, so a right-to-left override
// (U+202E) or an unclosed embedding in a prompt, file name or answer cannot reorder the words
// around it. The text itself is shown as typed.
export function UserText({ text, className }: { text: string; className?: string }) {
  return <bdi className={`user-text ${className ?? ''}`}>{text}</bdi>;
}
