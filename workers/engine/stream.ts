// One ordered stream per call: a source that pushes (a task's events, a load's progress) read as
// an async iterable, and the same iterable carried across a worker boundary on one MessagePort.
// Events and the end of the stream (its last event, or its error) travel on that one channel,
// so nothing can overtake anything: the order the source pushed is the order the reader sees.
import * as Comlink from 'comlink';
import { deserializeError, serializeError, type SerializedError } from './errors';
import { once } from '../lib/once';

/**
 * Runs `start` when the first event is asked for and yields what it pushes, in order; the stream
 * ends when `start` settles (its rejection is thrown to the reader). A reader that stops early
 * (break, return) aborts the signal `start` was given.
 */
export async function* streamOf<T>(start: (push: (e: T) => void, signal: AbortSignal) => Promise<unknown>): AsyncGenerator<T, void, undefined> {
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  // an object, so the loop below sees what the callbacks set
  const state: { end: { error?: unknown; failed: boolean } | null } = { end: null };
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const stop = new AbortController();
  start(
    (e) => {
      queue.push(e);
      notify();
    },
    stop.signal,
  ).then(
    () => ((state.end = { failed: false }), notify()),
    (error: unknown) => ((state.end = { error, failed: true }), notify()),
  );
  try {
    for (;;) {
      if (queue.length) yield queue.shift()!;
      else if (state.end) {
        if (state.end.failed) throw state.end.error;
        return;
      } else await new Promise<void>((r) => (wake = r));
    }
  } finally {
    if (!state.end) stop.abort();
  }
}

/** A promised stream read as a stream (a comlink call answers with one). */
export async function* flatten<T>(p: Promise<AsyncIterable<T>>): AsyncGenerator<T, void, undefined> {
  yield* await p;
}

/** Reads a stream to its end, each event to `onEvent`; the last event (a run's outcome). */
export async function readAll<T>(s: AsyncIterable<T>, onEvent: (e: T) => void = () => undefined): Promise<T | undefined> {
  let last: T | undefined;
  for await (const e of s) onEvent((last = e));
  return last;
}

type PortMessage<T> = { value: T } | { done: true } | { error: SerializedError };

/** The sending side: every item, then the end, posted in order on one port. */
async function pump<T>(it: AsyncIterable<T>, port: MessagePort) {
  const iter = it[Symbol.asyncIterator]();
  let stopped = false;
  port.onmessage = () => {
    // the reader stopped early
    stopped = true;
    void iter.return?.();
  };
  const post = (m: PortMessage<T>) => port.postMessage(m);
  try {
    for (let r = await iter.next(); !r.done && !stopped; r = await iter.next()) post({ value: r.value });
    post({ done: true });
  } catch (e) {
    post({ error: serializeError(e) });
  }
}

/** The receiving side: the port's items as a stream; a `return` tells the sender to stop. */
function fromPort<T>(port: MessagePort): AsyncGenerator<T, void, undefined> {
  return streamOf<T>(
    (push, signal) =>
      new Promise<void>((resolve, reject) => {
        const close = () => {
          port.onmessage = null;
          port.close();
        };
        port.onmessage = ({ data }: MessageEvent<PortMessage<T>>) => {
          if ('value' in data) return push(data.value);
          close();
          if ('error' in data) reject(deserializeError(data.error));
          else resolve();
        };
        signal.addEventListener('abort', () => {
          port.postMessage('stop');
          close();
          resolve();
        });
      }),
  );
}

/** Lets an exposed API answer with an async iterable (an engine's run or load): one port each. */
export const installStreamTransfer = once(() => {
  Comlink.transferHandlers.set('stream', {
    canHandle: (v: unknown): v is AsyncIterable<unknown> => typeof v === 'object' && v !== null && Symbol.asyncIterator in v,
    serialize(it: AsyncIterable<unknown>) {
      const { port1, port2 } = new MessageChannel();
      void pump(it, port1);
      return [port2, [port2]];
    },
    deserialize: (port: MessagePort) => fromPort(port),
  } as Comlink.TransferHandler<AsyncIterable<unknown>, MessagePort>);
});
