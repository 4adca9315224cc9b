import { useState } from 'react';
import { downloadBlob, resultFileName, stripPngBlob, type ResultNameParts, type StripItem } from '../downloads';

/** Saves every finished scale as one labelled strip PNG, named after the task and prompt. */
export function DownloadAllButton({ items, name }: { items: StripItem[]; name: Omit<ResultNameParts, 'scale'> }) {
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    setError(null);
    try {
      downloadBlob(await stripPngBlob(items), resultFileName(name));
    } catch (e) {
      setError(`Could not save the images: ${(e as Error).message}`);
    }
  };
  return (
    <>
      <button type="button" disabled={!items.length} onClick={() => void save()} data-testid="download-all" title="All scales side by side in one PNG">
        Download all
      </button>
      {error && <span role="alert" className="error">{error}</span>}
    </>
  );
}
