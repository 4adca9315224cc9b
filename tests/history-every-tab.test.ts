// The recent results under every tab (src/App.tsx renders src/panels/PageHistory.tsx once, outside
// the tab panels): whichever tab is shown, the one history strip is in the page and not inside a
// hidden element. The page is rendered to HTML (react-dom/server) from the page's real store,
// built around the fake engine of the store's tests; the page's store module is swapped for it.
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { TABS } from '../src/tabs';
import { image } from './fake-engine';

const t = vi.hoisted(() => ({}) as { store: import('zustand/vanilla').StoreApi<import('../src/state/types').AppState> });

vi.mock('../src/store', async () => {
  const { createAppStore } = await import('../src/state/createAppStore');
  const { ResultHistory } = await import('../src/resultHistory');
  const { FakeEngine } = await import('./fake-engine');
  const { loadManifest } = await import('./models');
  const types = await import('../src/state/types');
  t.store = createAppStore(new FakeEngine(loadManifest()), { baseUrl: 'http://page/', shareHash: () => '', history: new ResultHistory(null), now: () => 0 });
  const useApp = (sel?: (s: unknown) => unknown) => (sel ? sel(t.store.getState()) : t.store.getState());
  return { ...types, appStore: t.store, useApp, useRun: (tab: 'main') => t.store.getState().runs[tab] ?? types.IDLE_RUN };
});

// a build constant (vite.config.ts define), not set outside a build; and the one fact of the document a
// render reads (the model card's address), which Node has no document for
Object.assign(globalThis, { __PUMA_SOURCE_URL__: '', document: { baseURI: 'http://page/' } });
const { App } = await import('../src/App');

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/** Each element carrying `marker` in its start tag, and whether it or an element around it is hidden. */
function hiddenOf(html: string, marker: string): boolean[] {
  const open: boolean[] = []; // per open element: hidden itself
  const out: boolean[] = [];
  for (const m of html.matchAll(/<!--.*?-->|<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>/gs)) {
    if (!m[2]) continue; // a comment
    const [, closing, tag, attrs, selfClosing] = m;
    if (closing) {
      open.pop();
      continue;
    }
    const hidden = /\shidden=""/.test(attrs);
    if (attrs.includes(marker)) out.push(hidden || open.some(Boolean));
    if (!selfClosing && !VOID.has(tag.toLowerCase())) open.push(hidden);
  }
  return out;
}

describe('the history strip', () => {
  it('is shown once under every tab, the same list', () => {
    const entry = (id: string, task: string) => ({ id, at: 1, task, prompt: task === 'text-to-image' ? 'a red apple' : undefined, thumbs: [{ scale: 'f4', image: image(90, 32) }] });
    t.store.setState({ history: [entry('a', 'text-to-image'), { ...entry('b', 'edit'), input: image(70), instruction: 'make it blue' }] });
    for (const tab of TABS.map((x) => x.id)) {
      t.store.setState({ tab });
      const html = renderToString(createElement(App));
      expect(hiddenOf(html, 'data-testid="history"'), `on the ${tab} tab`).toEqual([false]);
      expect(hiddenOf(html, 'data-testid="history-item"'), `on the ${tab} tab`).toEqual([false, false]);
      // the page's own panels are laid out as the tab says (the checker sees what hides them)
      expect(hiddenOf(html, ` id="panel-${tab}"`)).toEqual([false]);
      expect(hiddenOf(html, ' id="panel-').filter((h) => !h)).toHaveLength(1);
    }
  });
});
