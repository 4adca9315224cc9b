import { useApp } from '../store';

const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;

/** Per-file and total download progress, in bytes. */
export function LoadProgress() {
  const { phase, files, totalLoaded, totalBytes, loadMs, loadedFromCache } = useApp();
  const list = Object.values(files);
  if (phase === 'ready' || phase === 'running') {
    return (
      <p className="muted" data-testid="load-done" data-from-cache={String(loadedFromCache)}>
        Models ready: {mb(totalBytes)} {loadedFromCache ? 'from this browser’s cache' : 'downloaded'} in {((loadMs ?? 0) / 1000).toFixed(1)} s.
      </p>
    );
  }
  if (phase !== 'loading' || list.length === 0) return phase === 'loading' ? <p className="muted">Reading the model manifest…</p> : null;
  return (
    <section className="load" aria-label="Model download progress" data-testid="load-progress">
      <label>
        All models {mb(totalLoaded)} / {mb(totalBytes)}
        <progress max={totalBytes || 1} value={totalLoaded} data-testid="total-progress" />
      </label>
      <ul>
        {list.map((f) => (
          <li key={f.file}>
            <label>
              {f.file} ({f.source}) {mb(f.loaded)} / {mb(f.total)}
              <progress max={f.total || 1} value={f.loaded} />
            </label>
          </li>
        ))}
      </ul>
    </section>
  );
}
