// One ordered stream per call (workers/engine/stream.ts): what a source pushes arrives in order,
// its end after its last event, its failure as the engine's own error class, also across a
// MessageChannel through comlink as the page's worker uses it.
import { describe, expect, it } from 'vitest';
import * as Comlink from 'comlink';
import { installErrorTransfer, TaskInputError } from '../workers/engine/errors';
import { flatten, installStreamTransfer, readAll, streamOf } from '../workers/engine/stream';
import { engineHost } from '../workers/engine/engine-api';
import type { EngineInfo, RunEvent } from '../workers/engine/protocol';
import type { PumaEngine } from '../workers/engine/puma-engine';

type Ev = { type: string; n?: number };

/** A source that pushes from timers and promise callbacks alike, then ends or fails. */
const source = (n: number, fail?: Error) =>
  streamOf<Ev>(async (push) => {
    for (let i = 0; i < n; i++) {
      push({ type: 'step', n: i });
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    if (fail) throw fail;
    push({ type: 'done' });
  });

describe('engine streams', () => {
  it('in the same thread: every event in order, the last one the outcome', async () => {
    const seen: Ev[] = [];
    const last = await readAll(source(10), (e) => seen.push(e));
    expect(seen.map((e) => e.n ?? e.type)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 'done']);
    expect(last).toEqual({ type: 'done' });
  });

  it('a reader that leaves early aborts the source', async () => {
    let aborted = false;
    const s = streamOf<number>((push, signal) => {
      push(1);
      push(2);
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => ((aborted = true), resolve())));
    });
    for await (const x of s) if (x === 1) break;
    expect(aborted).toBe(true);
  });

  it('across a port: events before the end, a failure as its own class after the events before it', async () => {
    installErrorTransfer();
    installStreamTransfer();
    const { port1, port2 } = new MessageChannel();
    Comlink.expose({ run: (n: number, fail: boolean) => source(n, fail ? new TaskInputError('the prompt is too long') : undefined) }, port1);
    const remote = Comlink.wrap<{ run(n: number, fail: boolean): AsyncIterable<Ev> }>(port2);
    try {
      const seen: Ev[] = [];
      await readAll(flatten(remote.run(200, false) as unknown as Promise<AsyncIterable<Ev>>), (e) => seen.push(e));
      expect(seen).toHaveLength(201);
      expect(seen.every((e, i) => (i < 200 ? e.n === i : e.type === 'done'))).toBe(true);
      const before: Ev[] = [];
      const failed = readAll(flatten(remote.run(5, true) as unknown as Promise<AsyncIterable<Ev>>), (e) => before.push(e));
      await expect(failed).rejects.toBeInstanceOf(TaskInputError);
      expect(before.map((e) => e.n)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      port1.close();
      port2.close();
    }
  });

  it("a load: 'ready' once the loader returns the engine, then the rest of the load (the MLLM's events, 'mllm-loaded' last), runs possible from 'ready' on", async () => {
    let release!: () => void;
    const mllmDone = new Promise<void>((r) => (release = r));
    const info = { textToImage: false, mllmLoading: true } as unknown as EngineInfo;
    const fake = { info: () => info, run: () => streamOf<RunEvent>(async (push) => push({ type: 'done', ms: 1 })) } as unknown as PumaEngine;
    const host = engineHost(async (_opts, push) => {
      push({ type: 'cache', status: 'ok' });
      return {
        engine: fake,
        async rest() {
          push({ type: 'cache', status: 'ok', reason: 'mllm file read' });
          await mllmDone;
          push({ type: 'mllm-loaded', ok: true, ms: 5, fromCache: true });
        },
      };
    });
    const seen: string[] = [];
    const reading = readAll(host.load({ baseUrl: 'http://x/', ep: 'wasm' }), (e) => {
      seen.push(e.type === 'cache' && e.reason ? 'mllm-progress' : e.type);
      if (e.type === 'ready') void readAll(host.run('reconstruct', {} as never)).then(() => seen.push('run done'));
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(seen, 'the stream stays open while the MLLM loads; a run goes meanwhile').toEqual(['cache', 'ready', 'mllm-progress', 'run done']);
    release();
    expect((await reading)?.type).toBe('mllm-loaded');
    expect(seen.at(-1)).toBe('mllm-loaded');
  });
});
