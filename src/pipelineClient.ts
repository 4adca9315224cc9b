// The page's side of the pipeline worker: one comlink-wrapped instance per page.
import * as Comlink from 'comlink';
import type { EventSink, PipelineApi, InitOptions, ReconstructRequest, TextToImageRequest, VariationsRequest } from '../workers/pipeline/protocol';
import type { ConditionalRequest, UnderstandRequest } from '../workers/pipeline/tasks-protocol';

let worker: Worker | null = null;
let api: Comlink.Remote<PipelineApi> | null = null;

function remote(): Comlink.Remote<PipelineApi> {
  if (!api) {
    worker = new Worker(new URL('../workers/pipeline/pipeline.worker.ts', import.meta.url), { type: 'module', name: 'pipeline' });
    api = Comlink.wrap<PipelineApi>(worker);
  }
  return api;
}

export const pipeline = {
  init: (opts: InitOptions, onEvent: EventSink) => remote().init(opts, Comlink.proxy(onEvent)),
  reconstruct: (req: ReconstructRequest, onEvent: EventSink) => remote().reconstruct(req, Comlink.proxy(onEvent)),
  textToImage: (req: TextToImageRequest, onEvent: EventSink) => remote().textToImage(req, Comlink.proxy(onEvent)),
  variations: (req: VariationsRequest, onEvent: EventSink) => remote().variations(req, Comlink.proxy(onEvent)),
  // issue 5 (src/panels): conditional tasks and understanding
  taskInfo: () => remote().taskInfo(),
  conditional: (req: ConditionalRequest, onEvent: EventSink) => remote().conditional(req, Comlink.proxy(onEvent)),
  understand: (req: UnderstandRequest, onEvent: EventSink) => remote().understand(req, Comlink.proxy(onEvent)),
  cancel: () => remote().cancel(),
  /** Drops the worker (e.g. to retry after a fatal error). */
  terminate() {
    worker?.terminate();
    worker = null;
    api = null;
  },
};
