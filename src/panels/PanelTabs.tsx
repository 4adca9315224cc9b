// The tab switcher and the tab panels. Panels stay mounted when hidden, so a run, a drawing or an
// answer survives switching tab mid-run.
import { useEffect, useRef } from 'react';
import { useApp } from '../store';
import { TABS } from '../tabs';
import { PANELS } from '../tasks';
import './panels.css';

export function PanelTabs() {
  const tab = useApp((s) => s.tab);
  const setTab = useApp((s) => s.actions.setTab);
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const move = (d: number) => {
    const i = (TABS.findIndex((t) => t.id === tab) + d + TABS.length) % TABS.length;
    setTab(TABS[i].id);
    refs.current[TABS[i].id]?.focus();
  };
  return (
    <div
      className="tabs"
      role="tablist"
      aria-label="Tasks"
      onKeyDown={(e) => {
        if (e.key === 'ArrowRight') move(1);
        else if (e.key === 'ArrowLeft') move(-1);
        else return;
        e.preventDefault();
      }}
    >
      {TABS.map((t) => (
        <button
          key={t.id}
          ref={(el) => {
            refs.current[t.id] = el;
          }}
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          aria-selected={tab === t.id}
          aria-controls={`panel-${t.id}`}
          tabIndex={tab === t.id ? 0 : -1}
          data-testid={`tab-${t.id}`}
          onClick={() => setTab(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** Every tab but the first (App lays that one out around the shared controls), each in its tab panel. */
export function TaskPanels() {
  const tab = useApp((s) => s.tab);
  const phase = useApp((s) => s.phase);
  const loadTaskInfo = useApp((s) => s.actions.loadTaskInfo);
  useEffect(() => {
    if (phase === 'ready') void loadTaskInfo();
  }, [phase, loadTaskInfo]);
  return (
    <>
      {TABS.filter((t) => !t.page).map(({ id }) => {
        const Panel = PANELS[id];
        return (
          <div key={id} role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} hidden={tab !== id}>
            <Panel />
          </div>
        );
      })}
    </>
  );
}
