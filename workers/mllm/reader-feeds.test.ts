// What the MLLM graph is fed for a model with a reader (manifest mllm.reader) and without: fake sessions
// record every call's feeds. With a reader, every call gets the reader input, holding the reader's tokens
// exactly where the given image is read and zeros everywhere else (text, the generated image's queries,
// every later call); without one, no call is fed a reader input at all (the shipped graph has none).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { MllmError, MllmGenerator, type MllmSpec, type Pyramid } from './generate';
import { Tokenizer } from './tokenizer';
import { splitScales } from './test-helpers';

const fixture = (d: string) => resolve(import.meta.dirname, 'fixtures', d);
const specOf = (d: string) => JSON.parse(readFileSync(resolve(fixture(d), 'manifest.json'), 'utf8')).mllm as MllmSpec;

/** A session that records its feeds and answers zeros of the right shapes. */
function recorder(spec: MllmSpec) {
  const calls: Record<string, ort.Tensor>[] = [];
  const session = {
    async run(feeds: Record<string, ort.Tensor>) {
      calls.push(feeds);
      const T = feeds.ids.dims[1];
      const P = feeds.past_key_0.dims[2];
      const C = spec.feature_dim;
      const out: Record<string, ort.Tensor> = {
        logits: new ort.Tensor('float32', new Float32Array(spec.vocab_size), [1, spec.vocab_size]),
        feature: new ort.Tensor('float32', new Float32Array(T * C), [1, T, C]),
        delta: new ort.Tensor('float32', new Float32Array(T * C), [1, T, C]),
      };
      const kv = new Float32Array(spec.n_head * (P + T) * spec.head_dim);
      for (let i = 0; i < spec.n_layer; i++) for (const k of ['key', 'value']) out[`present_${k}_${i}`] = new ort.Tensor('float32', kv, [1, spec.n_head, P + T, spec.head_dim]);
      return out;
    },
  };
  return { calls, session };
}

function setup(dir: string) {
  const spec = { ...specOf(dir), plan: null };
  const tok = new Tokenizer(JSON.parse(readFileSync(resolve(fixture(dir), 'tokenizer.json'), 'utf8')));
  const { calls, session } = recorder(spec);
  const gen = new MllmGenerator(ort, spec, tok, { single: session });
  const C = spec.feature_dim;
  const flat = (v: number) => Float32Array.from({ length: spec.image_tokens * C }, (_, i) => v + i / 1e4);
  return { spec, gen, calls, C, source: splitScales(spec, flat(1)), reader: splitScales(spec, flat(-5)), readerFlat: flat(-5) };
}

const data = (t: ort.Tensor) => t.data as Float32Array;
const zero = (a: Float32Array) => a.every((x) => x === 0);

describe('the reader input', () => {
  it('a model without a reader: no call is fed one, and a reader pyramid is refused', async () => {
    const { gen, calls, source, reader } = setup('single_scale');
    await gen.generateImage('edit', { text: 'colorize this', source, scales: ['f4', 'f3'] });
    await gen.answer({ source, question: 'what is this emoji?', maxTokens: 3 });
    await gen.generateImage('t2i', { text: 'red heart', scales: ['f4'] });
    expect(calls.length).toBeGreaterThan(4);
    for (const c of calls) expect(Object.keys(c)).not.toContain('reader');
    await expect(gen.generateImage('edit', { text: 'colorize this', source, reader })).rejects.toThrow(MllmError);
  });

  it("a model with a reader: the given image's positions get the reader's tokens, everything else zeros", async () => {
    const { spec, gen, calls, C, source, reader, readerFlat } = setup('single_reader');
    const input = spec.reader!.input;
    const checkPrefill = (c: Record<string, ort.Tensor>) => {
      const r = data(c[input]);
      const T = c.ids.dims[1];
      expect(c[input].dims).toEqual([1, T, C]);
      // <s> [IMG] then the image's tokens (slots 1..image_tokens), image order
      const slots = Array.from(c.slot.data as ArrayLike<number | bigint>, Number);
      const at = slots.indexOf(1);
      expect(at).toBe(2);
      expect(slots.slice(at, at + spec.image_tokens)).toEqual(Array.from({ length: spec.image_tokens }, (_, k) => k + 1));
      expect(r.subarray(at * C, (at + spec.image_tokens) * C)).toEqual(readerFlat);
      expect(zero(r.subarray(0, at * C)) && zero(r.subarray((at + spec.image_tokens) * C))).toBe(true);
    };
    const laterAllZero = (from: number) => {
      for (const c of calls.slice(from)) {
        expect(c[input].dims).toEqual([1, c.ids.dims[1], C]);
        expect(zero(data(c[input]))).toBe(true);
      }
    };
    await gen.generateImage('edit', { text: 'colorize this', source, reader, scales: ['f4', 'f3', 'f2'] });
    expect(calls.length).toBe(3); // the prefill rides with f4's queries, then f3, f2
    checkPrefill(calls[0]);
    laterAllZero(1);

    calls.length = 0;
    await gen.answer({ source, reader, question: 'what is this emoji?', maxTokens: 3 });
    checkPrefill(calls[0]);
    laterAllZero(1);

    calls.length = 0;
    await gen.generateImage('t2i', { text: 'red heart', scales: ['f4', 'f3'] }); // no given image: zeros throughout
    laterAllZero(0);

    const missing: Pyramid | undefined = undefined;
    await expect(gen.generateImage('edit', { text: 'colorize this', source, reader: missing })).rejects.toThrow(/reader/);
    await expect(gen.answer({ source, question: 'what is this emoji?' })).rejects.toThrow(/reader/);
  });
});
