// What the Edit and Understand panels share: the tab's picked image, its run, the MLLM's
// suggestions, the typed text with its live token check, and one way to refuse a start with a
// message (choose an image first, type something first, too long). A run put back from the
// history fills the box with its text.
import { useEffect, useState } from 'react';
import { runGoing, useApp, useRun } from '../store';
import { useTextCheck } from '../newcomer/useTextCheck';
import { useReading } from '../newcomer/useKnownWords';

export function useTaskPanel(tab: 'edit' | 'understand', what: 'instruction' | 'question') {
  const info = useApp((s) => s.taskInfo);
  const picked = useApp((s) => s.picked[tab]);
  const run = useRun(tab);
  const actions = useApp((s) => s.actions);
  // going: the tab's run the engine has, shown or not (a run put back from the history over it shows 'done')
  const going = useApp((s) => runGoing(s, tab));
  const [text, setText] = useState('');
  // a run put back from the history brings its instruction or question back into the box
  const restoredSeq = picked?.restored ? picked.seq : null;
  useEffect(() => {
    if (restoredSeq != null && picked?.restored) setText(picked.restored.text);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [restoredSeq]);
  // the same budget check as the prompt: what fits beside the image in the MLLM's context
  const limit = info?.available ? (what === 'instruction' ? info.maxInstructionTokens : info.maxQuestionTokens) : null;
  // the model reads emoji as their names: the check counts (and a run gets) what it reads
  const { reading, words } = useReading(text);
  const check = useTextCheck(reading?.text ?? text, limit, what);
  /** The reason a start is refused (shown in the tab), or null when it may start. */
  const refuse = (needText: boolean, typeFirst: string): string | null => {
    if (!picked) return 'Choose an image first: upload one, pick a sample, or send a result here.';
    if (needText && !text.trim()) return typeFirst;
    if (needText && check?.message) return check.message;
    return null;
  };
  return { info, picked, run, actions, text, setText, reading, words, sent: reading?.text ?? text, check, running: going, cancellable: going || run.status === 'queued', refuse, say: (m: string | null) => actions.setMessage(tab, m) };
}
