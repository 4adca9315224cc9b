// The canvas drawing as data (src/panels/canvas/history.ts): undo, redo and clear act on the
// mode shown and only once its stored drawing has loaded; what the ops leave on the canvas.
import { describe, expect, it } from 'vitest';
import { drawingReducer, editable, hasLayerOps, hasPaint, initialDrawing, layers, type DrawingAction, type DrawingState, type Op, type Stroke } from '../src/panels/canvas/history';

const stroke = (x: number): Stroke => ({ kind: 'stroke', tool: 'brush', color: '#000', size: 4, points: [x, x] });
const base = (v: number): Op => ({ kind: 'base', data: new Uint8ClampedArray(4).fill(v) });
const run = (s: DrawingState, ...actions: DrawingAction[]) => actions.reduce(drawingReducer, s);
const xs = (ops: readonly Op[]) => ops.map((o) => (o.kind === 'stroke' ? o.points[0] : o.kind));

/** colorize loaded with two strokes */
const drawn = () => run(initialDrawing('colorize'), { type: 'loaded', mode: 'colorize', drawing: { ops: [], redo: [] } }, { type: 'push', mode: 'colorize', op: stroke(1) }, { type: 'push', mode: 'colorize', op: stroke(2) });

describe('canvas drawing history', () => {
  it('undo, redo and a new stroke (which drops the redo stack)', () => {
    const s = run(drawn(), { type: 'undo', mode: 'colorize' });
    expect(xs(s.drawing.ops)).toEqual([1]);
    expect(xs(s.drawing.redo)).toEqual([2]);
    expect(xs(run(s, { type: 'redo', mode: 'colorize' }).drawing.ops)).toEqual([1, 2]);
    const t = run(s, { type: 'push', mode: 'colorize', op: stroke(3) });
    expect([xs(t.drawing.ops), t.drawing.redo]).toEqual([[1, 3], []]);
    expect(run(initialDrawing('sketch'), { type: 'loaded', mode: 'sketch', drawing: { ops: [], redo: [] } }, { type: 'undo', mode: 'sketch' }).drawing.ops).toEqual([]);
  });

  it('clear is an op: undo brings the drawing back', () => {
    const s = run(drawn(), { type: 'clear', mode: 'colorize' });
    expect(layers(s.drawing.ops)).toEqual({ base: null, mask: null, strokes: [] });
    expect(layers(run(s, { type: 'undo', mode: 'colorize' }).drawing.ops).strokes.map((x) => x.points[0])).toEqual([1, 2]);
  });

  it('after a mode switch nothing acts until that mode’s drawing has loaded, and then only on it', () => {
    const before = drawn();
    const switched = run(before, { type: 'switch', mode: 'inpaint' });
    expect(editable(switched, 'inpaint')).toBe(false);
    // clicks in the old mode or the new one before the load: the old drawing is untouched
    const clicked = run(switched, { type: 'undo', mode: 'inpaint' }, { type: 'clear', mode: 'inpaint' }, { type: 'undo', mode: 'colorize' }, { type: 'push', mode: 'colorize', op: stroke(9) });
    expect(clicked.drawing).toBe(before.drawing);
    // a slow load of a mode left since is ignored
    expect(run(clicked, { type: 'loaded', mode: 'colorize', drawing: { ops: [stroke(7)], redo: [] } }).loadedMode).toBeNull();
    const inpaint = run(clicked, { type: 'loaded', mode: 'inpaint', drawing: { ops: [base(5), stroke(4)], redo: [] } }, { type: 'undo', mode: 'inpaint' });
    expect(xs(inpaint.drawing.ops)).toEqual(['base']);
    expect(xs(inpaint.drawing.redo)).toEqual([4]);
    // back to colorize: its own stored drawing comes back, not inpaint's
    const back = run(inpaint, { type: 'switch', mode: 'colorize' }, { type: 'loaded', mode: 'colorize', drawing: before.drawing }, { type: 'redo', mode: 'colorize' });
    expect(xs(back.drawing.ops)).toEqual([1, 2]);
  });

  it('what the ops leave: the last base or clear, and the strokes after it', () => {
    const l = layers([stroke(1), base(7), stroke(2), stroke(3)]);
    expect(l.base?.[0]).toBe(7);
    expect(l.strokes.map((x) => x.points[0])).toEqual([2, 3]);
    expect(layers([base(7), stroke(2), { kind: 'clear' }, stroke(5)])).toEqual({ base: null, mask: null, strokes: [stroke(5)] });
  });

  it("a mask put back (an inpaint from the history) is the layer's pixels, strokes on top; a new base or undo takes it away", () => {
    const m = new Uint8ClampedArray(4).fill(3);
    const l = layers([base(7), { kind: 'mask', data: m }, stroke(2)]);
    expect(l).toEqual({ base: l.base, mask: m, strokes: [stroke(2)] });
    expect(l.base?.[0]).toBe(7);
    expect(layers([base(7), { kind: 'mask', data: m }, base(8)]).mask).toBeNull();
    expect(layers([{ kind: 'mask', data: m }, { kind: 'clear' }]).mask).toBeNull();
    // painted, for the inpaint button: a stroke or a mask put back, not a base alone
    expect(hasLayerOps([base(7)])).toBe(false);
    expect(hasLayerOps([base(7), { kind: 'mask', data: m }])).toBe(true);
    expect(hasLayerOps([base(7), stroke(1)])).toBe(true);
    const s = run(initialDrawing('inpaint'), { type: 'loaded', mode: 'inpaint', drawing: { ops: [], redo: [] } }, { type: 'push', mode: 'inpaint', op: base(7) }, { type: 'push', mode: 'inpaint', op: { kind: 'mask', data: m } }, { type: 'undo', mode: 'inpaint' });
    expect(layers(s.drawing.ops).mask).toBeNull();
    expect(layers(run(s, { type: 'redo', mode: 'inpaint' }).drawing.ops).mask).toBe(m);
  });

  it('a mask has a hole only where the layer is painted', () => {
    expect(hasPaint(new Uint8ClampedArray(16))).toBe(false);
    expect(hasPaint(Uint8ClampedArray.from([0, 0, 0, 0, 255, 0, 0, 200]))).toBe(true);
    expect(hasPaint(Uint8ClampedArray.from([255, 255, 255, 100]))).toBe(false);
  });
});
