// The engine as a caller sees it, in a worker or in the same thread (web-llm's pattern: one
// interface, two places). Every call that reports progress answers with one ordered stream:
// a load's events reach 'ready' when the visual tasks can run and, while the MLLM goes on
// loading, end with 'mllm-loaded'; a run's end with 'done' or 'cancelled'; a failure ends the
// stream by throwing (TaskInputError, WebGpuFailure, or a load error).
//
//   const engine = engineHost(loadEngineInBrowser);      // in this thread; the worker exposes the same
//   for await (const e of engine.load(opts)) ...         // ... { type: 'ready', info } ... { type: 'mllm-loaded' }
//   for await (const e of engine.run('text-to-image', request)) ...   // ... { type: 'done' }
import type { LoadEvent, LoadOptions, RunEvent, TaskInfo } from './protocol';
import type { PumaEngine } from './puma-engine';
import { streamOf } from './stream';
import type { RequestOf, TaskName } from './tasks/registry';

/** A loaded engine, usable for the visual tasks, and the rest of its load (the MLLM's), started
 * once 'ready' is sent so that its events (and its last, 'mllm-loaded') come after it. */
export interface EngineLoaded {
  engine: PumaEngine;
  rest?: () => Promise<void>;
}

export interface EngineApi {
  /** Starts what a load with these options will need before it is asked for (the provider, its
   * runtime), while the page boots; the load reuses it. Nothing is reported: the load reports. */
  prepare(opts: LoadOptions): void | Promise<void>;
  /** Loads the models: { type: 'ready', info } once the visual tasks can run, then, while
   * `info.mllmLoading`, the MLLM's progress and last { type: 'mllm-loaded' }. */
  load(opts: LoadOptions): AsyncIterable<LoadEvent>;
  /** Runs a task; the stream's last event is 'done' or 'cancelled' (a newer run supersedes this one). */
  run<T extends TaskName>(task: T, request: RequestOf<T>): AsyncIterable<RunEvent>;
  /** Cancels the run in flight and any waiting to start. */
  cancel(): void | Promise<void>;
  taskInfo(): Promise<TaskInfo>;
  /** exact MLLM token count of a text (null before the MLLM is loaded) */
  countTokens(text: string): Promise<number | null>;
}

/** EngineApi around one PumaEngine, loaded by `loadEngine` (the browser's loader, or a Node one). */
export function engineHost(
  loadEngine: (opts: LoadOptions, onEvent: (e: LoadEvent) => void) => Promise<EngineLoaded>,
  prepare?: (opts: LoadOptions) => Promise<unknown>,
): EngineApi {
  let engine: PumaEngine | null = null;
  const loaded = () => {
    if (!engine) throw new Error('models are not loaded yet');
    return engine;
  };
  return {
    prepare: (opts) => void prepare?.(opts).catch(() => undefined), // its failure is the load's to report
    load: (opts) =>
      streamOf<LoadEvent>(async (push) => {
        const loaded = await loadEngine(opts, push);
        engine = loaded.engine;
        push({ type: 'ready', info: engine.info() });
        await loaded.rest?.();
      }),
    async *run<T extends TaskName>(task: T, request: RequestOf<T>): AsyncGenerator<RunEvent, void, undefined> {
      yield* loaded().run(task, request);
    },
    cancel: () => engine?.cancel(),
    taskInfo: async () => loaded().taskInfo(),
    countTokens: async (text) => engine?.countTokens(text) ?? null,
  };
}
