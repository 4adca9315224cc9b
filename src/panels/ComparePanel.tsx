// The first tab: a prompt (text-to-image, variations) or an image (reconstruct) -> all five
// granularities side by side (the recent results are under every tab: src/panels/PageHistory.tsx).
import { useApp, useRun, type Run } from '../store';
import { ReconstructSource } from '../components/ImageSource';
import { TextToImage } from '../components/TextToImage';
import { ScaleGrid } from '../components/ScaleGrid';
import { ModelView } from '../components/ModelView';
import { UserText } from '../newcomer/UserText';
import { DownloadAllButton } from '../newcomer/DownloadAllButton';
import { CopyLinkButton } from '../newcomer/CopyLinkButton';
import { runTimeLine } from '../newcomer/runSummary';
import { PlanBar } from '../components/PlanBar';

export function ComparePanel() {
  return (
    <>
      <TextToImage />
      <h2>Or start from an image</h2>
      <ReconstructSource />
    </>
  );
}

function ShareAndSave({ run }: { run: Run }) {
  const { seed, steps, guidance, scaleLabels } = useApp();
  const items = Object.values(run.results).flatMap((r) => (r.image ? [{ label: `${r.scale} ${scaleLabels[r.scale] ?? ''}`.trim(), image: r.image }] : []));
  const t2i = run.task !== 'reconstruct';
  return (
    <span className="share-save">
      <DownloadAllButton items={items} name={{ task: run.task ?? 'result', prompt: t2i ? run.text : null, inputName: run.inputName, seed: t2i ? seed : null }} />{' '}
      {t2i && <CopyLinkButton state={{ task: run.task ?? undefined, prompt: run.text, seed, steps, guidance, scales: Object.keys(run.results), plan: run.plan?.text }} />}
    </span>
  );
}

export function CompareGrid() {
  const run = useRun('main');
  const allScales = useApp((s) => s.scales.length);
  // queued while the models load, or in line behind another tab's run (the notice says which)
  const loading = useApp((s) => s.phase === 'starting' || s.phase === 'loading');
  const { actions, phase } = useApp();
  const planSpec = useApp((s) => s.manifest?.mllm?.plan ?? null);
  const reconstruct = run.task === 'reconstruct';
  const shown = run.input || Object.keys(run.results).length > 0;
  return (
    <>
      {run.status === 'queued' && (
        <p className="muted" data-testid="queued">
          Queued: {reconstruct ? <>reconstructing <UserText text={run.inputName ?? 'the image'} /></> : <>“<UserText text={run.text} />”</>}{loading ? ' starts as soon as the models are ready.' : ' (why it waits is said above).'}
        </p>
      )}
      {!reconstruct && run.plan && planSpec && <PlanBar plan={run.plan} spec={planSpec} task={run.task} busy={phase !== 'ready'} onRedraw={(plan) => void actions.generate(run.text, plan)} />}
      {shown && (
        <ScaleGrid
          run={run}
          prefix=""
          label={reconstruct ? 'Reconstructions at five granularities' : 'Generated images at each granularity'}
          enlarge
          summary={
            <>
              {run.fromHistory && <>From the history (stored thumbnails). </>}
              {reconstruct && run.inputName && <>Input: <UserText text={run.inputName} />. </>}
              {!reconstruct && run.text && <>Prompt: “<UserText text={run.text} />”. </>}
              {!reconstruct && run.mllm && (
                <span data-testid="mllm-progress">
                  MLLM: {run.mllm.tokens}/{run.mllm.total} feature tokens at {(run.mllm.ms / 1000).toFixed(1)} s (the decodes run between its calls).{' '}
                </span>
              )}
              {run.encodeMs != null && <>Encoder {run.encodeMs.toFixed(0)} ms. </>}
              {run.totalMs != null && <>{runTimeLine(Object.keys(run.results), allScales, run.totalMs)} </>}
              {run.status === 'cancelled' && <strong data-testid="cancelled">Cancelled.</strong>}
              {run.status === 'done' && <ShareAndSave run={run} />}
            </>
          }
          first={reconstruct && run.input ? <ModelView className="cell" image={run.input} label="original, 64x64" caption="original" /> : undefined}
        />
      )}
    </>
  );
}
