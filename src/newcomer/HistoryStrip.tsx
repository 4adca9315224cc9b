// The last results (newest first) as rows of small thumbnails; picking one restores its
// settings (the caller decides what that means: fill the prompt, set the seed, or show an image
// tab with its input and instruction put back). An image task's entry shows its input first.
import { RgbaCanvas } from '../components/RgbaCanvas';
import type { HistoryEntry, HistoryNotice } from '../resultHistory';
import { UserText } from './UserText';

function describe(e: HistoryEntry): string {
  const said = e.answer ? ` → ${e.answer.length > 60 ? e.answer.slice(0, 60) + '…' : e.answer}` : '';
  return (e.prompt ?? (e.instruction || e.inputName) ?? e.task) + said;
}

export function HistoryStrip({ entries, onPick, onClear, notice }: { entries: HistoryEntry[]; onPick: (e: HistoryEntry) => void; onClear: () => void; notice?: HistoryNotice | null }) {
  if (!entries.length && !notice) return null;
  return (
    <section className="history" aria-labelledby="history-h" data-testid="history">
      <h2 id="history-h">Recent results</h2>
      {notice && <p className="notice">{notice.text}</p>}
      <ol className="history-list">
        {entries.map((e) => (
          <li key={e.id}>
            <button type="button" className="history-item" onClick={() => onPick(e)} title={new Date(e.at).toLocaleString()} data-testid="history-item">
              <span className="history-thumbs">
                {e.input && <RgbaCanvas image={e.input} label="input image" className="history-thumb history-input" />}
                {e.thumbs.map((t) => (
                  <RgbaCanvas key={t.scale} image={t.image} label={`${t.scale} thumbnail`} className="history-thumb" />
                ))}
              </span>
              <span className="history-label">
                {e.task}: <UserText text={describe(e)} />
                {e.seed != null && <span className="muted"> · seed {e.seed}</span>}
              </span>
            </button>
          </li>
        ))}
      </ol>
      {/* Clear also when the notice asks for it (the quota, a newer page's history) and nothing is listed */}
      {(entries.length > 0 || notice?.clearable) && (
        <button type="button" onClick={onClear} data-testid="history-clear">
          Clear history
        </button>
      )}
    </section>
  );
}
