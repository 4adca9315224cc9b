// The page's store, built around an injected engine (the worker's in the page, a fake in unit
// tests) and page environment: three slices, wired through the context's hooks.
//
//   const store = createAppStore(workerEngine(), browserEnv());
//   await store.getState().actions.init('auto');
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EngineClient } from '../engineClient';
import { threadsFromUrl, warmUpFromUrl } from '../pageEp';
import { pageHistory } from '../resultHistory';
import { sliceContext, type AppEnv } from './context';
import { loadSlice } from './loadSlice';
import { runsSlice } from './runsSlice';
import { settingsSlice } from './settingsSlice';
import type { AppState } from './types';

export function createAppStore(engine: EngineClient, env: AppEnv): StoreApi<AppState> {
  return createStore<AppState>()((set, get) => {
    const ctx = sliceContext(set, get, engine, env);
    const load = loadSlice(ctx);
    const runs = runsSlice(ctx);
    const settings = settingsSlice(ctx);
    return { ...load.state, ...runs.state, ...settings.state, actions: { ...load.actions, ...runs.actions, ...settings.actions } };
  });
}

/** The page's environment: its address, its localStorage history, its clock. */
export function browserEnv(): AppEnv {
  return { baseUrl: document.baseURI, threads: threadsFromUrl(), warmUp: warmUpFromUrl(), shareHash: () => location.hash, history: pageHistory(), now: () => performance.now() };
}
