// The pick's framing (workers/lib/framing.ts): what it must do whatever the golden vectors hold (those prove it
// is PyTorch's arithmetic: workers/mllm/pick.test.ts).
import { describe, expect, it } from 'vitest';
import { frameInk } from '../workers/lib/framing';

const S = 64;
const spec = { span: 62, ink: 0.1 };

/** white NCHW with a dark rectangle [y0, y1) x [x0, x1) of the given grey (-1 black) */
function rect(y0: number, y1: number, x0: number, x1: number, v = -1): Float32Array {
  const a = new Float32Array(3 * S * S).fill(1);
  for (let c = 0; c < 3; c++) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) a[c * S * S + y * S + x] = v;
  return a;
}

/** the ink's box of channel 0: [y0, y1, x0, x1] (end exclusive) */
function box(a: Float32Array): number[] {
  let y0 = S, y1 = -1, x0 = S, x1 = -1;
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) if (a[y * S + x] < 0.9) [y0, y1, x0, x1] = [Math.min(y0, y), Math.max(y1, y), Math.min(x0, x), Math.max(x1, x)];
  return [y0, y1 + 1, x0, x1 + 1];
}

describe('frameInk', () => {
  it("scales the ink's longer side to the span, keeps its aspect and centres it", () => {
    const got = frameInk(rect(10, 30, 20, 40), S, spec); // a 20 x 20 square off centre
    expect(box(got)).toEqual([1, 63, 1, 63]);
    const wide = frameInk(rect(5, 15, 3, 43), S, spec); // 10 x 40: 15.5 -> 16 tall, 62 wide
    expect(box(wide)).toEqual([24, 40, 1, 63]);
  });

  it('gives the same for the same drawing wherever it sits and however large it is drawn', () => {
    const a = frameInk(rect(2, 22, 2, 22, -0.5), S, spec);
    const b = frameInk(rect(40, 60, 30, 50, -0.5), S, spec);
    const c = frameInk(rect(1, 63, 1, 63, -0.5), S, spec); // already framed: unchanged
    expect(b).toEqual(a);
    expect(Math.max(...a.map((v, i) => Math.abs(v - c[i])))).toBeLessThan(1e-6);
    expect(c).toEqual(rect(1, 63, 1, 63, -0.5));
  });

  it('averages by area: an output pixel straddling two input rows is their mean', () => {
    // 4 x 4 ink, its top row black, the rest grey, scaled 15.5x to 62: output row 15 covers [0.968, 1.032) of
    // input rows, half in each of rows 0 and 1
    const a = rect(20, 24, 20, 24, -0.5);
    for (let c = 0; c < 3; c++) for (let x = 20; x < 24; x++) a[c * S * S + 20 * S + x] = -1;
    const got = frameInk(a, S, spec);
    const at = (row: number) => got[(1 + row) * S + 30]; // the framed ink starts at row and column 1
    expect(at(14)).toBeCloseTo(-1, 6);
    expect(at(15)).toBeCloseTo(-0.75, 6);
    expect(at(16)).toBeCloseTo(-0.5, 6);
  });

  it('leaves an image without ink as it is, and a faint wash is not ink', () => {
    const white = new Float32Array(3 * S * S).fill(1);
    expect(frameInk(white, S, spec)).toEqual(white);
    const faint = rect(10, 20, 10, 20, 0.95); // darkness 3 x 0.025 = 0.075 < 0.1
    expect(frameInk(faint, S, spec)).toEqual(faint);
  });

  it("leaves a drawing already framed as the gallery's (its extent within keep) where it is", () => {
    const keep = { ...spec, keep: [60, 64] as [number, number] };
    const near = rect(3, 63, 2, 40); // 60 tall: within keep, so not moved or resized
    expect(frameInk(near, S, keep)).toEqual(near);
    expect(box(frameInk(rect(3, 62, 2, 40), S, keep))).toEqual([1, 63, 12, 52]); // 59 tall: framed (38 -> 39.9 wide)
    expect(box(frameInk(near, S, spec))).toEqual([1, 63, 12, 51]); // without keep: framed as any other (38 -> 39.3 wide)
  });

  it('returns a copy, never the input', () => {
    const a = rect(10, 20, 10, 20);
    const before = a.slice();
    const got = frameInk(a, S, spec);
    got[0] = -1;
    expect(a).toEqual(before);
  });
});

describe('encodeGivenImage', () => {
  // the engine's step for a given image: the reader reads it as given (the MLLM's feed); for a task that picks, what
  // the pick asks its gallery with: in the reader's space the reader's pyramid of the image framed (where the pick
  // frames), in key space the key model's embedding of it (framed where the pick frames); the encoder reads it as given only
  const run = async (frame: unknown, pick: boolean, space?: 'reader' | 'key') => {
    const { encodeGivenImage } = await import('../workers/engine/steps');
    const read: Float32Array[] = [];
    const keyed: Float32Array[] = [];
    const encoded: Float32Array[] = [];
    const ctx = {
      manifest: { image: { size: S }, models: { gallery: { role: 'gallery', space } }, mllm: { pick: { gallery: 'gallery', frame } } },
      codec: { encode: async (x: Float32Array) => (encoded.push(x), { cond: {}, uncond: {} }) },
      reader: { pyramid: async (x: Float32Array) => (read.push(x), { f2: x.slice(0, 4) }) },
      pickKey: { embed: async (x: Float32Array) => (keyed.push(x), x.slice(0, 2)) },
      guard: <T,>(p: Promise<T>) => p,
    };
    const image = rect(10, 30, 20, 40);
    const enc = await encodeGivenImage(ctx as never, image, () => undefined, pick);
    return { image, read, keyed, encoded, enc };
  };

  it('reads the framed image through the reader for a task that picks, as the pick frames it (the reader\'s space)', async () => {
    for (const space of [undefined, 'reader'] as const) {
      const { image, read, keyed, encoded, enc } = await run(spec, true, space);
      expect(encoded).toEqual([image]);
      expect(read).toEqual([image, frameInk(image, S, spec)]);
      expect(keyed, 'no key model in the reader\'s space').toEqual([]);
      expect(enc.pickKey).toEqual({ space: 'reader', pyramid: { f2: frameInk(image, S, spec).slice(0, 4) } });
    }
  });

  it('reads it once, as given, for a task that does not pick or a pick that does not frame (the reader\'s space)', async () => {
    for (const [frame, pick] of [[spec, false], [undefined, true]] as const) {
      const { image, read, keyed, enc } = await run(frame, pick);
      expect(read).toEqual([image]);
      expect(keyed).toEqual([]);
      expect(enc.pickKey).toBeUndefined();
    }
  });

  it("in key space: the key model's embedding of the image framed as the pick frames it, the reader reading it as given only", async () => {
    const { image, read, keyed, encoded, enc } = await run(spec, true, 'key');
    const framed = frameInk(image, S, spec);
    expect(framed).not.toEqual(image);
    expect(encoded).toEqual([image]);
    expect(read, 'the reader reads the image as given, for the MLLM').toEqual([image]);
    expect(keyed).toEqual([framed]);
    expect(enc.pickKey).toEqual({ space: 'key', embedding: framed.slice(0, 2) });
    expect(enc.reader).toEqual({ f2: image.slice(0, 4) });
  });

  it('in key space: the image as given where the pick does not frame, and nothing for a task that does not pick', async () => {
    const unframed = await run(undefined, true, 'key');
    expect(unframed.keyed).toEqual([unframed.image]);
    expect(unframed.enc.pickKey).toEqual({ space: 'key', embedding: unframed.image.slice(0, 2) });
    const none = await run(spec, false, 'key');
    expect(none.keyed).toEqual([]);
    expect(none.enc.pickKey).toBeUndefined();
  });
});
