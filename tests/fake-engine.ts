// A fake of the engine's interface (workers/engine/engine-api.ts) for the store's tests: the
// store is under test, not the model. Every load and run is a stream the test feeds by hand,
// so a test decides exactly what arrives and when. The manifest it sends is the shipped one.
import type { EngineClient } from '../src/engineClient';
import type { EngineInfo, LoadEvent, LoadOptions, RunEvent, TaskInfo } from '../workers/engine/protocol';
import { streamOf } from '../workers/engine/stream';
import type { TaskName } from '../workers/engine/tasks/registry';
import { allowedSteps, type Manifest } from '../workers/lib/manifest';
import type { RGBAImage } from '../workers/lib/image';

/** One stream the test feeds: events, then the end or a failure. */
export class Fed<E> {
  private sink: { push: (e: E) => void; resolve: () => void; reject: (e: unknown) => void } | null = null;
  private early: E[] = [];
  readonly stream: AsyncGenerator<E, void, undefined>;
  stopped = false;
  constructor() {
    this.stream = streamOf<E>(
      (push, signal) =>
        new Promise<void>((resolve, reject) => {
          this.sink = { push, resolve, reject };
          for (const e of this.early.splice(0)) push(e);
          signal.addEventListener('abort', () => ((this.stopped = true), resolve()));
        }),
    );
  }
  push(...events: E[]) {
    for (const e of events) (this.sink ? this.sink.push(e) : this.early.push(e));
    return this;
  }
  end() {
    this.sink!.resolve();
  }
  fail(e: unknown) {
    this.sink!.reject(e);
  }
}

export function image(shade = 128, side = 64): RGBAImage {
  return { width: side, height: side, data: new Uint8ClampedArray(side * side * 4).fill(shade) };
}

export class FakeEngine implements EngineClient {
  loads: { opts: LoadOptions; feed: Fed<LoadEvent>; manifestSent?: boolean }[] = [];
  runs: { task: TaskName; request: Record<string, unknown>; feed: Fed<RunEvent> }[] = [];
  terminated = 0;
  cancelled = 0;
  constructor(readonly manifest: Manifest) {}

  prepare() {} // the store's tests load explicitly; src/store.ts alone prepares
  load(opts: LoadOptions) {
    const feed = new Fed<LoadEvent>();
    this.loads.push({ opts, feed });
    return feed.stream;
  }
  run(task: TaskName, request: unknown) {
    const feed = new Fed<RunEvent>();
    this.runs.push({ task, request: request as Record<string, unknown>, feed });
    return feed.stream;
  }
  cancel() {
    this.cancelled++;
  }
  async taskInfo(): Promise<TaskInfo> {
    return { available: true, instructions: [], questions: [], taskPrompts: { colorize: '', inpaint: '', sketch: '', caption: '' }, maxInstructionTokens: 10, maxQuestionTokens: 10 };
  }
  async countTokens(text: string) {
    return text.length;
  }
  terminate() {
    this.terminated++;
  }

  info(o: Partial<EngineInfo> = {}): EngineInfo {
    const m = this.manifest;
    return { provider: 'wasm', scales: m.scales.map((s) => ({ name: s.name, label: s.label })), steps: m.sampler.steps, allowedSteps: allowedSteps(m.sampler), guidance: m.sampler.guidance, imageSize: m.image.size, textToImage: true, mllmLoading: false, ...o };
  }

  /** The last load reads the manifest (the first event of every real load). */
  sendManifest() {
    const load = this.loads.at(-1)!;
    if (!load.manifestSent) load.feed.push({ type: 'manifest', manifest: this.manifest });
    load.manifestSent = true;
  }

  /** The manifest's files, the MLLM's or the others, as 'file' events in `state` (`failed` ones failing). */
  private files(mllm: boolean, state: 'ready' | 'queued', failedFiles: string[] = []) {
    const feed = this.loads.at(-1)!.feed;
    for (const [model, e] of Object.entries(this.manifest.models)) {
      const file = e.variants?.[0].file ?? e.file;
      if (!file || (model.startsWith('mllm') || e.role === 'tokenizer') !== mllm) continue;
      const failed = failedFiles.includes(file);
      feed.push({ type: 'file', model, file, bytes: 1, mllm, state: failed ? 'failed' : state, ...(failed ? { reason: 'offline' as const, message: `${file}: offline` } : {}) });
    }
  }

  /** The last load: its manifest, every file (`failed` ones failing), then 'ready'. With
   * `mllmLoading` the MLLM's files stay queued and the stream stays open for finishMllm. */
  finishLoad(o: { info?: Partial<EngineInfo>; failed?: string[]; mllmLoading?: boolean } = {}) {
    this.sendManifest();
    const feed = this.loads.at(-1)!.feed;
    this.files(false, 'ready', o.failed);
    this.files(true, o.mllmLoading ? 'queued' : 'ready', o.failed);
    const info = this.info(o.mllmLoading ? { textToImage: false, mllmLoading: true, ...o.info } : o.info);
    feed.push({ type: 'loaded', ms: 1, fromCache: true, bytes: 1 }, { type: 'ready', info });
    if (!o.mllmLoading) feed.end();
  }

  /** The last load's MLLM, loading after 'ready' (finishLoad with mllmLoading), ends: its files
   * (`failed` ones failing), then 'mllm-loaded', the stream's last event. */
  finishMllm(o: { failed?: string[]; reason?: string } = {}) {
    const feed = this.loads.at(-1)!.feed;
    this.files(true, 'ready', o.failed);
    const ok = !o.failed?.length && !o.reason;
    feed.push({ type: 'mllm-loaded', ok, reason: ok ? undefined : (o.reason ?? 'a file failed'), ms: 2, fromCache: true, mllm: ok ? { provider: 'wasm' } : undefined, phases: { 'after ready: mllm files + session (from ready)': 1 } });
    feed.end();
  }
}

/** Lets the store's awaits run (stream reads are a few promise turns each). */
export const settle = () => new Promise((r) => setTimeout(r, 0));
