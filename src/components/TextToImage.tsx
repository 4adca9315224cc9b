import { useState } from 'react';
import { useApp } from '../store';

/** Prompt -> the MLLM writes the five-scale features -> the five decoders draw them. */
export function TextToImage() {
  const { textToImage, phase, runStatus, actions } = useApp();
  const [prompt, setPrompt] = useState('');
  if (!textToImage) return null;
  const busy = phase !== 'ready' && phase !== 'running';
  return (
    <>
    <h2>Text to image</h2>
    <form
      className="t2i"
      aria-label="Text to image"
      onSubmit={(e) => {
        e.preventDefault();
        void actions.generate(prompt);
      }}
    >
      <label>
        Prompt{' '}
        <input type="text" value={prompt} maxLength={300} placeholder="e.g. a red apple" onChange={(e) => setPrompt(e.target.value)} data-testid="prompt" />
      </label>{' '}
      <button type="submit" disabled={busy} data-testid="generate">
        Generate
      </button>
      {runStatus === 'running' && <span className="muted"> (Cancel below stops it)</span>}
    </form>
    </>
  );
}
