import { useEffect, useState } from 'react';
import { useApp } from '../store';

interface Sample {
  file: string;
  name: string;
  vendor: string;
}

/** Upload, drop, paste or pick a sample. */
export function InputPicker() {
  const { phase, actions } = useApp();
  const [samples, setSamples] = useState<Sample[]>([]);
  const [dragging, setDragging] = useState(false);
  const busy = phase !== 'ready' && phase !== 'running';

  useEffect(() => {
    fetch(new URL('samples/samples.json', document.baseURI))
      .then((r) => r.json())
      .then((j: { samples: Sample[] }) => setSamples(j.samples))
      .catch(() => setSamples([]));
  }, []);

  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file');
      const f = item?.getAsFile();
      if (f) void actions.useFile(f, f.name || 'pasted image');
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, [actions]);

  return (
    <section
      className={`picker ${dragging ? 'dragging' : ''}`}
      aria-label="Choose an image"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const f = e.dataTransfer.files[0];
        if (f) void actions.useFile(f, f.name);
      }}
    >
      <label className="upload">
        Upload an image (or drop / paste one here)
        <input
          type="file"
          accept="image/*"
          data-testid="file-input"
          disabled={busy}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void actions.useFile(f, f.name);
            e.target.value = '';
          }}
        />
      </label>
      <div className="samples" role="group" aria-label="Sample images (held-out emoji, never trained on)">
        {samples.map((s) => (
          <button key={s.file} type="button" className="sample" disabled={busy} title={`${s.name} (${s.vendor})`} aria-label={`Sample: ${s.name} (${s.vendor})`} data-testid="sample" onClick={() => void actions.useSample(new URL(`samples/${s.file}`, document.baseURI).href, s.name)}>
            <img src={`samples/${s.file}`} alt="" width={48} height={48} />
          </button>
        ))}
      </div>
    </section>
  );
}
