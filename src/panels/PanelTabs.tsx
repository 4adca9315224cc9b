// The panel switcher (tabs) and issue 5's panels. Panels stay mounted when hidden, so a run,
// a drawing or an answer survives switching panel mid-run.
import { useEffect, useRef } from 'react';
import { useApp } from '../store';
import { useTasks, type PanelId } from './taskStore';
import { EditPanel } from './EditPanel';
import { CanvasPanel } from './CanvasPanel';
import { UnderstandPanel } from './UnderstandPanel';
import './panels.css';

const TABS: { id: PanelId; label: string }[] = [
  { id: 'main', label: 'Generate & compare' },
  { id: 'edit', label: 'Edit' },
  { id: 'canvas', label: 'Canvas' },
  { id: 'understand', label: 'Understand' },
];

export function PanelTabs() {
  const panel = useTasks((s) => s.panel);
  const setPanel = useTasks((s) => s.actions.setPanel);
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const move = (d: number) => {
    const i = (TABS.findIndex((t) => t.id === panel) + d + TABS.length) % TABS.length;
    setPanel(TABS[i].id);
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
          aria-selected={panel === t.id}
          aria-controls={`panel-${t.id}`}
          tabIndex={panel === t.id ? 0 : -1}
          data-testid={`tab-${t.id}`}
          onClick={() => setPanel(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** Edit, Canvas and Understand, each in its tab panel (hidden, not unmounted, when inactive). */
export function TaskPanels() {
  const panel = useTasks((s) => s.panel);
  const phase = useApp((s) => s.phase);
  const loadInfo = useTasks((s) => s.actions.loadInfo);
  useEffect(() => {
    if (phase === 'ready') void loadInfo();
  }, [phase, loadInfo]);
  return (
    <>
      <div role="tabpanel" id="panel-edit" aria-labelledby="tab-edit" hidden={panel !== 'edit'}>
        <EditPanel />
      </div>
      <div role="tabpanel" id="panel-canvas" aria-labelledby="tab-canvas" hidden={panel !== 'canvas'}>
        <CanvasPanel />
      </div>
      <div role="tabpanel" id="panel-understand" aria-labelledby="tab-understand" hidden={panel !== 'understand'}>
        <UnderstandPanel />
      </div>
    </>
  );
}

/** for the first panel's wrapper in App.tsx */
export function useMainHidden() {
  return useTasks((s) => s.panel !== 'main');
}
