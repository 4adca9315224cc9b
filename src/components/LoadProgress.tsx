import { useApp, type FileLoad, type FileStatus } from '../store';
import { mllmDisables } from '../tabs';

const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;

const STATE_TEXT: Record<FileStatus['state'], string> = { queued: 'queued', downloading: 'downloading', verifying: 'verifying', ready: 'ready', failed: 'failed' };

/** What a failed file takes away: an MLLM file the MLLM's tasks (the tabs and text-to-image);
 * any other file the whole page. */
function disables(failed: FileStatus[]): string {
  if (failed.some((f) => !f.mllm)) return 'Nothing can run until it loads.';
  return mllmDisables();
}

/** Where the ready files came from, by bytes: after a partial first load, a reload reads most of
 * them from the cache and downloads only the rest ("20.1 MB from this browser’s cache, 5.9 MB
 * downloaded"), so neither word alone is true. */
function whereFrom(states: FileStatus[], files: Record<string, FileLoad>, okBytes: number, allCached: boolean): string {
  const by = { cache: 0, network: 0 };
  for (const f of states) if (f.state === 'ready') by[files[f.file]?.source ?? 'network'] += f.bytes;
  if (allCached) return `${mb(okBytes)} from this browser’s cache`;
  if (!by.cache) return `${mb(okBytes)} downloaded`;
  if (!by.network) return `${mb(okBytes)} from this browser’s cache`;
  return `${mb(okBytes)}: ${mb(by.cache)} from this browser’s cache, ${mb(by.network)} downloaded`;
}

/** Every model file's state with its bytes; once the visual models are ready (every file read, the
 * encoder's and the first decoder's sessions: the engine creates the others after), that the
 * language model goes on loading; a failure names the file (or the MLLM's error),
 * why, what it disables, and offers Retry. */
export function LoadProgress() {
  const { phase, files, fileStates, totalLoaded, totalBytes, loadMs, loadedFromCache, mllmLoading, mllmError, mllmLoadMs, actions } = useApp();
  const states = Object.values(fileStates);
  const failed = states.filter((f) => f.state === 'failed');
  const loading = phase === 'loading' || phase === 'starting';
  const ready = phase === 'ready' || phase === 'running';
  // the MLLM's failure: a file (listed) or its session (the engine's reason)
  const mllmFailed = ready && !mllmLoading && mllmError != null && !failed.some((f) => f.mllm);
  const failure = (failed.length > 0 || mllmFailed) && !loading && !mllmLoading && (
    <div role="alert" className="error load-failed" data-testid="load-failed">
      <ul>
        {failed.map((f) => (
          <li key={f.file} data-testid="load-failed-file" data-file={f.file} data-reason={f.reason}>
            {f.message ?? `${f.file} failed to load`}
          </li>
        ))}
        {mllmFailed && <li data-testid="load-failed-mllm">The language model failed to load: {mllmError}</li>}
      </ul>
      {disables(failed)}{' '}
      {failed.some((f) => f.reason === 'offline') && 'It retries by itself when the network is back. '}
      <button type="button" onClick={() => void actions.retryLoad()} data-testid="load-retry">
        Retry
      </button>
    </div>
  );
  if (ready && mllmLoading) {
    // reconstruction runs now; the MLLM's tasks queue what they are given (src/state/runsSlice.ts)
    const visual = states.filter((f) => !f.mllm);
    const visualBytes = visual.reduce((a, f) => a + f.bytes, 0);
    return (
      <p className="muted" data-testid="load-visual-ready">
        Reconstruction ready: {whereFrom(visual, files, visualBytes, visual.every((f) => files[f.file]?.source === 'cache'))} in {((loadMs ?? 0) / 1000).toFixed(1)} s.
        {' '}The language model is still loading: what you ask of it now is queued and runs once it is ready.
      </p>
    );
  }
  if (ready) {
    const okBytes = states.filter((f) => f.state === 'ready').reduce((a, f) => a + f.bytes, 0) || totalBytes;
    const partial = failed.length > 0 || mllmFailed;
    return (
      <>
        <p className="muted" data-testid={partial ? 'load-partial' : 'load-done'} data-from-cache={String(loadedFromCache)}>
          {partial ? 'Models partly ready' : 'Models ready'}: {whereFrom(states, files, okBytes, loadedFromCache)} in {((mllmLoadMs ?? loadMs ?? 0) / 1000).toFixed(1)} s
          {failed.length ? `; ${failed.length} file${failed.length > 1 ? 's' : ''} failed.` : mllmFailed ? '; the language model failed.' : '.'}
        </p>
        {failure}
      </>
    );
  }
  if (phase === 'error') return failure || null;
  if (!loading) return null;
  if (states.length === 0) return <p className="muted">Reading the model manifest…</p>;
  return (
    <section className="load" aria-label="Model download progress" data-testid="load-progress">
      <label>
        All models {mb(totalLoaded)} / {mb(totalBytes)}
        <progress max={totalBytes || 1} value={totalLoaded} data-testid="total-progress" />
      </label>
      <ul>
        {states.map((f) => {
          const p = files[f.file];
          return (
            <li key={f.file} data-testid="load-file" data-file={f.file} data-state={f.state}>
              <label>
                {f.file} · {STATE_TEXT[f.state]}
                {p ? ` (${p.source}) ${mb(p.loaded)} / ${mb(p.total)}` : ` ${mb(f.bytes)}`}
                {f.state === 'failed' && f.message ? ` — ${f.message}` : ''}
                <progress max={p?.total || f.bytes || 1} value={f.state === 'ready' ? p?.total || f.bytes : p?.loaded ?? 0} />
              </label>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
