// "Skip to results": a keyboard user reaches the shown tab's results in one step instead of
// tabbing through the form, the samples and the settings. Shown when focused. The address is not
// changed (the hash carries share-link settings): the click moves focus itself.
import { useApp } from '../store';

export const resultsId = (tab: string) => `results-${tab}`;

export function SkipToResults({ testid }: { testid: string }) {
  const tab = useApp((s) => s.tab);
  const id = resultsId(tab);
  return (
    <a
      className="skip-link"
      href={`#${id}`}
      data-testid={testid}
      onClick={(e) => {
        const el = document.getElementById(id);
        if (!el) return;
        e.preventDefault();
        el.focus();
        el.scrollIntoView({ block: 'start' });
      }}
    >
      Skip to results
    </a>
  );
}
