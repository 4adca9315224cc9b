// Edit: an image plus an instruction -> five edited versions (one per granularity).
import { ImageSource } from '../components/ImageSource';
import { TaskGrid } from './TaskGrid';
import { Message } from './Message';
import { resultsId } from '../newcomer/SkipToResults';
import { useTaskPanel } from './useTaskPanel';
import { TaskTextForm } from './TaskTextForm';

export function EditPanel() {
  const panel = useTaskPanel('edit', 'instruction');
  const { info, picked, run, actions, sent, running, refuse, say } = panel;

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
      <TaskTextForm tab="edit" panel={panel} label="Instruction" inputId="edit-instruction" what="instruction" placeholder="e.g. make it medium-dark skin tone" onSubmit={go} suggestions={{ label: 'Instructions the model was trained on', items: info?.instructions }}>
        <button type="submit" data-testid="edit-generate">
          {running ? 'Restart' : 'Edit'}
        </button>
      </TaskTextForm>
      {info && !info.available && !info.instructions.length ? <p className="notice">Editing is unavailable: {info.reason}</p> : null}
      <section className="results" id={resultsId('edit')} tabIndex={-1} aria-label="Edit results">
        <Message text={run.message} testid="edit-message" onClose={() => say(null)} />
        <TaskGrid run={run} tab="edit" />
      </section>
    </section>
  );
}
