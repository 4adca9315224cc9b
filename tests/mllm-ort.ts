// onnxruntime-web for engine tests that watch the MLLM's graph calls: the MLLM's sessions (the graph
// with a `block` input) run every call through a wrapper the test makes for each session; every other
// session is onnxruntime's own.
import * as ort from 'onnxruntime-web';
import type { InferenceSession, OrtLike } from '../workers/engine/ort';

type Run = (feeds: InferenceSession.FeedsType) => Promise<InferenceSession.ReturnType>;

/** `around()` is called once per MLLM session created: -> what each of its runs does, given the feeds and the session's own run. */
export function ortAroundMllm(around: () => (feeds: InferenceSession.FeedsType, run: Run) => Promise<InferenceSession.ReturnType>): OrtLike {
  return {
    Tensor: ort.Tensor as unknown as OrtLike['Tensor'],
    InferenceSession: {
      async create(bytes, options) {
        const s = (await ort.InferenceSession.create(bytes, options)) as unknown as InferenceSession;
        if (!s.inputNames.includes('block')) return s;
        const wrap = around();
        const wrapped = Object.create(s) as InferenceSession;
        wrapped.run = ((feeds: InferenceSession.FeedsType) => wrap(feeds, (f) => s.run(f))) as InferenceSession['run'];
        return wrapped;
      },
    },
  };
}
