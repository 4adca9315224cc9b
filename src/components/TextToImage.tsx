import { useState } from 'react';
import { useApp, useRun } from '../store';
// newcomer hook-up: prompt budget from the manifest, counter, examples (src/newcomer)
import { checkPrompt, promptTokenLimit } from '../inputValidation';
import { usePageFacts } from '../newcomer/pageFacts';
import { PromptCounter } from '../newcomer/PromptCounter';
import { ExamplePrompts } from '../newcomer/ExamplePrompts';

/** Prompt -> the MLLM writes the five-scale features -> the five decoders draw them. */
export function TextToImage() {
  const { textToImage, phase, scales, t2iScales, lastGenerated, actions } = useApp();
  const runStatus = useRun('main').status;
  const chosen = t2iScales.length ? t2iScales : scales;
  const [prompt, setPrompt] = useState('');
  const facts = usePageFacts();
  if (!textToImage) return null;
  const check = facts?.mllm ? checkPrompt(prompt, promptTokenLimit(facts.mllm)) : null;
  const busy = phase !== 'ready' && phase !== 'running';
  return (
    <>
    <h2>Text to image</h2>
    <form
      className="t2i"
      aria-label="Text to image"
      onSubmit={(e) => {
        e.preventDefault();
        if (check && check.count > check.limit) return; // the counter already says why; the text stays
        void actions.generate(prompt);
      }}
    >
      <label>
        Prompt{' '}
        <input type="text" value={prompt} placeholder="e.g. red apple" onChange={(e) => setPrompt(e.target.value)} data-testid="prompt" aria-describedby="prompt-counter" />
      </label>{' '}
      <button type="submit" disabled={busy} data-testid="generate">
        Generate
      </button>
      <button type="button" disabled={phase !== 'ready' || !lastGenerated} onClick={() => void actions.variations()} data-testid="variations"
        title="Decode the same generated features again with a new seed: how much each scale varies">
        Variations
      </button>
      {runStatus === 'running' && <span className="muted"> (Cancel below stops it)</span>}
      {check && <PromptCounter check={check} id="prompt-counter" />}
      <ExamplePrompts onPick={setPrompt} />
      <fieldset className="scale-pick">
        <legend>Scales to generate (the model stops after the finest one picked)</legend>
        {[...scales].reverse().map((sc) => (
          <label key={sc}>
            <input type="checkbox" checked={chosen.includes(sc)} onChange={() => actions.toggleT2IScale(sc)} data-testid={`scale-${sc}`} /> {sc}
          </label>
        ))}
      </fieldset>
    </form>
    </>
  );
}
