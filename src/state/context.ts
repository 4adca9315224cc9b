// What every slice is built with: the store's set/get, the injected engine and page
// environment, and the few helpers more than one slice uses. Slices talk to each other only
// through `hooks` (set once by createAppStore), never by importing each other.
import type { StoreApi } from 'zustand/vanilla';
import type { EngineClient } from '../engineClient';
import type { ResultHistory } from '../resultHistory';
import { tabSpec, type TabId } from '../tabs';
import { idleRun, type AppState, type Run, type TimelineEntry } from './types';

/** What the store needs from the page around it (tests pass their own). */
export interface AppEnv {
  /** the site root models are found from (document.baseURI) */
  baseUrl: string;
  /** onnxruntime's WASM threads the address asks for (?threads=N), else onnxruntime's default (workers/engine/ort.ts wasmThreads) */
  threads?: number;
  /** false: no warm-up runs at the load (the address' ?warm=0) */
  warmUp?: boolean;
  /** the page address' hash, read once the manifest is known (a shared link) */
  shareHash(): string;
  history: ResultHistory;
  now(): number;
}

export interface SliceContext {
  set: StoreApi<AppState>['setState'];
  get: StoreApi<AppState>['getState'];
  engine: EngineClient;
  env: AppEnv;
  hooks: {
    /** the manifest is read: its facts are in the state */
    manifestRead(): void;
    /** the engine is loaded: start what waited */
    ready(): void;
    /** a run ended 'done' */
    finished(tab: TabId, run: Run): void;
  };
  /** the models are still loading */
  loading(): boolean;
  /** a line in the page timeline */
  log(type: string, extra?: Partial<TimelineEntry>): void;
  setRun(tab: TabId, patch: Partial<Run> | ((r: Run) => Partial<Run>)): void;
  /** a message where the tab shows them: the page notice for the page's tab, else the tab's line */
  tell(tab: TabId, message: string | null): void;
  /** the tab's grid belongs to a new owner from now on; events of older runs are dropped */
  claim(tab: TabId): () => boolean;
}

export function cleanError(e: unknown): string {
  // comlink re-throws worker errors with the worker's message; strip a leading "Error: "
  return ((e as Error)?.message || String(e)).replace(/^Error:\s*/, '');
}

export function sliceContext(set: SliceContext['set'], get: SliceContext['get'], engine: EngineClient, env: AppEnv): SliceContext {
  const owners: Partial<Record<TabId, number>> = {};
  const setRun: SliceContext['setRun'] = (tab, patch) =>
    set((s) => {
      const run = s.runs[tab] ?? idleRun();
      return { runs: { ...s.runs, [tab]: { ...run, ...(typeof patch === 'function' ? patch(run) : patch) } } };
    });
  return {
    set,
    get,
    engine,
    env,
    hooks: { manifestRead: () => undefined, ready: () => undefined, finished: () => undefined },
    loading: () => get().phase === 'starting' || get().phase === 'loading',
    log: (type, extra = {}) => set((s) => ({ timeline: [...s.timeline, { t: env.now(), type, ...extra }] })),
    setRun,
    tell: (tab, message) => (tabSpec(tab).page ? set({ notice: message }) : setRun(tab, { message })),
    claim(tab) {
      const id = (owners[tab] = (owners[tab] ?? 0) + 1);
      return () => owners[tab] === id;
    },
  };
}
