// The first tab: an image (reconstruct) or a prompt (text-to-image, variations) -> all five
// granularities side by side.
import { useRun } from '../store';
import { ReconstructSource } from '../components/ImageSource';
import { TextToImage } from '../components/TextToImage';
import { ScaleGrid } from '../components/ScaleGrid';
import { ModelView } from '../components/ModelView';

export function ComparePanel() {
  return (
    <>
      <h2>Granularity comparison</h2>
      <ReconstructSource />
      <TextToImage />
    </>
  );
}

export function CompareGrid() {
  const run = useRun('main');
  if (!run.input && Object.keys(run.results).length === 0) return null;
  const reconstruct = run.task === 'reconstruct';
  return (
    <ScaleGrid
      run={run}
      prefix=""
      label="Reconstructions at five granularities"
      enlarge
      summary={
        <>
          {reconstruct && run.inputName && <>Input: {run.inputName}. </>}
          {!reconstruct && run.text && <>Prompt: “{run.text}”. </>}
          {!reconstruct && run.mllm && (
            <span data-testid="mllm-progress">
              MLLM: {run.mllm.tokens}/{run.mllm.total} feature tokens ({(run.mllm.ms / 1000).toFixed(1)} s).{' '}
            </span>
          )}
          {run.encodeMs != null && <>Encoder {run.encodeMs.toFixed(0)} ms. </>}
          {run.totalMs != null && <>All five in {(run.totalMs / 1000).toFixed(2)} s. </>}
          {run.status === 'cancelled' && <strong data-testid="cancelled">Cancelled.</strong>}
        </>
      }
      first={reconstruct ? <ModelView className="cell" image={run.input} label="original, 64x64" caption="original" /> : undefined}
    />
  );
}
