// Edit: an image plus an instruction -> five edited versions (one per granularity).
import { ImageSource } from '../components/ImageSource';
import { TaskGrid } from './TaskGrid';
import { Message } from './Message';
import { NewWords, PromptCounter } from '../newcomer/PromptCounter';
import { resultsId } from '../newcomer/SkipToResults';
import { useTaskPanel } from './useTaskPanel';
import { Chips } from './Chips';

export function EditPanel() {
  const { info, picked, run, actions, text: instruction, setText: setInstruction, reading, words, sent, check, running, cancellable, refuse, say } = useTaskPanel('edit', 'instruction');

  const go = () => {
    const why = refuse(true, 'Type an instruction first, or pick one of the suggestions.');
    if (why || !picked) return say(why);
    void actions.run('edit', 'edit', { image: picked.image, instruction: sent }, { text: sent });
  };

  return (
    <section aria-labelledby="edit-h" data-testid="panel-edit">
      <h2 id="edit-h">Edit</h2>
      <p className="muted">The MLLM reads all five scales of the image and writes the edited image's five scales; each is decoded on its own. Fine scales stay faithful, coarse ones drift.</p>
      <ImageSource tab="edit" />
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          go();
        }}
      >
        <label htmlFor="edit-instruction">Instruction</label>
        <input id="edit-instruction" data-testid="edit-instruction" type="text" value={instruction} onChange={(e) => setInstruction(e.target.value)} placeholder="e.g. make it medium-dark skin tone" size={40} />
        <button type="submit" data-testid="edit-generate">
          {running ? 'Restart' : 'Edit'}
        </button>
        <button type="button" data-testid="edit-cancel" disabled={!cancellable} onClick={() => actions.cancel('edit')}>
          Cancel
        </button>
        {check && instruction && <PromptCounter check={check} id="edit-counter" raw={instruction} reading={reading} />}
        <NewWords reading={reading} words={words} raw={instruction} testid="edit-new-words" />
      </form>
      {info?.instructions.length ? (
        <Chips label="Instructions the model was trained on" testid="edit-chip" items={info.instructions} onPick={setInstruction} />
      ) : info && !info.available ? (
        <p className="notice">Editing is unavailable: {info.reason}</p>
      ) : null}
      <section className="results" id={resultsId('edit')} tabIndex={-1} aria-label="Edit results">
        <Message text={run.message} testid="edit-message" onClose={() => say(null)} />
        <TaskGrid run={run} tab="edit" />
      </section>
    </section>
  );
}
