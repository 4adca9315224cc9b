import { useContext } from 'react';
import type { RGBAImage } from '../../workers/lib/image';
import { useApp, type SourceConcept } from '../store';
import { SendTargets } from '../sendTargets';

/** One-click hand-over of an image to another tab; `concept`: what it shows, when known (the
 * plan that drew it), so the tab it goes to can say what fits it. */
export function SendTo({ image, name, concept, exclude, testid, onSent }: { image: RGBAImage; name: string; concept?: SourceConcept; exclude?: string; testid?: string; onSent?: () => void }) {
  const sendTo = useApp((s) => s.actions.sendTo);
  const targets = useContext(SendTargets);
  return (
    <span className="send-to" role="group" aria-label={`Send ${name} to another panel`}>
      {targets
        .filter((t) => t.id !== exclude)
        .map(({ id, label }) => (
          <button key={id} type="button" className="small" data-testid={testid ? `${testid}-to-${id}` : undefined} aria-label={`Send ${name} to ${label}`} title={`Send to ${label}`} onClick={() => {
              sendTo(id, image, name, concept);
              onSent?.();
            }}>
            → {label}
          </button>
        ))}
    </span>
  );
}
