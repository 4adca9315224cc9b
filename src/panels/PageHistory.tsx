// The page's one history strip, under whichever tab is shown (App renders it once, outside the
// tab panels): the same list on every tab, since a pick shows the tab its entry's task runs in.
import { useApp } from '../store';
import { HistoryStrip } from '../newcomer/HistoryStrip';

export function PageHistory() {
  const entries = useApp((s) => s.history);
  const notice = useApp((s) => s.historyNotice);
  const pick = useApp((s) => s.actions.pickHistory);
  const clear = useApp((s) => s.actions.clearHistory);
  return <HistoryStrip entries={entries} notice={notice} onPick={pick} onClear={clear} />;
}
