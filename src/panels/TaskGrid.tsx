import { RgbaCanvas } from '../components/RgbaCanvas';
import { SendTo } from './SendTo';
import type { CondRun, RunKey } from './taskStore';

const LABEL: Record<string, string> = { f4: 'coarsest, 1 token', f3: '4 tokens', f2: '16 tokens', f1: '64 tokens', f0: 'finest, 256 tokens' };
const SOURCE_LABEL: Record<string, string> = { edit: 'source', colorize: 'grayscale (model input)', inpaint: 'masked (model input)', sketch: 'edge map (model input)' };

/** The five granularities of a conditional run, coarse to fine, with the automatic pick marked. */
export function TaskGrid({ run, runKey, panel }: { run: CondRun; runKey: RunKey; panel: 'edit' | 'canvas' }) {
  const order = Object.keys(run.results);
  if (run.status === 'idle' && order.length === 0) return null;
  const task = run.task ?? 'edit';
  return (
    <section aria-label={`${task} results at five granularities`} data-testid={`${runKey}-grid`} data-status={run.status} data-task={task}>
      <p className="muted" aria-live="polite">
        {run.instruction && <>Instruction: “{run.instruction.length > 80 ? run.instruction.slice(0, 80) + '…' : run.instruction}”. </>}
        {run.mllm && (
          <span data-testid={`${runKey}-mllm`}>
            MLLM: {run.mllm.tokens}/{run.mllm.total} feature tokens.{' '}
          </span>
        )}
        {run.totalMs != null && <>Done in {(run.totalMs / 1000).toFixed(1)} s. </>}
        {run.status === 'cancelled' && <strong data-testid={`${runKey}-cancelled`}>Cancelled.</strong>}
      </p>
      <div className="grid">
        <figure className="cell">
          {run.source ? <RgbaCanvas image={run.source} label={SOURCE_LABEL[task]} /> : <div className="pending" />}
          <figcaption>{SOURCE_LABEL[task]}</figcaption>
        </figure>
        {order.map((sc) => {
          const r = run.results[sc];
          const rec = run.recommended === sc;
          return (
            <figure className={`cell ${rec ? 'recommended' : ''}`} key={sc} data-testid={`${runKey}-result-${sc}`} data-ready={r.image ? 'true' : 'false'} data-psnr={r.psnr ?? ''} data-recommended={rec ? 'true' : 'false'}>
              {r.image ? (
                <RgbaCanvas image={r.image} label={`${task} result at ${sc}`} />
              ) : (
                <div className="pending" aria-busy={run.status === 'running'}>
                  <progress max={r.steps || 1} value={r.step} aria-label={`${sc} progress`} />
                </div>
              )}
              <figcaption>
                <strong>{sc}</strong> <span className="muted">{LABEL[sc] ?? ''}</span>
                <br />
                {r.image ? `${r.psnr != null && Number.isFinite(r.psnr) ? `${r.psnr.toFixed(1)} dB vs input · ` : ''}${((r.ms ?? 0) / 1000).toFixed(2)} s` : run.status === 'running' ? `step ${r.step}/${r.steps}` : '—'}
                {rec && (
                  <>
                    <br />
                    <strong className="rec">★ recommended</strong>
                  </>
                )}
                {r.image && (
                  <>
                    <br />
                    <SendTo image={r.image} name={`${task} ${sc}`} testid={`${runKey}-${sc}`} />
                  </>
                )}
              </figcaption>
            </figure>
          );
        })}
      </div>
      {panel === 'canvas' && null}
    </section>
  );
}
