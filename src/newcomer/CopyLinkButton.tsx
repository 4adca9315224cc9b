import { useState } from 'react';
import { shareUrl, type ShareState } from '../shareLink';

/**
 * Puts the settings in the address bar (#...) and copies the link. Where the clipboard is not
 * allowed (an insecure origin, a denied permission) the link is shown to copy by hand.
 */
export function CopyLinkButton({ state, disabled }: { state: ShareState; disabled?: boolean }) {
  const [shown, setShown] = useState<{ url: string; copied: boolean } | null>(null);
  const copy = async () => {
    const url = shareUrl(location.href, state);
    history.replaceState(history.state, '', url);
    let copied = false;
    try {
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch {
      copied = false;
    }
    setShown({ url, copied });
  };
  return (
    <span className="copy-link">
      <button type="button" disabled={disabled} onClick={() => void copy()} data-testid="copy-link">
        Copy link
      </button>
      {shown && (
        <span role="status" className="muted">
          {shown.copied ? ' Link copied (images are not in it: they never leave this page).' : ' Copy this link: '}
          {!shown.copied && <input readOnly value={shown.url} onFocus={(e) => e.currentTarget.select()} aria-label="Link to these settings" data-testid="copy-link-url" />}
        </span>
      )}
    </span>
  );
}
