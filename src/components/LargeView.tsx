import { useEffect, useRef } from 'react';
import { useApp, useRun } from '../store';
import { RgbaCanvas } from './RgbaCanvas';
import { rgbaToPngBlob } from '../imageInput';
import { SendTo } from '../panels/SendTo';
import { resultFileName } from '../downloads'; // newcomer hook-up: named downloads
import { UserText } from '../newcomer/UserText';
import { drawnConcept } from '../state/sourceConcept';

/** A dialog with one result enlarged and a PNG download. */
export function LargeView() {
  const selected = useApp((s) => s.selected);
  const { results, inputName, task, text, plan } = useRun('main');
  const planSpec = useApp((s) => s.manifest?.mllm?.plan);
  const actions = useApp((s) => s.actions);
  const ref = useRef<HTMLDialogElement>(null);
  const r = selected ? results[selected] : undefined;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (r?.image && !d.open) d.showModal();
    if (!r?.image && d.open) d.close();
  }, [r]);

  const download = async () => {
    if (!r?.image) return;
    const url = URL.createObjectURL(await rgbaToPngBlob(r.image));
    const a = document.createElement('a');
    a.href = url;
    a.download = resultFileName({ task: task ?? 'result', prompt: task === 'reconstruct' ? null : text, inputName, scale: r.scale });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <dialog ref={ref} onClose={() => actions.select(null)} aria-label="Large view">
      {r?.image && (
        <>
          <RgbaCanvas image={r.image} label={`${r.scale} ${task === 'reconstruct' ? 'reconstruction' : 'result'}, enlarged`} className="large" />
          <p>
            {/* only a reconstruction has an input to compare with */}
            {r.scale}
            {task === 'reconstruct' && r.psnr != null && Number.isFinite(r.psnr) ? <> · {r.psnr.toFixed(2)} dB PSNR vs. the 64x64 input</> : null}
            {task !== 'reconstruct' && text ? <> · “<UserText text={text} />”</> : null}
          </p>
          <button type="button" onClick={() => void download()} data-testid="download">
            Download PNG
          </button>{' '}
          <button type="button" onClick={() => actions.select(null)}>
            Close
          </button>
          <p>
            <SendTo image={r.image} name={`${r.scale} result`} concept={drawnConcept(planSpec, plan)} testid="large" onSent={() => actions.select(null)} />
          </p>
        </>
      )}
    </dialog>
  );
}
