// Where a panel's image comes from: upload (file, drop, paste), a sample, or a result sent here.
import { useEffect, useState } from 'react';
import { blobToRGBA, InputError, urlToRGBA } from '../imageInput';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { useTasks } from './taskStore';

interface Sample {
  file: string;
  name: string;
  vendor: string;
}

let samplesPromise: Promise<Sample[]> | null = null;
export function loadSamples(): Promise<Sample[]> {
  samplesPromise ??= fetch(new URL('samples/samples.json', document.baseURI))
    .then((r) => r.json())
    .then((j: { samples: Sample[] }) => j.samples)
    .catch(() => []);
  return samplesPromise;
}

/** Decodes a user file with a clear message for what cannot be used; null + onError when refused. */
export async function readImageFile(f: Blob, name: string, onError: (m: string) => void) {
  try {
    return await blobToRGBA(f, name);
  } catch (e) {
    onError(e instanceof InputError ? e.message : `Could not use ${name}: ${(e as Error).message}`);
    return null;
  }
}

export function ImageSource({ panel, onError, showPicked = true }: { panel: 'edit' | 'canvas' | 'understand'; onError: (m: string | null) => void; showPicked?: boolean }) {
  const picked = useTasks((s) => s.picked[panel]);
  const pick = useTasks((s) => s.actions.pick);
  const [samples, setSamples] = useState<Sample[]>([]);
  useEffect(() => void loadSamples().then(setSamples), []);

  const useFile = async (f: Blob, name: string) => {
    onError(null);
    const img = await readImageFile(f, name, onError);
    if (img) pick(panel, img, name);
  };

  return (
    <div
      className="image-source"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        const f = e.dataTransfer.files[0];
        if (f) void useFile(f, f.name);
      }}
    >
      <label className="upload">
        Upload an image
        <input
          type="file"
          accept="image/*"
          data-testid={`${panel}-file`}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void useFile(f, f.name);
            e.target.value = '';
          }}
        />
      </label>
      <div className="samples" role="group" aria-label={`Sample images for ${panel} (held-out emoji)`}>
        {samples.map((s) => (
          <button
            key={s.file}
            type="button"
            className="sample"
            aria-label={`Use sample: ${s.name} (${s.vendor})`}
            title={`${s.name} (${s.vendor})`}
            data-testid={`${panel}-sample`}
            data-file={s.file}
            onClick={async () => {
              onError(null);
              try {
                pick(panel, await urlToRGBA(new URL(`samples/${s.file}`, document.baseURI).href), s.name);
              } catch (e) {
                onError((e as Error).message);
              }
            }}
          >
            <img src={`samples/${s.file}`} alt="" width={40} height={40} />
          </button>
        ))}
      </div>
      {showPicked && picked && (
        <figure className="picked" data-testid={`${panel}-picked`}>
          <RgbaCanvas image={picked.image} label={`chosen image: ${picked.name}`} className="thumb" />
          <figcaption>{picked.name}</figcaption>
        </figure>
      )}
    </div>
  );
}
