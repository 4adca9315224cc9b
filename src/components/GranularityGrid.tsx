import { useApp } from '../store';
import { RgbaCanvas } from './RgbaCanvas';

const LABEL: Record<string, string> = { f4: 'coarsest, 1 token', f3: '4 tokens', f2: '16 tokens', f1: '64 tokens', f0: 'finest, 256 tokens' };

/** The original beside its five reconstructions, coarse (f4) to fine (f0), each filling in as ready. */
export function GranularityGrid() {
  const { input, inputName, results, encodeMs, totalMs, runStatus, mode, prompt, mllm, recommended, actions } = useApp();
  const order = Object.keys(results);
  if (!input && order.length === 0) return null;
  return (
    <section aria-label="Reconstructions at five granularities" data-testid="grid" data-status={runStatus}>
      <p className="muted">
        {mode === 'reconstruct' && inputName && <>Input: {inputName}. </>}
        {mode === 't2i' && prompt && <>Prompt: “{prompt}”. </>}
        {mode === 't2i' && mllm && (
          <span data-testid="mllm-progress">
            MLLM: {mllm.tokens}/{mllm.total} feature tokens ({(mllm.ms / 1000).toFixed(1)} s).{' '}
          </span>
        )}
        {encodeMs != null && <>Encoder {encodeMs.toFixed(0)} ms. </>}
        {totalMs != null && <>All five in {(totalMs / 1000).toFixed(2)} s. </>}
        {runStatus === 'cancelled' && <strong data-testid="cancelled">Cancelled.</strong>}
      </p>
      <div className="grid">
        {mode === 'reconstruct' && (
          <figure className="cell">
            {input ? <RgbaCanvas image={input} label="original, 64x64" /> : <div className="pending" />}
            <figcaption>original</figcaption>
          </figure>
        )}
        {order.map((sc) => {
          const r = results[sc];
          return (
            <figure className={`cell ${recommended === sc ? 'recommended' : ''}`} key={sc} data-testid={`result-${sc}`} data-psnr={r.psnr ?? ''} data-ready={r.image ? 'true' : 'false'} data-recommended={recommended === sc ? 'true' : 'false'}>
              {r.image ? (
                <button type="button" className="cell-btn" onClick={() => actions.select(sc)} aria-label={`Enlarge ${sc}`}>
                  <RgbaCanvas image={r.image} label={`${sc} reconstruction`} />
                </button>
              ) : (
                <div className="pending" aria-busy="true">
                  <progress max={r.steps || 1} value={r.step} aria-label={`${sc} progress`} />
                </div>
              )}
              <figcaption>
                <strong>{sc}</strong> <span className="muted">{LABEL[sc] ?? ''}</span>
                <br />
                {r.image ? `${r.psnr != null ? `${r.psnr.toFixed(1)} dB · ` : ''}${((r.ms ?? 0) / 1000).toFixed(2)} s` : `step ${r.step}/${r.steps}`}
                {recommended === sc && (
                  <>
                    <br />
                    <strong className="rec">★ recommended</strong>
                  </>
                )}
              </figcaption>
            </figure>
          );
        })}
      </div>
    </section>
  );
}
