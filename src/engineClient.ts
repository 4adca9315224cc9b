// The page's side of the engine worker: the worker's EngineApi (workers/engine/engine-api.ts)
// through comlink, one worker per page. Loads and runs arrive as one ordered stream each
// (workers/engine/stream.ts); errors as their own classes (TaskInputError, WebGpuFailure).
import * as Comlink from 'comlink';
import { installErrorTransfer } from '../workers/engine/errors';
import type { EngineApi } from '../workers/engine/engine-api';
import { flatten, installStreamTransfer } from '../workers/engine/stream';
import type { LoadEvent, RunEvent } from '../workers/engine/protocol';

/** What the store is given: the engine, and a way to drop it whole for a fresh one. */
export interface EngineClient extends EngineApi {
  /** Drops the engine and its runtime whole (after a WebGPU failure, or to load again). */
  terminate(): void;
}

/** The engine in a Web Worker: created on the first call, and again after terminate(). */
export function workerEngine(): EngineClient {
  installErrorTransfer();
  installStreamTransfer();
  let worker: Worker | null = null;
  let api: Comlink.Remote<EngineApi> | null = null;
  const remote = () => {
    if (!api) {
      worker = new Worker(new URL('../workers/engine/pipeline.worker.ts', import.meta.url), { type: 'module', name: 'pipeline' });
      api = Comlink.wrap<EngineApi>(worker);
    }
    return api;
  };
  return {
    // creates the worker now: its runtime starts while the page boots
    prepare: (opts) => void remote().prepare(opts),
    // comlink answers a call with a promise of the stream: read as the stream itself
    load: (opts) => flatten(remote().load(opts) as unknown as Promise<AsyncIterable<LoadEvent>>),
    run: (task, request) => flatten(remote().run(task, request as never) as unknown as Promise<AsyncIterable<RunEvent>>),
    cancel: () => remote().cancel(),
    taskInfo: () => remote().taskInfo(),
    countTokens: (text) => (api ? api.countTokens(text) : Promise.resolve(null)),
    terminate() {
      worker?.terminate();
      worker = null;
      api = null;
    },
  };
}
