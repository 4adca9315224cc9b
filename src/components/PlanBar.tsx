// What the MLLM said it would draw, above the grid: "Drawing: hot beverage · Google style ·
// default tone", the other concepts it considered as chips, and style and tone pickers. Each
// chip or pick redraws with that plan (teacher-forced) and the same seed. The words (fields,
// separator, styles, tones) come from the manifest's mllm.plan; nothing here knows them. For a
// concept without skin tones (the served word list says which: src/conceptTones.ts) the picker
// offers only the default tone: the model learned tones only on emoji that have them. A style
// edit says whether it was restyled from the plan or kept the user's design, with a button for
// the other (src/components/restyleWords.ts has the words); a tone edit that the tone editor drew says so.
import { picks, pickShareOf, type PlanSpec } from '../../workers/lib/manifest';
import { describePlan, overridePlan, styleLabel, toneLabel, type PlanInfo } from '../../workers/mllm/plan';
import { sourceTones, tonePickerOff } from '../conceptTones';
import { keptLine, restyledLine, sketchEditedLine, toneEditedLine } from './restyleWords';
import { drawnConcept } from '../state/sourceConcept';
import { useToneFacts } from '../useToneFacts';
import { useApp } from '../store';

const SOURCE_NOTE: Record<PlanInfo['source'], string> = { greedy: "the model's plan", sampled: 'a sampled plan (variations)', given: 'your pick', picked: "the model's pick among the emoji this one looks like" };

export function PlanBar({ plan, spec, task, busy, onRedraw, onRestyle, drawn = [], testPrefix = '' }: {
  plan: PlanInfo;
  spec: PlanSpec;
  task: string | null;
  busy: boolean;
  onRedraw?: (plan: string) => void;
  /** a style edit: draw it again restyled (true) or keeping the user's design (false) */
  onRestyle?: (restyle: boolean) => void;
  /** the scales the run draws (the restyle line says "the whole drawing" when all are from the plan) */
  drawn?: readonly string[];
  testPrefix?: string;
}) {
  const [concept, style, tone] = [spec.fields[0], 'style', 'tone'];
  const id = (s: string) => (testPrefix ? `${testPrefix}-${s}` : s);
  const cur = plan.fields;
  // a tone the model wrote that is not one of the picker's (several people: "light and dark")
  // (or none written at all) is shown as it is, beside the picker's own choices
  const withCurrent = (list: string[], v: string | undefined) => (list.includes(v ?? '') ? list : [...list, v ?? '']);
  const tones = withCurrent(spec.tones, cur[tone]);
  const styleOptions = withCurrent(Object.values(spec.styles), cur[style]);
  // the default tone, and the one drawn, stay pickable whatever the concept
  const facts = useToneFacts();
  // what a picked plan's shares are of: its task's pick (mllm.pick.temperature per task: likelihood alone, or weighed
  // by the retrieval's likeness); only a picking task's plan is picked
  const shareOf = useApp((s) => (s.manifest && task && plan.source === 'picked' && picks(s.manifest, task) ? pickShareOf(s.manifest, task) : ''));
  const tonesOff = tonePickerOff(sourceTones(drawnConcept(spec, plan), facts));
  const toneOff = (v: string) => v !== spec.tones[0] && v !== cur[tone];
  /** A picker for one field of the plan: a pick redraws with the plan that field changed. */
  // (a function, not a component defined here: that would remount the select on every render)
  const picker = (label: string, field: string, options: string[], optionLabel: (v: string) => string, off?: ((v: string) => boolean) | null) => (
    <label>
      {label}{' '}
      <select value={cur[field] ?? ''} disabled={busy} data-testid={id(`plan-${field}`)} aria-describedby={off ? id(`plan-${field}-why`) : undefined} onChange={(e) => onRedraw?.(overridePlan(spec, cur, { [field]: e.target.value }))}>
        {options.map((v) => (
          <option key={v} value={v} disabled={off?.(v)}>{optionLabel(v)}</option>
        ))}
      </select>
    </label>
  );
  const restyled = restyledLine(plan.restyled, drawn);
  const kept = keptLine(plan.restyled);
  const toneEdited = toneEditedLine(plan);
  const sketchEdited = sketchEditedLine(plan);
  return (
    <section className="plan" aria-label="Plan" data-testid={id('plan')} data-plan={plan.text}>
      <p>
        <strong data-testid={id('plan-text')}>{plan.text ? `Drawing: ${describePlan(spec, cur)}` : 'The model wrote no plan: it went straight to the image'}</strong> <span className="muted">({SOURCE_NOTE[plan.source]})</span>
      </p>
      {restyled && (
        <p className="muted" data-testid={id('plan-restyled')}>
          {restyled}{' '}
          {onRestyle && (
            <button type="button" disabled={busy} data-testid={id('plan-keep-design')} onClick={() => onRestyle(false)}>
              Keep my design
            </button>
          )}
        </p>
      )}
      {kept && (
        <p className="muted" data-testid={id('plan-kept')}>
          {kept}{' '}
          {onRestyle && (
            <button type="button" disabled={busy} data-testid={id('plan-restyle-again')} onClick={() => onRestyle(true)}>
              Draw it in that style instead
            </button>
          )}
        </p>
      )}
      {toneEdited && (
        <p className="muted" data-testid={id('plan-tone-edited')}>
          {toneEdited}
        </p>
      )}
      {sketchEdited && (
        <p className="muted" data-testid={id('plan-sketch-edited')}>
          {sketchEdited}
        </p>
      )}
      {onRedraw && (
        <>
          {plan.candidates.length > 1 && (
            <div role="group" aria-label="Other things the model considered: redraw with one" className="plan-chips">
              <span className="muted" aria-hidden="true">Or draw: </span>
              {plan.candidates.map((c) => {
                const pressed = c.concept === cur[concept];
                return (
                  <button key={c.concept} type="button" className="chip" aria-pressed={pressed} disabled={busy || pressed} data-testid={id('plan-candidate')} data-plan={c.text}
                    title={`${(c.p * 100).toFixed(0)}% ${plan.source === 'picked' ? `of ${shareOf}` : 'for its first word'}`} onClick={() => onRedraw(c.text)}>
                    {c.concept}
                  </button>
                );
              })}
            </div>
          )}
          {picker('Style', style, styleOptions, (w) => styleLabel(spec, w))}{' '}
          {picker('Skin tone', tone, tones, (t) => toneLabel(spec, t), tonesOff ? toneOff : null)}
          {tonesOff && (
            <p className="muted" id={id(`plan-${tone}-why`)} data-testid={id(`plan-${tone}-why`)}>
              {tonesOff}
            </p>
          )}
        </>
      )}
    </section>
  );
}
