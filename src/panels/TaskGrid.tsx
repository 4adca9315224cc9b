import { ScaleGrid } from '../components/ScaleGrid';
import { ModelView } from '../components/ModelView';
import type { Run } from '../store';
import { UserText } from '../newcomer/UserText';
import { PlanBar } from '../components/PlanBar';
import { runGoing, useApp } from '../store';

const SOURCE_LABEL: Record<string, string> = { edit: 'source', colorize: 'grayscale (model input)', inpaint: 'masked (model input)', sketch: 'edge map (model input)' };

/** The five granularities of an image-conditioned run (Edit, Canvas), beside the model's input. */
export function TaskGrid({ run, tab, onRestyle }: { run: Run; tab: 'edit' | 'canvas'; onRestyle?: (restyle: boolean) => void }) {
  // hooks before the early return: React needs the same hooks, in the same order, on every render
  const planSpec = useApp((s) => s.manifest?.mllm?.plan ?? null);
  // the tab's run in flight, the one shown or one a run put back from the history took the grid from
  const going = useApp((s) => runGoing(s, tab));
  if (run.status === 'idle' && Object.keys(run.results).length === 0) return null;
  const task = run.task ?? 'edit';
  const text = run.text;
  return (
    <>
    {run.plan && planSpec && <PlanBar plan={run.plan} spec={planSpec} task={run.task} busy={going || run.status === 'queued'} onRestyle={onRestyle} drawn={Object.keys(run.results)} testPrefix={tab} />}
    <ScaleGrid
      run={run}
      prefix={tab}
      label={`${task} results at five granularities`}
      sendTo
      psnrSuffix=" vs input"
      summary={
        <>
          {text && <>Instruction: “<UserText text={text.length > 80 ? text.slice(0, 80) + '…' : text} />”. </>}
          {run.mllm && (
            <span data-testid={`${tab}-mllm`}>
              {/* a tone edit the tone editor drew: the MLLM wrote its plan, not its feature tokens; a colour sketch the
                  sketch editor redrew: the MLLM wrote them all, then the editor redrew f0 */}
              {run.plan?.toneEdited ? 'Tone editor' : 'MLLM'}: {run.mllm.tokens}/{run.mllm.total} feature tokens{run.plan?.sketchEdited ? ', redrawn by the sketch editor' : ''}.{' '}
            </span>
          )}
          {run.totalMs != null && <>Done in {(run.totalMs / 1000).toFixed(1)} s. </>}
          {run.status === 'cancelled' && <strong data-testid={`${tab}-cancelled`}>Cancelled.</strong>}
        </>
      }
      first={<ModelView className="cell" image={run.source} label={SOURCE_LABEL[task]} caption={SOURCE_LABEL[task]} />}
    />
    </>
  );
}
