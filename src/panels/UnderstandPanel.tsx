// Understand: an image plus a question -> the answer streamed as written (a caption: the model's pick); Caption button;
// the 64x64 image as the model saw it.
import { ImageSource } from '../components/ImageSource';
import { pickShareOf, picks } from '../../workers/lib/manifest';
import { useApp } from '../store';
import { Message } from './Message';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { ModelView } from '../components/ModelView';
import { resultsId } from '../newcomer/SkipToResults';
import { UserText } from '../newcomer/UserText';
import { useTaskPanel } from './useTaskPanel';
import { TaskTextForm } from './TaskTextForm';

const pct = (p: number) => `${(p * 100).toFixed(p < 0.01 ? 1 : 0)}%`;

export function UnderstandPanel() {
  const panel = useTaskPanel('understand', 'question');
  const { info, picked, run: u, actions, sent, running, refuse, say } = panel;
  // the manifest's mllm.pick: a caption is chosen among retrieved names, not written
  const captionPicks = useApp((s) => (s.manifest ? picks(s.manifest, 'caption') : false));
  // what a picked caption's shares are of: the caption task's pick (mllm.pick.temperature: likelihood alone, or weighed
  // by the retrieval's likeness)
  const shareOf = useApp((s) => (s.manifest && picks(s.manifest, 'caption') ? pickShareOf(s.manifest, 'caption') : ''));

  const ask = (caption: boolean) => {
    const why = refuse(!caption, 'Type a question first, or press Caption.');
    if (why || !picked) return say(why);
    const q = caption ? '' : sent;
    void actions.run('understand', 'understand', { image: picked.image, question: q, caption }, { text: q, inputName: picked.name });
  };

  return (
    <section aria-labelledby="und-h" data-testid="panel-understand">
      <h2 id="und-h">Understand</h2>
      <p className="muted">
        The MLLM reads all five scales of the image and answers in text as it writes it.
        {captionPicks && " A caption is the model's pick among the names of the emoji the image looks like most."}
      </p>
      <ImageSource tab="understand" showPicked={false} />
      <div className="understand-row">
        {picked && (
          <figure className="picked">
            <RgbaCanvas image={picked.image} label={`chosen image: ${picked.name}`} className="thumb" />
            <figcaption>{picked.name}</figcaption>
          </figure>
        )}
        {u.source && <ModelView className="picked" thumb testid="understand-seen" image={u.source} label="the image as the model saw it, 64x64" caption="as the model saw it (64x64)" />}
      </div>
      <TaskTextForm tab="understand" panel={panel} label="Question" inputId="und-question" what="question" placeholder="e.g. what category is this emoji?" onSubmit={() => ask(false)} suggestions={{ label: 'Questions the model was trained on', items: info?.questions }}>
        <button type="submit" data-testid="understand-ask">
          Ask
        </button>
        <button type="button" data-testid="understand-caption" onClick={() => ask(true)}>
          Caption
        </button>
      </TaskTextForm>
      <section className="results" id={resultsId('understand')} tabIndex={-1} aria-label="Answer">
        <Message text={u.message} testid="understand-message" onClose={() => say(null)} />
        {(u.status !== 'idle' || u.answer) && (
          <div className="answer" data-testid="understand-answer" data-status={u.status} data-tokens={u.tokens} aria-live="polite">
            <span className="muted">Q: <UserText text={u.text || info?.taskPrompts.caption || ''} /></span>
            <br />
            <strong>A:</strong> <span data-testid="understand-answer-text">{u.answer}</span>
            {running && <span className="cursor">▍</span>}
            {u.totalMs != null && <span className="muted"> ({u.tokens} {u.tokens === 1 ? 'token' : 'tokens'}, {(u.totalMs / 1000).toFixed(2)} s)</span>}
            {u.alternatives && u.alternatives.length > 1 && (
              <p className="muted" data-testid="understand-alternatives">
                Picked with {pct(u.alternatives[0].p)} of {shareOf}; the others:{' '}
                {u.alternatives.slice(1).map((a) => `${a.text} (${pct(a.p)})`).join(', ')}
              </p>
            )}
          </div>
        )}
      </section>
    </section>
  );
}
