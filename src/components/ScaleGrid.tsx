import type { ReactNode } from 'react';
import { useApp, type Run } from '../store';
import { RgbaCanvas } from './RgbaCanvas';
import { SendTo } from '../panels/SendTo';
import { drawnConcept } from '../state/sourceConcept';

/**
 * One run's images, coarse (f4) to fine (f0), each filling in as it is drawn, with the automatic
 * pick marked. `prefix` names the test ids: '' gives grid / result-f4, 'edit' edit-grid / edit-result-f4.
 */
export function ScaleGrid({ run, prefix, label, summary, first, enlarge, sendTo, psnrSuffix = '' }: {
  run: Run;
  prefix: string;
  label: string;
  /** the line above the images */
  summary: ReactNode;
  /** a cell before the scales (the original, or the model's input) */
  first?: ReactNode;
  /** cells open the large view */
  enlarge?: boolean;
  /** cells offer "send to another tab" */
  sendTo?: boolean;
  psnrSuffix?: string;
}) {
  const labels = useApp((s) => s.scaleLabels);
  const select = useApp((s) => s.actions.select);
  const planSpec = useApp((s) => s.manifest?.mllm?.plan);
  // a result sent on carries what its plan drew
  const concept = drawnConcept(planSpec, run.plan);
  const id = (s: string) => (prefix ? `${prefix}-${s}` : s);
  const order = Object.keys(run.results);
  const running = run.status === 'running';
  return (
    <section aria-label={label} data-testid={id('grid')} data-status={run.status} data-task={prefix ? run.task ?? undefined : undefined}>
      <p className="muted" aria-live={prefix ? 'polite' : undefined}>
        {summary}
      </p>
      <div className="grid">
        {first}
        {order.map((sc) => {
          const r = run.results[sc];
          const rec = run.recommended === sc;
          const image = r.image ? <RgbaCanvas image={r.image} label={prefix ? `${run.task} result at ${sc}` : `${sc} reconstruction`} /> : null;
          return (
            <figure className={`cell ${rec ? 'recommended' : ''}`} key={sc} data-testid={id(`result-${sc}`)} data-psnr={r.psnr ?? ''} data-ready={r.image ? 'true' : 'false'} data-recommended={rec ? 'true' : 'false'}>
              {image && enlarge ? (
                <button type="button" className="cell-btn" onClick={() => select(sc)} aria-label={`Enlarge ${sc}`}>
                  {image}
                </button>
              ) : (
                image ?? (
                  <div className="pending" aria-busy={running}>
                    <progress max={r.steps || 1} value={r.step} aria-label={`${sc} progress`} />
                  </div>
                )
              )}
              <figcaption>
                <strong>{sc}</strong> <span className="muted">{labels[sc] ?? ''}</span>
                <br />
                {r.image ? `${r.psnr != null && Number.isFinite(r.psnr) ? `${r.psnr.toFixed(1)} dB${psnrSuffix} · ` : ''}${((r.ms ?? 0) / 1000).toFixed(2)} s` : running || r.step > 0 ? `step ${r.step}/${r.steps}` : '—'}
                {rec && (
                  <>
                    <br />
                    <strong className="rec">★ recommended</strong>
                  </>
                )}
                {r.image && sendTo && (
                  <>
                    <br />
                    <SendTo image={r.image} name={`${run.task} ${sc}`} concept={concept} testid={id(sc)} />
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
