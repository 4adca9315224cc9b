import { useEffect } from 'react';
import { useApp } from './store';
import { ProviderBadge } from './components/ProviderBadge';
import { LoadProgress } from './components/LoadProgress';
import { InputPicker } from './components/InputPicker';
import { Controls } from './components/Controls';
import { GranularityGrid } from './components/GranularityGrid';
import { LargeView } from './components/LargeView';
import { TextToImage } from './components/TextToImage';
import type { EpChoice } from '../workers/pipeline/protocol';
import { PanelTabs, TaskPanels, useMainHidden } from './panels/PanelTabs';
// newcomer hook-ups: what the model draws; status lines cannot be reordered by user text
import { ModelNote } from './newcomer/ModelNote';
import { stripBidiControls } from './inputValidation';

function epFromUrl(): EpChoice {
  const ep = new URLSearchParams(location.search).get('ep');
  return ep === 'wasm' || ep === 'webgpu' ? ep : 'auto';
}

export function App() {
  const { phase, error, notice, actions } = useApp();
  const mainHidden = useMainHidden();
  useEffect(() => {
    void actions.init(epFromUrl());
  }, [actions]);

  return (
    <div className="app" data-phase={phase} data-testid="app">
      <header>
        <h1>PUMA Web</h1>
        <p className="muted">One image, five granularities: encoded to a feature pyramid and decoded from each level, entirely in your browser.</p>
        <ModelNote />
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
          <h2>Granularity comparison</h2>
          <InputPicker />
          <TextToImage />
        </div>
        <Controls />
        <div hidden={mainHidden}>
          <GranularityGrid />
        </div>
        <TaskPanels />
      </main>
      <LargeView />
      <footer className="muted">
        Sample art: <a href="https://github.com/googlefonts/noto-emoji">Noto Emoji</a> (Apache-2.0) and <a href="https://github.com/jdecked/twemoji">Twemoji</a> (CC-BY 4.0, © Twitter, Inc. and other contributors), via emoji-datasource. Samples are
        held-out concepts the models never saw. Nothing you upload leaves this page.
      </footer>
    </div>
  );
}
