// The page's one store: createAppStore (src/state/) around the engine in its worker. Components
// read it through useApp(selector) and a tab's run through useRun(tab).
import { useStore } from 'zustand';
import { workerEngine } from './engineClient';
import { epFromUrl } from './pageEp';
import { browserEnv, createAppStore } from './state/createAppStore';
import { IDLE_RUN, type AppState, type Run, type TabId } from './state/types';

export type * from './state/types';
export { IDLE_RUN, runGoing } from './state/types';

const engine = workerEngine();
const env = browserEnv();
// the worker and its onnxruntime start now, while React renders the page: the load App asks for
// (with the same provider choice) reuses them (issue 19 item 3, the cold start)
engine.prepare({ baseUrl: env.baseUrl, ep: epFromUrl(), threads: env.threads });
export const appStore = createAppStore(engine, env);

export function useApp(): AppState;
export function useApp<T>(selector: (s: AppState) => T): T;
export function useApp<T>(selector?: (s: AppState) => T) {
  return useStore(appStore, selector ?? ((s: AppState) => s as unknown as T));
}

/** A tab's run (idle until its first task starts). */
export function useRun(tab: TabId): Run {
  return useApp((s) => s.runs[tab] ?? IDLE_RUN);
}

// The benchmark and e2e read state from here (state only; no actions are exposed).
Object.assign(globalThis, {
  __pumaTimeline: () => appStore.getState().timeline,
  __pumaRuntime: () => {
    const s = appStore.getState();
    return { provider: s.provider, adapter: s.adapter, threads: s.threads, isolated: s.isolated, reason: s.providerReason, mllmProvider: s.mllmProvider, mllmReason: s.mllmReason, mllmLoading: s.mllmLoading, textToImage: s.textToImage, steps: s.steps, totalBytes: s.totalBytes };
  },
  __pumaTasks: () => {
    const s = appStore.getState();
    return { panel: s.tab, runs: { edit: s.runs.edit ?? IDLE_RUN, canvas: s.runs.canvas ?? IDLE_RUN }, understand: { ...(s.runs.understand ?? IDLE_RUN), source: null } };
  },
});
