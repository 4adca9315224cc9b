import { useEffect } from 'react';
import { useApp } from './store';
import { ProviderBadge } from './components/ProviderBadge';
import { LoadProgress } from './components/LoadProgress';
import { Controls } from './components/Controls';
import { LargeView } from './components/LargeView';
import { epFromUrl } from './pageEp';
import { PanelTabs, TaskPanels } from './panels/PanelTabs';
import { CompareGrid } from './panels/ComparePanel';
import { PageHistory } from './panels/PageHistory';
import { PANELS } from './tasks';
import { SEND_TARGETS, usesSampler } from './tabs';
import { SendTargets } from './sendTargets';
import { usePaste } from './usePaste';
// newcomer hook-ups: what the model draws; status lines cannot be reordered by user text
import { ModelNote } from './newcomer/ModelNote';
import { stripBidiControls } from './inputValidation';
import { resultsId, SkipToResults } from './newcomer/SkipToResults';

const ComparePanel = PANELS.main;

export function App() {
  const { phase, error, notice, actions } = useApp();
  const mainHidden = useApp((s) => s.tab !== 'main');
  const samplerShown = useApp((s) => usesSampler(s.tab));
  usePaste(); // an image pasted goes to the tab shown
  useEffect(() => {
    void actions.init(epFromUrl());
  }, [actions]);
  useEffect(() => {
    // a load that failed for want of network tries again by itself when the network is back
    const onOnline = () => actions.online();
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [actions]);

  return (
    <SendTargets.Provider value={SEND_TARGETS}>
      <div className="app" data-phase={phase} data-testid="app">
        <SkipToResults testid="skip-to-results" />
        <header>
          <h1>PUMA Web</h1>
          <p className="muted">One image, five granularities: encoded to a feature pyramid and decoded from each level, entirely in your browser.</p>
          <ModelNote sourceUrl={__PUMA_SOURCE_URL__ || undefined} />
          <ProviderBadge />
        </header>
        <main>
          <LoadProgress />
          {error && (
            <p role="alert" className="error" data-testid="error">
              {stripBidiControls(error)}
            </p>
          )}
          {notice && (
            <p role="status" className="notice" data-testid="notice">
              {stripBidiControls(notice)}{' '}
              <button type="button" onClick={() => actions.dismissNotice()}>
                OK
              </button>
            </p>
          )}
          <PanelTabs />
          <div role="tabpanel" id="panel-main" aria-labelledby="tab-main" hidden={mainHidden}>
            <ComparePanel />
          </div>
          <div hidden={!samplerShown}>
            <Controls />
          </div>
          <section className="results" id={resultsId('main')} tabIndex={-1} aria-label="Results" hidden={mainHidden}>
            <CompareGrid />
          </section>
          <TaskPanels />
          {/* one history under every tab, not one per tab panel: a pick switches to its entry's tab */}
          <PageHistory />
        </main>
        <LargeView />
        <footer className="muted">
          Sample art: <a href="https://github.com/googlefonts/noto-emoji">Noto Emoji</a> (Apache-2.0) and <a href="https://github.com/jdecked/twemoji">Twemoji</a> (CC-BY 4.0, © Twitter, Inc. and other contributors), via emoji-datasource. Samples are
          held-out concepts the models never saw. Nothing you upload leaves this page.
        </footer>
      </div>
    </SendTargets.Provider>
  );
}
