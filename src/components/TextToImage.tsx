import { useApp, useRun } from '../store';
// newcomer hook-up: prompt budget from the manifest, counter, examples (src/newcomer)
import { tokenBudgets } from '../../workers/lib/manifest';
import { PromptCounter } from '../newcomer/PromptCounter';
import { ExamplePrompts } from '../newcomer/ExamplePrompts';
import { useTextCheck } from '../newcomer/useTextCheck';
import { describePlan, parsePlan } from '../../workers/mllm/plan';
import { NewWords } from '../newcomer/PromptCounter';
import { useReading } from '../newcomer/useKnownWords';
import { SkipToResults } from '../newcomer/SkipToResults';

/**
 * Prompt -> the MLLM writes the five-scale features -> the five decoders draw them. The form is
 * there from the first paint: a prompt given while the models load is queued, not refused.
 */
export function TextToImage() {
  const { textToImage, mllmLoading, mllmError, phase, scales, t2iScales, lastGenerated, prompt, facts, fileStates, actions, planOverride } = useApp();
  const planSpec = useApp((s) => s.manifest?.mllm?.plan ?? null);
  const runStatus = useRun('main').status;
  const chosen = t2iScales.length ? t2iScales : scales;
  // the model reads emoji as their names: the counter counts (and shows) what it reads
  const { reading, words } = useReading(prompt);
  const check = useTextCheck(reading?.text ?? prompt, facts?.mllm ? tokenBudgets(facts.mllm).prompt : null, 'prompt');
  const ready = phase === 'ready' || phase === 'running';
  const mllmFailed = Object.values(fileStates).filter((f) => f.mllm && f.state === 'failed');
  // with the manifest read, a manifest without the MLLM has no text-to-image at all
  if (facts && !facts.mllm) return null;
  return (
    <>
    <h2>Text to image</h2>
    {/* while the MLLM still loads, the load line above says so (LoadProgress) */}
    {ready && !textToImage && !mllmLoading && (
      <p className="notice" data-testid="t2i-unavailable">
        Text to image is unavailable until the language model loads{mllmFailed.length ? `: ${mllmFailed.map((f) => f.file).join(', ')} failed (see above)` : mllmError ? `: it failed (${mllmError})` : ''}.
      </p>
    )}
    <form
      className="t2i"
      aria-label="Text to image"
      onSubmit={(e) => {
        e.preventDefault();
        if (check && check.count > check.limit) return; // the counter already says why; the text stays
        void actions.generate(reading?.text ?? prompt); // what the counter shows is what the model reads
      }}
    >
      <label>
        Prompt{' '}
        <input type="text" value={prompt} placeholder="e.g. red apple" onChange={(e) => actions.setPrompt(e.target.value)} data-testid="prompt" aria-describedby="prompt-counter" />
      </label>{' '}
      <button type="submit" data-testid="generate">
        Generate
      </button>
      <button type="button" disabled={phase !== 'ready' || !lastGenerated} onClick={() => void actions.variations()} data-testid="variations"
        title={planSpec ? 'Draw again with a new seed and a sampled plan: variations differ in what is drawn' : 'Decode the same generated features again with a new seed: how much each scale varies'}>
        Variations
      </button>
      <SkipToResults testid="skip-to-results-t2i" />
      {runStatus === 'running' && <span className="muted"> (Cancel below stops it)</span>}
      {check && <PromptCounter check={check} id="prompt-counter" raw={prompt} reading={reading} />}
      <NewWords reading={reading} words={words} raw={prompt} testid="prompt-new-words" />
      {planOverride && planSpec && (
        <p className="muted" data-testid="plan-pending" data-plan={planOverride}>
          Generate draws the linked plan: {describePlan(planSpec, parsePlan(planSpec, planOverride))}.{' '}
          <button type="button" onClick={() => actions.setPlanOverride(null)} data-testid="plan-pending-clear">
            Let the model plan
          </button>
        </p>
      )}
      <ExamplePrompts onPick={actions.setPrompt} />
      {scales.length > 0 && (
        <fieldset className="scale-pick">
          <legend>Scales to generate (the model stops after the finest one picked)</legend>
          {[...scales].reverse().map((sc) => (
            <label key={sc}>
              <input type="checkbox" checked={chosen.includes(sc)} onChange={() => actions.toggleT2IScale(sc)} data-testid={`scale-${sc}`} /> {sc}
            </label>
          ))}
        </fieldset>
      )}
    </form>
    </>
  );
}
