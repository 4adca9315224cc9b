// Edit: an image plus an instruction -> five edited versions (one per granularity). When the
// image's concept is known (a sample's metadata, the plan of a run on it) and it has no skin
// tones, the tone suggestions are off and a typed tone request is warned about: the model never
// learned tone edits of such emoji (src/conceptTones.ts). A style edit's plan bar offers it
// again the other way (restyled from the plan, or the user's design kept), with the run's own
// image, instruction and seed.
import { ImageSource } from '../components/ImageSource';
import { TaskGrid } from './TaskGrid';
import { Message } from './Message';
import { resultsId } from '../newcomer/SkipToResults';
import { useTaskPanel } from './useTaskPanel';
import { TaskTextForm } from './TaskTextForm';
import { asksForSkinTone, markToneChips, sourceTones, toneChipsOff, toneRequestWarning } from '../conceptTones';
import { useToneFacts } from '../useToneFacts';
import { useApp } from '../store';

export function EditPanel() {
  const panel = useTaskPanel('edit', 'instruction');
  const { info, picked, run, actions, sent, running, refuse, say } = panel;
  const tones = sourceTones(picked?.concept, useToneFacts());
  const mllmLoading = useApp((s) => s.mllmLoading); // the load line above the tabs says so (LoadProgress)
  const instructions = info?.instructions ?? [];
  const suggestions = info ? markToneChips(instructions, toneChipsOff(tones)) : undefined;
  // the example in the empty box is one this image can take
  const example = (suggestions?.some((c) => c.unavailable) && suggestions.find((c) => !c.unavailable)?.text) || 'make it medium-dark skin tone';

  const go = () => {
    const why = refuse(true, 'Type an instruction first, or pick one of the suggestions.');
    if (why || !picked) return say(why);
    // an edit put back from the history with the user's design kept is kept again, while its instruction is unchanged
    const r = picked.restored;
    const keep = r?.task === 'edit' && r.restyle === false && r.text === sent ? { restyle: false } : {};
    // the pick's seq: what this run's plan says about the image is learned by this pick only
    void actions.run('edit', 'edit', { image: picked.image, instruction: sent, ...keep }, { text: sent, inputName: picked.name, pickSeq: picked.seq });
  };

  return (
    <section aria-labelledby="edit-h" data-testid="panel-edit">
      <h2 id="edit-h">Edit</h2>
      <p className="muted">The MLLM reads all five scales of the image and writes the edited image's five scales; each is decoded on its own. Fine scales stay faithful, coarse ones drift. Where the model ships a tone editor, one person's skin-tone edits are redrawn by it instead; the plan says when.</p>
      <ImageSource tab="edit" />
      <TaskTextForm tab="edit" panel={panel} label="Instruction" inputId="edit-instruction" what="instruction" placeholder={`e.g. ${example}`} onSubmit={go}
        suggestions={{ label: 'Instructions the model was trained on', items: suggestions }}
        warning={toneRequestWarning(tones, asksForSkinTone(sent, instructions))}>
        <button type="submit" data-testid="edit-generate">
          {running ? 'Restart' : 'Edit'}
        </button>
      </TaskTextForm>
      {info && !info.available && !info.instructions.length && !mllmLoading ? <p className="notice">Editing is unavailable: {info.reason}</p> : null}
      <section className="results" id={resultsId('edit')} tabIndex={-1} aria-label="Edit results">
        <Message text={run.message} testid="edit-message" onClose={() => say(null)} />
        <TaskGrid run={run} tab="edit" onRestyle={(restyle) => void actions.again('edit', 'edit', { restyle })} />
      </section>
    </section>
  );
}
