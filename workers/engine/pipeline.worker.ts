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
    // onEvent is a comlink proxy: its calls travel on a port of their own, and the load's answer on
    // this one, so the answer could overtake the last events (the page would see 'ready' before
    // a file's failure). Each call is answered once the page has handled it, in order: waiting for
    // the last answer means the page has every event before it gets this one.
    let last: unknown;
    engine = await loadEngineInBrowser(opts, (e) => {
      last = onEvent(e);
    });
    await last;
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
