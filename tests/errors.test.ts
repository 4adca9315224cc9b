// The engine's errors cross a comlink boundary as their own classes: the page tells a WebGPU
// failure (move to WASM) from a bad request (show the message) by class, not by message text.
import { describe, expect, it } from 'vitest';
import * as Comlink from 'comlink';
import { installErrorTransfer, TaskInputError, WebGpuFailure } from '../workers/engine/errors';

describe('errors across comlink', () => {
  it('WebGpuFailure and TaskInputError arrive as themselves; other errors keep their message', async () => {
    installErrorTransfer();
    const { port1, port2 } = new MessageChannel();
    Comlink.expose(
      {
        gpu: () => Promise.reject(new WebGpuFailure('GPU device lost (destroyed)')),
        input: () => {
          throw new TaskInputError('Type a question first, or press Caption.');
        },
        other: () => {
          throw new RangeError('out of range');
        },
      },
      port1,
    );
    const remote = Comlink.wrap<{ gpu(): Promise<void>; input(): void; other(): void }>(port2);
    const gpu = await remote.gpu().catch((e: unknown) => e);
    expect(gpu).toBeInstanceOf(WebGpuFailure);
    expect((gpu as Error).message).toBe('GPU device lost (destroyed)');
    const input = await remote.input().catch((e: unknown) => e);
    expect(input).toBeInstanceOf(TaskInputError);
    expect(input).not.toBeInstanceOf(WebGpuFailure);
    const other = await remote.other().catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Error);
    expect(other).not.toBeInstanceOf(WebGpuFailure);
    expect((other as Error).name).toBe('RangeError');
    expect((other as Error).message).toBe('out of range');
    port1.close();
    port2.close();
  });
});
