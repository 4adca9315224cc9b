// Understand: an image plus a question -> the answer streamed token by token; Caption button;
// the 64x64 image as the model saw it.
import { useState } from 'react';
import { useApp, useRun } from '../store';
import { ImageSource } from '../components/ImageSource';
import { Message } from './Message';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { ModelView } from '../components/ModelView';
import { useTextCheck } from '../newcomer/useTextCheck';
import { NewWords, PromptCounter } from '../newcomer/PromptCounter';
import { useReading } from '../newcomer/useKnownWords';
import { resultsId } from '../newcomer/SkipToResults';
import { UserText } from '../newcomer/UserText';

export function UnderstandPanel() {
  const info = useApp((s) => s.taskInfo);
  const picked = useApp((s) => s.picked.understand);
  const u = useRun('understand');
  const actions = useApp((s) => s.actions);
  const [question, setQuestion] = useState('');
  const running = u.status === 'running';
  const { reading, words } = useReading(question);
  const check = useTextCheck(reading?.text ?? question, info?.available ? info.maxQuestionTokens : null, 'question');

  const ask = (caption: boolean) => {
    if (!picked) return actions.setMessage('understand', 'Choose an image first: upload one, pick a sample, or send a result here.');
    if (!caption && !question.trim()) return actions.setMessage('understand', 'Type a question first, or press Caption.');
    if (!caption && check?.message) return actions.setMessage('understand', check.message);
    const q = caption ? '' : (reading?.text ?? question);
    void actions.run('understand', 'understand', { image: picked.image, question: q, caption }, { text: q });
  };

  return (
    <section aria-labelledby="und-h" data-testid="panel-understand">
      <h2 id="und-h">Understand</h2>
      <p className="muted">The MLLM reads all five scales of the image and answers in text, one token at a time.</p>
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
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          ask(false);
        }}
      >
        <label htmlFor="und-question">Question</label>
        <input id="und-question" data-testid="understand-question" type="text" value={question} onChange={(e) => setQuestion(e.target.value)} placeholder="e.g. what category is this emoji?" size={40} />
        <button type="submit" data-testid="understand-ask">
          Ask
        </button>
        <button type="button" data-testid="understand-caption" onClick={() => ask(true)}>
          Caption
        </button>
        <button type="button" data-testid="understand-cancel" disabled={!running && u.status !== 'queued'} onClick={() => actions.cancel()}>
          Cancel
        </button>
        {check && question && <PromptCounter check={check} id="understand-counter" raw={question} reading={reading} />}
        <NewWords reading={reading} words={words} raw={question} testid="understand-new-words" />
      </form>
      {info?.questions.length ? (
        <div className="chips" role="group" aria-label="Questions the model was trained on">
          {info.questions.map((q) => (
            <button key={q.text} type="button" className="chip" data-testid="understand-chip" onClick={() => setQuestion(q.text)}>
              {q.label}
            </button>
          ))}
        </div>
      ) : null}
      <section className="results" id={resultsId('understand')} tabIndex={-1} aria-label="Answer">
        <Message text={u.message} testid="understand-message" onClose={() => actions.setMessage('understand', null)} />
        {(u.status !== 'idle' || u.answer) && (
          <div className="answer" data-testid="understand-answer" data-status={u.status} data-tokens={u.tokens} aria-live="polite">
            <span className="muted">Q: <UserText text={u.text || info?.taskPrompts.caption || ''} /></span>
            <br />
            <strong>A:</strong> <span data-testid="understand-answer-text">{u.answer}</span>
            {running && <span className="cursor">▍</span>}
            {u.totalMs != null && <span className="muted"> ({u.tokens} tokens, {(u.totalMs / 1000).toFixed(2)} s)</span>}
          </div>
        )}
      </section>
    </section>
  );
}
