// onnxruntime-web for engine tests that watch one model's graph calls inside the engine: the sessions a test names
// (ortAroundMllm: the MLLM's, the graph with a `block` input; ortRecording: any graph by an output of its own) run
// every call through a wrapper the test makes for each session; every other session is onnxruntime's own.
import * as ort from 'onnxruntime-web';
import type { InferenceSession, OrtLike } from '../workers/engine/ort';

type Run = (feeds: InferenceSession.FeedsType) => Promise<InferenceSession.ReturnType>;
type Around = (feeds: InferenceSession.FeedsType, run: Run) => Promise<InferenceSession.ReturnType>;

/** `around()` is called once per session `watched` accepts: -> what each of its runs does, given the feeds and the session's own run. */
export function ortAround(watched: (s: InferenceSession) => boolean, around: () => Around): OrtLike {
  return {
    Tensor: ort.Tensor as unknown as OrtLike['Tensor'],
    InferenceSession: {
      async create(bytes, options) {
        const s = (await ort.InferenceSession.create(bytes, options)) as unknown as InferenceSession;
        if (!watched(s)) return s;
        const wrap = around();
        const wrapped = Object.create(s) as InferenceSession;
        wrapped.run = ((feeds: InferenceSession.FeedsType) => wrap(feeds, (f) => s.run(f))) as InferenceSession['run'];
        return wrapped;
      },
    },
  };
}

/** `around()` is called once per MLLM session created: -> what each of its runs does, given the feeds and the session's own run. */
export function ortAroundMllm(around: () => Around): OrtLike {
  return ortAround((s) => s.inputNames.includes('block'), around);
}

/** onnxruntime reporting every run of the sessions whose graph has `output` among its outputs (e.g. the pick's key
 * model): its feed `input` and that output, copied, to `onRun`. */
export function ortRecording(input: string, output: string, onRun: (feed: Float32Array, out: Float32Array) => void): OrtLike {
  return ortAround((s) => s.outputNames.includes(output), () => async (feeds, run) => {
    const r = await run(feeds);
    onRun(Float32Array.from((feeds as Record<string, ort.Tensor>)[input].data as Float32Array), Float32Array.from(r[output].data as Float32Array));
    return r;
  });
}
