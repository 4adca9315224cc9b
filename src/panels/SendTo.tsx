import type { RGBAImage } from '../../workers/lib/image';
import { useApp } from '../store';

const TARGETS = [
  ['edit', 'Edit'],
  ['canvas', 'Canvas'],
  ['understand', 'Understand'],
] as const;

/** One-click hand-over of an image to another panel. */
export function SendTo({ image, name, exclude, testid, onSent }: { image: RGBAImage; name: string; exclude?: string; testid?: string; onSent?: () => void }) {
  const sendTo = useApp((s) => s.actions.sendTo);
  return (
    <span className="send-to" role="group" aria-label={`Send ${name} to another panel`}>
      {TARGETS.filter(([k]) => k !== exclude).map(([k, label]) => (
        <button key={k} type="button" className="small" data-testid={testid ? `${testid}-to-${k}` : undefined} aria-label={`Send ${name} to ${label}`} title={`Send to ${label}`} onClick={() => {
            sendTo(k, image, name);
            onSent?.();
          }}>
          → {label}
        </button>
      ))}
    </span>
  );
}
