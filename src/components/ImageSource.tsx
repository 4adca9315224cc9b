// Where an image comes from: upload (file, drop, paste), or a sample. The first tab runs the
// reconstruction at once; the other tabs keep the image as their input (and show it).
import { useEffect, useState } from 'react';
import type { RGBAImage } from '../../workers/lib/image';
import { blobToRGBA, InputError, urlToRGBA } from '../imageInput';
import { loadSamples, sampleUrl, type Sample } from '../samples';
import { useApp, type ImageTab } from '../store';
import { RgbaCanvas } from './RgbaCanvas';

/** Decodes a user file with a clear message for what cannot be used; null + onError when refused. */
export async function readImageFile(f: Blob, name: string, onError: (m: string) => void) {
  try {
    return await blobToRGBA(f, name);
  } catch (e) {
    onError(e instanceof InputError ? e.message : `Could not use ${name}: ${(e as Error).message}`);
    return null;
  }
}

function useSamples() {
  const [samples, setSamples] = useState<Sample[]>([]);
  useEffect(() => void loadSamples().then(setSamples), []);
  return samples;
}

/** The first tab's picker: a file, a drop or a sample is reconstructed at once (a paste too,
 * while this tab is shown: src/usePaste.ts). */
export function ReconstructSource() {
  const actions = useApp((s) => s.actions);
  const samples = useSamples();
  const [dragging, setDragging] = useState(false);
  // usable from the first paint: an image given while the models load is queued (store.run)
  const reconstruct = (image: RGBAImage, name: string) => void actions.run('main', 'reconstruct', { image }, { inputName: name });
  const openFile = async (f: Blob, name: string) => {
    const img = await readImageFile(f, name, (m) => actions.setMessage('main', m));
    if (img) reconstruct(img, name);
  };

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
        if (f) void openFile(f, f.name);
      }}
    >
      <FileInput label="Upload an image (or drop / paste one here)" testid="file-input" onFile={(f) => void openFile(f, f.name)} />
      <div className="samples" role="group" aria-label="Sample images (held-out emoji, never trained on)">
        {samples.map((s) => (
          <SampleButton key={s.file} sample={s} size={48} testid="sample" label={`Sample: ${s.name} (${s.vendor})`}
            onPick={async () => {
              try {
                reconstruct(await urlToRGBA(sampleUrl(s)), s.name);
              } catch (e) {
                actions.setMessage('main', (e as Error).message);
              }
            }} />
        ))}
      </div>
    </section>
  );
}

/** A tab's input image: upload, drop or sample; a result sent here arrives the same way. */
export function ImageSource({ tab, showPicked = true }: { tab: ImageTab; showPicked?: boolean }) {
  const picked = useApp((s) => s.picked[tab]);
  const actions = useApp((s) => s.actions);
  const samples = useSamples();
  const onError = (m: string | null) => actions.setMessage(tab, m);

  const openFile = async (f: Blob, name: string) => {
    onError(null);
    const img = await readImageFile(f, name, onError);
    if (img) actions.pick(tab, img, name);
  };

  return (
    <div
      className="image-source"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        const f = e.dataTransfer.files[0];
        if (f) void openFile(f, f.name);
      }}
    >
      <FileInput label="Upload an image" testid={`${tab}-file`} onFile={(f) => void openFile(f, f.name)} />
      <div className="samples" role="group" aria-label={`Sample images for ${tab} (held-out emoji)`}>
        {samples.map((s) => (
          <SampleButton key={s.file} sample={s} size={40} testid={`${tab}-sample`} label={`Use sample: ${s.name} (${s.vendor})`}
            onPick={async () => {
              onError(null);
              try {
                actions.pick(tab, await urlToRGBA(sampleUrl(s)), s.name, s.concept ? { name: s.name, code: s.concept, from: 'sample' } : undefined);
              } catch (e) {
                onError((e as Error).message);
              }
            }} />
        ))}
      </div>
      {showPicked && picked && (
        <figure className="picked" data-testid={`${tab}-picked`}>
          <RgbaCanvas image={picked.image} label={`chosen image: ${picked.name}`} className="thumb" />
          <figcaption>{picked.name}</figcaption>
        </figure>
      )}
    </div>
  );
}

function FileInput({ label, testid, disabled, onFile }: { label: string; testid: string; disabled?: boolean; onFile: (f: File) => void }) {
  return (
    <label className="upload">
      {label}
      <input
        type="file"
        accept="image/*"
        data-testid={testid}
        disabled={disabled}
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) onFile(f);
          e.target.value = '';
        }}
      />
    </label>
  );
}

function SampleButton({ sample: s, size, disabled, testid, label, onPick }: { sample: Sample; size: number; disabled?: boolean; testid: string; label: string; onPick: () => void }) {
  return (
    <button type="button" className="sample" disabled={disabled} title={`${s.name} (${s.vendor})`} aria-label={label} data-testid={testid} data-file={s.file} onClick={onPick}>
      <img src={`samples/${s.file}`} alt="" width={size} height={size} />
    </button>
  );
}
