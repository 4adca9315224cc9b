// The page's worker: PumaEngine behind comlink. Cancel travels as its own message (an
// AbortSignal cannot cross postMessage); errors keep their class (errors.ts).
import * as Comlink from 'comlink';
import { installErrorTransfer } from './errors';
import { loadEngineInBrowser } from './load-in-browser';
import type { EngineInfo, LoadOptions, LoadSink, RunOutcome, RunSink, TaskInfo } from './protocol';
import type { PumaEngine } from './puma-engine';
import type { RequestOf, TaskName } from './tasks/registry';

export interface EngineWorkerApi {
  load(opts: LoadOptions, onEvent: LoadSink): Promise<EngineInfo>;
  taskInfo(): Promise<TaskInfo>;
  run<T extends TaskName>(task: T, request: RequestOf<T>, onEvent: RunSink): Promise<RunOutcome>;
  cancel(): void;
  countTokens(text: string): Promise<number | null>;
}

installErrorTransfer();
let engine: PumaEngine | null = null;

function loaded(): PumaEngine {
  if (!engine) throw new Error('models are not loaded yet');
  return engine;
}

const api: EngineWorkerApi = {
  async load(opts, onEvent) {
    engine = await loadEngineInBrowser(opts, onEvent);
    return engine.info();
  },
  async taskInfo() {
    return loaded().taskInfo();
  },
  run(task, request, onEvent) {
    return loaded().run(task, request, onEvent);
  },
  cancel() {
    engine?.cancel();
  },
  async countTokens(text) {
    return engine ? engine.countTokens(text) : null;
  },
};

Comlink.expose(api);
