/** `f` run on the first call of the returned function only (installing a handler twice would stack it). */
export function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    f();
  };
}
