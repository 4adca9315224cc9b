// The page's side of the engine worker: one comlink-wrapped PumaEngine per page. Errors arrive
// as their own classes (TaskInputError, WebGpuFailure) through installErrorTransfer.
import * as Comlink from 'comlink';
import { installErrorTransfer } from '../workers/engine/errors';
import type { EngineWorkerApi } from '../workers/engine/pipeline.worker';
import type { LoadOptions, LoadSink, RunSink } from '../workers/engine/protocol';
import type { RequestOf, TaskName } from '../workers/engine/tasks/registry';

installErrorTransfer();

let worker: Worker | null = null;
let api: Comlink.Remote<EngineWorkerApi> | null = null;

function remote(): Comlink.Remote<EngineWorkerApi> {
  if (!api) {
    worker = new Worker(new URL('../workers/engine/pipeline.worker.ts', import.meta.url), { type: 'module', name: 'pipeline' });
    api = Comlink.wrap<EngineWorkerApi>(worker);
  }
  return api;
}

export const engine = {
  load: (opts: LoadOptions, onEvent: LoadSink) => remote().load(opts, Comlink.proxy(onEvent)),
  taskInfo: () => remote().taskInfo(),
  run: <T extends TaskName>(task: T, request: RequestOf<T>, onEvent: RunSink) => remote().run(task, request as never, Comlink.proxy(onEvent)),
  cancel: () => remote().cancel(),
  /** exact MLLM token count of a text (null before the MLLM is loaded) */
  countTokens: (text: string) => (api ? api.countTokens(text) : Promise.resolve(null)),
  /** Drops the worker and its runtime whole (after a WebGPU failure). */
  terminate() {
    worker?.terminate();
    worker = null;
    api = null;
  },
};
