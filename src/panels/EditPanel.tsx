// Edit: an image plus an instruction -> five edited versions (one per granularity).
import { useState } from 'react';
import { useApp, useRun } from '../store';
import { ImageSource } from '../components/ImageSource';
import { TaskGrid } from './TaskGrid';
import { Message } from './Message';
import { useTextCheck } from '../newcomer/useTextCheck';
import { NewWords, PromptCounter } from '../newcomer/PromptCounter';
import { useReading } from '../newcomer/useKnownWords';
import { resultsId } from '../newcomer/SkipToResults';

export function EditPanel() {
  const info = useApp((s) => s.taskInfo);
  const picked = useApp((s) => s.picked.edit);
  const run = useRun('edit');
  const actions = useApp((s) => s.actions);
  const [instruction, setInstruction] = useState('');
  const running = run.status === 'running';
  // the same budget check as the prompt: what fits beside the image in the MLLM's context
  const { reading, words } = useReading(instruction);
  const check = useTextCheck(reading?.text ?? instruction, info?.available ? info.maxInstructionTokens : null, 'instruction');

  const go = () => {
    if (!picked) return actions.setMessage('edit', 'Choose an image first: upload one, pick a sample, or send a result here.');
    if (!instruction.trim()) return actions.setMessage('edit', 'Type an instruction first, or pick one of the suggestions.');
    if (check?.message) return actions.setMessage('edit', check.message);
    const text = reading?.text ?? instruction;
    void actions.run('edit', 'edit', { image: picked.image, instruction: text }, { text });
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
        <button type="button" data-testid="edit-cancel" disabled={!running && run.status !== 'queued'} onClick={() => actions.cancel()}>
          Cancel
        </button>
        {check && instruction && <PromptCounter check={check} id="edit-counter" raw={instruction} reading={reading} />}
        <NewWords reading={reading} words={words} raw={instruction} testid="edit-new-words" />
      </form>
      {info?.instructions.length ? (
        <div className="chips" role="group" aria-label="Instructions the model was trained on">
          {info.instructions.map((c) => (
            <button key={c.text} type="button" className="chip" data-testid="edit-chip" data-kind={c.kind} onClick={() => setInstruction(c.text)}>
              {c.label}
            </button>
          ))}
        </div>
      ) : info && !info.available ? (
        <p className="notice">Editing is unavailable: {info.reason}</p>
      ) : null}
      <section className="results" id={resultsId('edit')} tabIndex={-1} aria-label="Edit results">
        <Message text={run.message} testid="edit-message" onClose={() => actions.setMessage('edit', null)} />
        <TaskGrid run={run} tab="edit" />
      </section>
    </section>
  );
}
