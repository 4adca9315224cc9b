// The engine's typed errors, and how they cross a comlink boundary as themselves: comlink's
// default 'throw' handler rebuilds every error as a plain Error, so the page could only tell
// them apart by their message. installErrorTransfer() (called by the worker and by the page)
// sends the class name and rebuilds the same class on the other side.
import * as Comlink from 'comlink';
import { once } from '../lib/once';

/** A bad request: the page shows the message as it is, nothing else changes. */
export class TaskInputError extends Error {
  override name = 'TaskInputError';
}

/**
 * WebGPU failed: sessions could not be created, a kernel failed, or the device was lost mid-run.
 * The page answers by replacing the engine with a fresh WASM one: after a device loss the
 * onnxruntime-web instance that used WebGPU cannot be trusted to run anything (measured: a WASM
 * session created in it hung on its first run).
 */
export class WebGpuFailure extends Error {
  override name = 'WebGpuFailure';
}

/** A run stopped because it was cancelled or superseded by a newer one. */
export class RunCancelled extends Error {
  override name = 'RunCancelled';
  constructor() {
    super('cancelled');
  }
}

const CLASSES: Record<string, new (message: string) => Error> = { TaskInputError, WebGpuFailure };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/** An error as plain data (postMessage would drop its class). */
export function serializeError(e: unknown): SerializedError {
  return e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : { name: 'Error', message: String(e) };
}

/** The same class again where it is one of the engine's (TaskInputError, WebGpuFailure). */
export function deserializeError(e: SerializedError): Error {
  const Cls = CLASSES[e.name];
  const err = Cls ? new Cls(e.message) : Object.assign(new Error(e.message), { name: e.name });
  if (e.stack) err.stack = e.stack;
  return err;
}

/** Makes errors thrown by an exposed API arrive as their own class (TaskInputError, WebGpuFailure). */
export const installErrorTransfer = once(() => {
  const fallback = Comlink.transferHandlers.get('throw')!;
  Comlink.transferHandlers.set('throw', {
    canHandle: fallback.canHandle,
    serialize(thrown: unknown) {
      const v = (thrown as { value?: unknown }).value;
      if (v instanceof Error) return [{ isError: true, value: serializeError(v) }, []];
      return fallback.serialize(thrown);
    },
    deserialize(s: unknown) {
      const { isError, value } = s as { isError: boolean; value: unknown };
      if (!isError) throw value;
      throw deserializeError(value as SerializedError);
    },
  } as Comlink.TransferHandler<unknown, unknown>);
});
