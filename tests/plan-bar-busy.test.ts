// The Edit tab's plan bar while its run is in flight: "Keep my design" and "Draw it in that style
// instead" (src/components/PlanBar.tsx, shown through src/panels/TaskGrid.tsx) are disabled from
// the moment the run's plan arrives until it ends, so a second click cannot start another run over
// it; they are enabled again once it is done. A run put back from the history shows its stored
// plan's bar, whose buttons act and wait as a fresh result's do (the first tab's chips too); put
// back while the tab's own run is still going (Edit, Canvas, as the first tab), its buttons wait
// for that run to end, fail or be cancelled, and the tab's own button reads Restart (and Canvas's Cancel stays
// enabled) until it does. The grid is rendered to HTML (react-dom/server) from
// the page's real store, built around the fake engine of the store's tests (tests/fake-engine.ts)
// instead of the worker's: the page's store module is swapped for it, nothing else.
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import type { PlanInfo } from '../workers/mllm/plan';
import { FakeEngine, image, settle } from './fake-engine';

const t = vi.hoisted(() => ({}) as { engine: FakeEngine; store: import('zustand/vanilla').StoreApi<import('../src/state/types').AppState> });

// each render is one look at the store (renderToString): its state now is read directly, as
// React's server render would otherwise read the store's initial state (useSyncExternalStore)
vi.mock('../src/store', async () => {
  const { createAppStore } = await import('../src/state/createAppStore');
  const { ResultHistory } = await import('../src/resultHistory');
  const { FakeEngine: Fake } = await import('./fake-engine');
  const { loadManifest } = await import('./models');
  const types = await import('../src/state/types');
  t.engine = new Fake(loadManifest());
  t.store = createAppStore(t.engine, { baseUrl: 'http://page/', shareHash: () => '', history: new ResultHistory(null), now: () => 0 });
  const useApp = (sel?: (s: unknown) => unknown) => (sel ? sel(t.store.getState()) : t.store.getState());
  return { ...types, appStore: t.store, useApp, useRun: (tab: 'edit') => t.store.getState().runs[tab] ?? types.IDLE_RUN };
});

const { TaskGrid } = await import('../src/panels/TaskGrid');
const { EditPanel } = await import('../src/panels/EditPanel');
const { CanvasPanel } = await import('../src/panels/CanvasPanel');
const { CompareGrid } = await import('../src/panels/ComparePanel');

const plan = (restyled: PlanInfo['restyled']): PlanInfo => ({ text: 'smiling face | twemoji | none', fields: { concept: 'smiling face', style: 'twemoji', tone: 'none' }, source: 'greedy', candidates: [], restyled });

/** The plan bar's restyle button in a tab's grid (Edit's by default) as rendered now: 'absent', 'disabled' or 'enabled'. */
function button(testid: `${'edit' | 'canvas'}-plan-${'keep-design' | 'restyle-again'}`, tab: 'edit' | 'canvas' = 'edit'): string {
  const html = renderToString(createElement(TaskGrid, { run: t.store.getState().runs[tab]!, tab, onRestyle: () => undefined }));
  const tag = html.match(new RegExp(`<button[^>]*data-testid="${testid}"[^>]*>`))?.[0];
  return !tag ? 'absent' : /\sdisabled=""/.test(tag) ? 'disabled' : 'enabled';
}

/** A panel's button (by test id) as rendered now: its label and whether it is disabled. */
function panelButton(panel: 'edit' | 'canvas', testid: string): { label: string; disabled: boolean } {
  const html = renderToString(createElement(panel === 'edit' ? EditPanel : CanvasPanel));
  const m = html.match(new RegExp(`<button([^>]*data-testid="${testid}"[^>]*)>(.*?)</button>`));
  if (!m) throw new Error(`no ${testid} in the ${panel} panel`);
  return { label: m[2].replace(/<!-- -->/g, ''), disabled: /\sdisabled=""/.test(m[1]) };
}

/** The first tab's plan chips as rendered now: each 'disabled' or 'enabled' (none: the bar is absent). */
function chips(): string[] {
  const html = renderToString(createElement(CompareGrid));
  return [...html.matchAll(/<button[^>]*data-testid="plan-candidate"[^>]*>/g)].map((m) => (/\sdisabled=""/.test(m[0]) ? 'disabled' : 'enabled'));
}

let loaded: Promise<void> | null = null;
/** The store's models loaded, once for the file. */
function load() {
  loaded ??= (async () => {
    const init = t.store.getState().actions.init('auto');
    await settle();
    t.engine.finishLoad();
    await init;
  })();
  return loaded;
}

describe("the plan bar's restyle buttons while an edit is in flight", () => {
  it('are disabled while the run goes, enabled once it is done, for both directions', async () => {
    const { actions } = t.store.getState();
    await load();
    expect(t.store.getState().manifest?.mllm?.plan, 'the shipped model writes a plan').toBeTruthy();
    const end = (i: number) => {
      t.engine.runs[i].feed.push({ type: 'image', scale: 'f4', image: image(90), ms: 1, stepMs: [1] }, { type: 'done', ms: 2 });
      t.engine.runs[i].feed.end();
    };

    const first = actions.run('edit', 'edit', { image: image(), instruction: 'draw it in twemoji style' }, { text: 'draw it in twemoji style' });
    await settle();
    t.engine.runs[0].feed.push({ type: 'plan', plan: plan({ fromPlan: ['f1', 'f0'] }) });
    await settle();
    expect(t.store.getState().runs.edit?.status).toBe('running');
    expect(button('edit-plan-keep-design')).toBe('disabled');
    end(0);
    expect(await first).toBe(true);
    expect(button('edit-plan-keep-design')).toBe('enabled');

    const kept = actions.again('edit', 'edit', { restyle: false });
    await settle();
    expect(t.store.getState().runs.edit?.status).toBe('running');
    t.engine.runs[1].feed.push({ type: 'plan', plan: plan({ fromPlan: [], kept: true }) });
    await settle();
    expect(button('edit-plan-keep-design')).toBe('absent');
    expect(button('edit-plan-restyle-again')).toBe('disabled');
    end(1);
    expect(await kept).toBe(true);
    expect(button('edit-plan-restyle-again')).toBe('enabled');
  });

  it('a run put back from the history shows its plan bar; its button runs the entry again, disabled while that run goes', async () => {
    const { actions } = t.store.getState();
    await load();
    const input = image(70);
    input.data.forEach((_, i) => i % 4 === 3 && (input.data[i] = 255));
    const entry = { id: 'h1', at: 1, task: 'edit', input, instruction: 'draw it in twemoji style', seed: 5, scales: ['f4'], planInfo: plan({ fromPlan: ['f1', 'f0'] }), thumbs: [{ scale: 'f4', image: image(90, 32) }] };
    actions.pickHistory(entry);
    expect(t.store.getState().runs.edit).toMatchObject({ status: 'done', fromHistory: true });
    expect(button('edit-plan-keep-design')).toBe('enabled');
    const n = t.engine.runs.length;
    const kept = actions.again('edit', 'edit', { restyle: false });
    await settle();
    expect(t.engine.runs[n].request).toMatchObject({ image: input, instruction: 'draw it in twemoji style', seed: 5, scales: ['f4'], restyle: false });
    t.engine.runs[n].feed.push({ type: 'plan', plan: plan({ fromPlan: [], kept: true }) });
    await settle();
    expect(button('edit-plan-restyle-again')).toBe('disabled');
    t.engine.runs[n].feed.push({ type: 'image', scale: 'f4', image: image(90), ms: 1, stepMs: [1] }, { type: 'done', ms: 2 });
    t.engine.runs[n].feed.end();
    expect(await kept).toBe(true);
    expect(button('edit-plan-restyle-again')).toBe('enabled');
  });

  it("the first tab's restored plan chips are disabled while a run of that tab goes, enabled once it ends", async () => {
    const { actions } = t.store.getState();
    await load();
    const drawn: PlanInfo = { text: 'hot beverage | noto | none', fields: { concept: 'hot beverage', style: 'noto', tone: 'none' }, source: 'greedy', candidates: [
      { concept: 'hot beverage', text: 'hot beverage | noto | none', p: 0.6 },
      { concept: 'teacup', text: 'teacup | noto | none', p: 0.3 },
    ] };
    const entry = { id: 'h2', at: 2, task: 'text-to-image', prompt: 'hot drink', seed: 9, planInfo: drawn, thumbs: [{ scale: 'f4', image: image(90, 32) }] };
    actions.pickHistory(entry);
    // the chip of the concept drawn is pressed (disabled), the other offered
    expect(chips()).toEqual(['disabled', 'enabled']);
    const n = t.engine.runs.length;
    const other = actions.generate('a red apple');
    await settle();
    expect(t.store.getState().phase).toBe('running');
    // put back while that run goes: shown, but nothing to press until it ends
    actions.pickHistory(entry);
    expect(chips()).toEqual(['disabled', 'disabled']);
    t.engine.runs[n].feed.push({ type: 'done', ms: 2 });
    t.engine.runs[n].feed.end();
    await other;
    expect(chips()).toEqual(['disabled', 'enabled']);
  });

  describe("an entry put back while the tab's own run is still going (the run it shows no longer)", () => {
    const opaque = (shade: number) => {
      const img = image(shade);
      img.data.forEach((_, i) => i % 4 === 3 && (img.data[i] = 255));
      return img;
    };
    const editEntry = { id: 'h3', at: 3, task: 'edit', input: opaque(70), instruction: 'draw it in twemoji style', seed: 5, scales: ['f4'], planInfo: plan({ fromPlan: ['f1', 'f0'] }), thumbs: [{ scale: 'f4', image: image(90, 32) }] };

    /** An edit run going with its plan shown, then the history's entry put back over it: its bar shown, nothing to press. */
    async function editGoingThenPicked() {
      const { actions } = t.store.getState();
      await load();
      const n = t.engine.runs.length;
      const going = actions.run('edit', 'edit', { image: image(), instruction: 'make it blue' }, { text: 'make it blue' });
      await settle();
      t.engine.runs[n].feed.push({ type: 'plan', plan: plan({ fromPlan: ['f1', 'f0'] }) });
      await settle();
      expect(button('edit-plan-keep-design')).toBe('disabled');
      actions.pickHistory(editEntry);
      expect(t.store.getState().runs.edit).toMatchObject({ status: 'done', fromHistory: true, text: 'draw it in twemoji style' });
      expect(button('edit-plan-keep-design')).toBe('disabled');
      // the tab still has a run going: its button restarts (takes over) it
      expect(panelButton('edit', 'edit-generate').label).toBe('Restart');
      return { feed: t.engine.runs[n].feed, going, n };
    }

    it('Edit: its buttons are disabled until that run is done, then run the entry', async () => {
      const { feed, going, n } = await editGoingThenPicked();
      feed.push({ type: 'image', scale: 'f4', image: image(90), ms: 1, stepMs: [1] });
      await settle();
      expect(button('edit-plan-keep-design')).toBe('disabled');
      feed.push({ type: 'done', ms: 2 });
      feed.end();
      await going;
      // the entry stays shown (the run it replaced reports to no one) and its button is offered again
      expect(t.store.getState().runs.edit).toMatchObject({ status: 'done', fromHistory: true, text: 'draw it in twemoji style' });
      expect(button('edit-plan-keep-design')).toBe('enabled');
      expect(panelButton('edit', 'edit-generate').label).toBe('Edit');
      const kept = t.store.getState().actions.again('edit', 'edit', { restyle: false });
      await settle();
      expect(t.engine.runs[n + 1].request).toMatchObject({ instruction: 'draw it in twemoji style', seed: 5, restyle: false });
      t.engine.runs[n + 1].feed.push({ type: 'done', ms: 2 });
      t.engine.runs[n + 1].feed.end();
      expect(await kept).toBe(true);
    });

    it('Edit: enabled again once that run fails', async () => {
      const { feed, going } = await editGoingThenPicked();
      feed.fail(new Error('the engine fell over'));
      expect(await going).toBe(false);
      expect(t.store.getState().runs.edit).toMatchObject({ status: 'done', fromHistory: true, message: null });
      expect(button('edit-plan-keep-design')).toBe('enabled');
    });

    it('Edit: enabled again once that run is cancelled', async () => {
      const { feed, going } = await editGoingThenPicked();
      const cancels = t.engine.cancelled;
      t.store.getState().actions.cancel('edit');
      expect(t.engine.cancelled, "the tab's Cancel stops the run the engine has").toBe(cancels + 1);
      expect(button('edit-plan-keep-design')).toBe('disabled');
      feed.push({ type: 'cancelled' });
      feed.end();
      expect(await going).toBe(false);
      expect(button('edit-plan-keep-design')).toBe('enabled');
    });

    it('Canvas: disabled until that run is done', async () => {
      const { actions } = t.store.getState();
      await load();
      const n = t.engine.runs.length;
      const going = actions.run('canvas', 'colorize', { image: image() });
      await settle();
      t.engine.runs[n].feed.push({ type: 'plan', plan: plan({ fromPlan: ['f1', 'f0'] }) });
      await settle();
      expect(button('canvas-plan-keep-design', 'canvas')).toBe('disabled');
      actions.pickHistory({ id: 'h4', at: 4, task: 'colorize', input: opaque(60), scales: ['f4'], planInfo: plan({ fromPlan: ['f1', 'f0'] }), thumbs: [{ scale: 'f4', image: image(90, 32) }] });
      expect(t.store.getState().runs.canvas).toMatchObject({ task: 'colorize', status: 'done', fromHistory: true });
      expect(button('canvas-plan-keep-design', 'canvas')).toBe('disabled');
      // the run going can still be cancelled from the tab, and its button restarts it
      expect(panelButton('canvas', 'canvas-cancel').disabled).toBe(false);
      expect(panelButton('canvas', 'canvas-generate').label).toBe('Restart');
      t.engine.runs[n].feed.push({ type: 'done', ms: 2 });
      t.engine.runs[n].feed.end();
      expect(await going).toBe(true);
      expect(button('canvas-plan-keep-design', 'canvas')).toBe('enabled');
      expect(panelButton('canvas', 'canvas-cancel').disabled).toBe(true);
      expect(panelButton('canvas', 'canvas-generate').label).not.toBe('Restart');
    });
  });
});
