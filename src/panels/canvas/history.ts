// A canvas drawing as data, with no DOM: the ops (base image, strokes, clear) and their redo
// stack, one drawing per mode, and what the ops leave on the canvas. Every change goes through
// drawingReducer, which refuses to act on a mode whose stored drawing has not loaded yet: after
// a mode switch the previous mode's drawing is still the one in hand, and undo, redo or clear
// must not touch it (they did once, and CI hung clicking a Clear that turned disabled).
export type CanvasMode = 'colorize' | 'inpaint' | 'sketch';

export interface Stroke {
  kind: 'stroke';
  tool: 'brush' | 'eraser';
  color: string;
  size: number;
  points: number[]; // x0,y0,x1,y1,... in canvas pixels
}
export interface BaseOp {
  kind: 'base';
  data: Uint8ClampedArray | null; // W*W*4 RGBA, null = blank white
}
export interface ClearOp {
  kind: 'clear';
}
/** The stroke layer set to these pixels (W*W*4 RGBA), strokes drawn since on top: an inpaint
 * mask put back from the history, which strokes could not redraw pixel for pixel. */
export interface MaskOp {
  kind: 'mask';
  data: Uint8ClampedArray;
}
export type Op = Stroke | BaseOp | ClearOp | MaskOp;
export interface Drawing {
  ops: Op[];
  redo: Op[];
}

export const EMPTY_DRAWING: Drawing = Object.freeze({ ops: [], redo: [] }) as Drawing;

export interface DrawingState {
  /** the mode shown */
  mode: CanvasMode;
  /** the mode whose stored drawing is in `drawing` (null while it loads) */
  loadedMode: CanvasMode | null;
  drawing: Drawing;
}

export type DrawingAction =
  | { type: 'switch'; mode: CanvasMode }
  | { type: 'loaded'; mode: CanvasMode; drawing: Drawing }
  /** user edits name the mode they were made in: one made in an old mode is dropped */
  | { type: 'push'; mode: CanvasMode; op: Op }
  | { type: 'undo' | 'redo' | 'clear'; mode: CanvasMode };

export function initialDrawing(mode: CanvasMode): DrawingState {
  return { mode, loadedMode: null, drawing: EMPTY_DRAWING };
}

/** The drawing of `mode` is loaded and shown: edits may act on it. */
export function editable(s: DrawingState, mode: CanvasMode = s.mode): boolean {
  return s.mode === mode && s.loadedMode === mode;
}

/** The next state; the same object when nothing changes (so callers know not to save). */
export function drawingReducer(s: DrawingState, a: DrawingAction): DrawingState {
  const d = s.drawing;
  switch (a.type) {
    case 'switch':
      return a.mode === s.mode && s.loadedMode === a.mode ? s : { ...s, mode: a.mode, loadedMode: null };
    case 'loaded':
      return a.mode === s.mode ? { mode: a.mode, loadedMode: a.mode, drawing: a.drawing } : s;
  }
  if (!editable(s, a.mode)) return s;
  switch (a.type) {
    case 'push':
      return { ...s, drawing: { ops: [...d.ops, a.op], redo: [] } };
    case 'undo':
      return d.ops.length ? { ...s, drawing: { ops: d.ops.slice(0, -1), redo: [...d.redo, d.ops[d.ops.length - 1]] } } : s;
    case 'redo':
      return d.redo.length ? { ...s, drawing: { ops: [...d.ops, d.redo[d.redo.length - 1]], redo: d.redo.slice(0, -1) } } : s;
    case 'clear':
      return d.ops.length ? { ...s, drawing: { ops: [...d.ops, { kind: 'clear' }], redo: [] } } : s;
  }
}

/** What the ops leave on the canvas: the last base image (null: white), the stroke layer's
 * pixels set since it (null: none) and the strokes since either. */
export function layers(ops: readonly Op[]): { base: Uint8ClampedArray | null; mask: Uint8ClampedArray | null; strokes: Stroke[] } {
  let base: Uint8ClampedArray | null = null;
  let mask: Uint8ClampedArray | null = null;
  let strokes: Stroke[] = [];
  for (const op of ops) {
    if (op.kind === 'stroke') strokes.push(op);
    else if (op.kind === 'mask') {
      mask = op.data;
      strokes = [];
    } else {
      base = op.kind === 'base' ? op.data : null;
      mask = null;
      strokes = [];
    }
  }
  return { base, mask, strokes };
}

/** Something is painted on the stroke layer: a stroke, or pixels put back (MaskOp). */
export function hasLayerOps(ops: readonly Op[]): boolean {
  return ops.some((o) => o.kind === 'stroke' || o.kind === 'mask');
}

/** Some pixel of a stroke layer (RGBA) is painted: an inpaint mask with a hole in it. */
export function hasPaint(layer: Uint8ClampedArray): boolean {
  for (let i = 3; i < layer.length; i += 4) if (layer[i] > 127) return true;
  return false;
}
