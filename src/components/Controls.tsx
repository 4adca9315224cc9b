import { useApp, useRun } from '../store';

/** Sampler settings (defaults from the manifest) and Cancel. */
export function Controls() {
  const { steps, allowedSteps, guidance, seed, actions } = useApp();
  const runStatus = useRun('main').status;
  return (
    <section className="controls" aria-label="Sampler settings">
      <label>
        Steps{' '}
        <select value={steps} onChange={(e) => actions.setSteps(Number(e.target.value))} data-testid="steps">
          {(allowedSteps.length ? allowedSteps : [steps]).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        Guidance <input type="number" step={0.5} min={0} max={10} value={guidance} onChange={(e) => actions.setGuidance(Number(e.target.value))} />
      </label>
      <label>
        Seed <input type="number" data-testid="seed" value={seed} onChange={(e) => actions.setSeed(Math.trunc(Number(e.target.value)) || 0)} />
      </label>
      <button type="button" onClick={() => actions.cancel()} disabled={runStatus !== 'running'} data-testid="cancel">
        Cancel
      </button>
    </section>
  );
}
