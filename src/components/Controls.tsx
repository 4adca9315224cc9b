import { useEffect, useState } from 'react';
import { useApp, useRun } from '../store';
// newcomer hook-up: guidance and seed are checked as typed; a value that does not pass is kept
// in its box with a message and the store keeps the last good one (empty guidance is not 0)
import { checkGuidance, checkSeed, fixedStepsText, guidanceNote, type Checked } from '../inputValidation';

/** Sampler settings (defaults from the manifest) and Cancel. */
export function Controls() {
  const { steps, allowedSteps, guidance, seed, actions } = useApp();
  const runStatus = useRun('main').status;
  // this Cancel is the first tab's (the sampler row shows on other tabs too; they have their own)
  const onMain = useApp((st) => st.tab === 'main');
  const facts = useApp((s) => s.facts);
  const [gDraft, setGDraft] = useState(String(guidance));
  const [sDraft, setSDraft] = useState(String(seed));
  useEffect(() => setGDraft((d) => (checkGuidanceOk(d, guidance) ? d : String(guidance))), [guidance]);
  useEffect(() => setSDraft((d) => (Number(d) === seed && d.trim() !== '' ? d : String(seed))), [seed]);
  const sampler = facts?.sampler ?? { steps, allowed_steps: allowedSteps, guidance };
  const g = checkGuidance(gDraft, sampler);
  const s = checkSeed(sDraft);
  const note = g.ok ? guidanceNote(g.value, facts?.distilledGuidance) : null;
  // one allowed count (step-distilled decoders) is shown, not offered: a one-option box would suggest a choice
  const fixed = allowedSteps.length === 1 ? fixedStepsText(allowedSteps[0], facts?.stepDistilled) : null;
  return (
    <section className="controls" aria-label="Sampler settings">
      {fixed ? (
        <span>
          Steps{' '}
          <output data-testid="steps" data-steps={allowedSteps[0]} title={fixed.title}>
            {fixed.label}
          </output>
        </span>
      ) : (
        <label>
          Steps{' '}
          <select value={steps} onChange={(e) => actions.setSteps(Number(e.target.value))} data-testid="steps" disabled={!allowedSteps.length}>
            {(allowedSteps.length ? allowedSteps : [steps]).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Guidance{' '}
        <input
          type="number"
          step={0.5}
          value={gDraft}
          aria-invalid={!g.ok}
          aria-describedby={note ? 'guidance-msg guidance-note' : 'guidance-msg'}
          data-testid="guidance"
          onChange={(e) => {
            setGDraft(e.target.value);
            const r = checkGuidance(e.target.value, sampler);
            if (r.ok) actions.setGuidance(r.value);
          }}
        />
      </label>
      <label>
        Seed{' '}
        <input
          type="number"
          data-testid="seed"
          value={sDraft}
          aria-invalid={!s.ok}
          aria-describedby="seed-msg"
          onChange={(e) => {
            setSDraft(e.target.value);
            const r = checkSeed(e.target.value);
            if (r.ok) actions.setSeed(r.value);
          }}
        />
      </label>
      {onMain && (
        <button type="button" onClick={() => actions.cancel('main')} disabled={runStatus !== 'running' && runStatus !== 'queued'} data-testid="cancel">
          Cancel
        </button>
      )}
      <FieldError id="guidance-msg" check={g} used={guidance} />
      {note && (
        <span id="guidance-note" className="muted" data-testid="guidance-note">
          {note}
        </span>
      )}
      <FieldError id="seed-msg" check={s} used={seed} />
    </section>
  );
}

function checkGuidanceOk(draft: string, value: number): boolean {
  return draft.trim() !== '' && Number(draft) === value;
}

/** A typed value that does not pass: why, and the last good value runs use meanwhile. */
function FieldError({ id, check, used }: { id: string; check: Checked<number>; used: number }) {
  if (check.ok) return null;
  return (
    <span id={id} className="field-error" role="alert" data-testid={id}>
      {check.message} Runs use {used}.
    </span>
  );
}
