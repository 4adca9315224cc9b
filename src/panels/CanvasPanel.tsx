// Canvas: one drawing component, three modes, each giving the five-scale grid.
//   colorize: load or draw an image; the model gets it in grayscale and writes colour back;
//   inpaint:  paint a mask over a loaded image; the model fills the masked part;
//   sketch:   draw strokes (or load a line drawing); the model gets its edge map.
// Tools: brush, eraser, colour, size, undo/redo, clear (images come in through the one picker
// above the canvas, a drop or a result sent here); keys B/E, [ ], Ctrl+Z,
// Ctrl+Shift+Z / Ctrl+Y; pointer events (mouse, touch, pen); and drawing by keyboard on the
// focused canvas (arrows move a cursor, Space starts and ends a stroke). Each mode's drawing is
// kept in IndexedDB (drawingDb.ts) and survives a reload.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RGBAImage } from '../../workers/lib/image';
import { useApp, useRun } from '../store';
import { loadDrawing, saveDrawing, type Drawing, type Op, type Stroke } from './drawingDb';
import { ImageSource } from '../components/ImageSource';
import { TaskGrid } from './TaskGrid';
import { Message } from './Message';
import { resultsId } from '../newcomer/SkipToResults';

const W = 256; // working resolution; the worker area-averages it to the model's 64x64
const MASK_COLOR = 'rgba(255,0,0,1)';
type CanvasMode = 'colorize' | 'inpaint' | 'sketch';

const MODES: { id: CanvasMode; label: string; help: string }[] = [
  { id: 'colorize', label: 'Colorize', help: 'Load or draw an image: the model sees it in grayscale (right) and paints colour back.' },
  { id: 'inpaint', label: 'Inpaint', help: 'Load an image, then paint over the part to fill in (red): the model sees it white and fills it.' },
  { id: 'sketch', label: 'Sketch', help: 'Draw dark lines on white (or load a line drawing): the model sees its edge map and draws an emoji.' },
];

/** a sample/result image (any size) -> W x W RGBA on white, aspect kept */
/** A W x W canvas painted white: every image the canvas hands the model is composited on white. */
function whiteCanvas(): CanvasRenderingContext2D {
  const c = document.createElement('canvas');
  c.width = W;
  c.height = W;
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, W);
  return ctx;
}

function toWorking(img: RGBAImage): Uint8ClampedArray {
  const src = document.createElement('canvas');
  src.width = img.width;
  src.height = img.height;
  src.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
  const ctx = whiteCanvas();
  const s = Math.min(W / img.width, W / img.height);
  const w = img.width * s;
  const h = img.height * s;
  // 64 -> 256 upscales crisp (nearest), so the worker's area-average gives the 64x64 back exactly
  ctx.imageSmoothingEnabled = img.width > W || img.height > W;
  ctx.drawImage(src, (W - w) / 2, (W - h) / 2, w, h);
  return ctx.getImageData(0, 0, W, W).data;
}

function drawStroke(ctx: CanvasRenderingContext2D, s: Stroke, mode: CanvasMode) {
  ctx.save();
  ctx.globalCompositeOperation = s.tool === 'eraser' ? 'destination-out' : 'source-over';
  ctx.strokeStyle = mode === 'inpaint' ? MASK_COLOR : s.color;
  ctx.fillStyle = ctx.strokeStyle;
  ctx.lineWidth = s.size;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const p = s.points;
  if (p.length === 2) {
    ctx.beginPath();
    ctx.arc(p[0], p[1], s.size / 2, 0, Math.PI * 2);
    ctx.fill();
  } else {
    ctx.beginPath();
    ctx.moveTo(p[0], p[1]);
    for (let i = 2; i < p.length; i += 2) ctx.lineTo(p[i], p[i + 1]);
    ctx.stroke();
  }
  ctx.restore();
}

/** replays the ops: the base image (or white) and the stroke layer */
function replay(ops: Op[], layer: CanvasRenderingContext2D, mode: CanvasMode): Uint8ClampedArray | null {
  let base: Uint8ClampedArray | null = null;
  layer.clearRect(0, 0, W, W);
  for (const op of ops) {
    if (op.kind === 'base') {
      base = op.data;
      layer.clearRect(0, 0, W, W);
    } else if (op.kind === 'clear') {
      base = null;
      layer.clearRect(0, 0, W, W);
    } else drawStroke(layer, op, mode);
  }
  return base;
}

export function CanvasPanel() {
  const active = useApp((s) => s.tab === 'canvas');
  const picked = useApp((s) => s.picked.canvas);
  const run = useRun('canvas');
  const actions = useApp((s) => s.actions);
  const [mode, setMode] = useState<CanvasMode>('colorize');
  const [tool, setTool] = useState<'brush' | 'eraser'>('brush');
  const [size, setSize] = useState(12);
  const [color, setColor] = useState('#e0a100');
  const [keepUnmasked, setKeepUnmasked] = useState(true);
  const [drawing, setDrawing] = useState<Drawing>({ ops: [], redo: [] });
  // the mode whose stored drawing is on the canvas: right after a mode switch it is still the old
  // one, so `loaded` is false from the very render that shows the new mode
  const [loadedMode, setLoadedMode] = useState<CanvasMode | null>(null);
  const loaded = loadedMode === mode;
  const [storage, setStorage] = useState<string | null>(null);
  const view = useRef<HTMLCanvasElement>(null);
  const preview = useRef<HTMLCanvasElement>(null);
  const layerRef = useRef<HTMLCanvasElement | null>(null);
  const baseRef = useRef<Uint8ClampedArray | null>(null);
  const current = useRef<Stroke | null>(null);
  const lastPicked = useRef<number>(0);
  const running = run.status === 'running';

  const layer = () => {
    if (!layerRef.current) {
      layerRef.current = document.createElement('canvas');
      layerRef.current.width = W;
      layerRef.current.height = W;
    }
    return layerRef.current.getContext('2d', { willReadFrequently: true })!;
  };

  // compose base + layer onto the visible canvas and the model's-eye preview
  const paint = useCallback(() => {
    const c = view.current;
    if (!c) return;
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, W);
    if (baseRef.current) ctx.putImageData(new ImageData(new Uint8ClampedArray(baseRef.current), W, W), 0, 0);
    ctx.save();
    if (mode === 'inpaint') ctx.globalAlpha = 0.55;
    ctx.drawImage(layerRef.current ?? layer().canvas, 0, 0);
    ctx.restore();
    const p = preview.current;
    if (p) {
      const pc = p.getContext('2d')!;
      pc.fillStyle = '#fff';
      pc.fillRect(0, 0, 64, 64);
      pc.filter = mode === 'colorize' ? 'grayscale(1)' : 'none';
      if (mode === 'inpaint') {
        if (baseRef.current) {
          const t = document.createElement('canvas');
          t.width = W;
          t.height = W;
          const tc = t.getContext('2d')!;
          tc.putImageData(new ImageData(new Uint8ClampedArray(baseRef.current), W, W), 0, 0);
          // the model's input: masked pixels white
          const m = document.createElement('canvas');
          m.width = W;
          m.height = W;
          const mc = m.getContext('2d')!;
          mc.drawImage(layer().canvas, 0, 0);
          mc.globalCompositeOperation = 'source-in';
          mc.fillStyle = '#fff';
          mc.fillRect(0, 0, W, W);
          tc.drawImage(m, 0, 0);
          pc.drawImage(t, 0, 0, 64, 64);
        }
      } else pc.drawImage(c, 0, 0, 64, 64);
      pc.filter = 'none';
    }
  }, [mode]);

  const apply = useCallback(
    (d: Drawing, persist = true) => {
      baseRef.current = replay(d.ops, layer(), mode);
      setDrawing(d);
      paint();
      if (persist)
        saveDrawing(mode, d).then(
          () => setStorage(null),
          (e) => setStorage(`Your drawing cannot be kept across reloads here (${(e as Error)?.message ?? 'storage refused'}).`),
        );
    },
    [mode, paint],
  );

  // load this mode's drawing (until it is here, the drawing shown is the previous mode's: undo,
  // redo and clear wait, so they cannot act on the wrong one)
  useEffect(() => {
    let off = false;
    setLoadedMode(null);
    loadDrawing(mode)
      .then((d) => !off && apply(d ?? { ops: [], redo: [] }, false))
      .catch((e) => {
        if (off) return;
        apply({ ops: [], redo: [] }, false);
        setStorage(`Your drawing cannot be kept across reloads here (${(e as Error)?.message ?? 'storage refused'}).`);
      })
      .finally(() => !off && setLoadedMode(mode));
    return () => {
      off = true;
    };
  }, [mode, apply]);

  const push = (op: Op) => apply({ ops: [...drawing.ops, op], redo: [] });
  const undo = () => {
    if (!loaded || !drawing.ops.length) return;
    apply({ ops: drawing.ops.slice(0, -1), redo: [...drawing.redo, drawing.ops[drawing.ops.length - 1]] });
  };
  const redo = () => {
    if (!loaded || !drawing.redo.length) return;
    apply({ ops: [...drawing.ops, drawing.redo[drawing.redo.length - 1]], redo: drawing.redo.slice(0, -1) });
  };
  const clear = () => loaded && push({ kind: 'clear' });
  const setBase = (img: RGBAImage) => push({ kind: 'base', data: toWorking(img) });

  // an image picked in the source row or sent from another panel becomes the base
  useEffect(() => {
    if (!loaded || !picked || picked.seq === lastPicked.current) return;
    lastPicked.current = picked.seq;
    setBase(picked.image);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [picked, loaded]);

  // keyboard shortcuts while the canvas panel is shown and no text field has focus
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      const k = e.key.toLowerCase();
      const mod = e.ctrlKey || e.metaKey;
      if (mod && k === 'z' && !e.shiftKey) undo();
      else if (mod && ((k === 'z' && e.shiftKey) || k === 'y')) redo();
      else if (!mod && k === 'b') setTool('brush');
      else if (!mod && k === 'e') setTool('eraser');
      else if (!mod && k === '[') setSize((s) => Math.max(2, s - 2));
      else if (!mod && k === ']') setSize((s) => Math.min(64, s + 2));
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const pos = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * W, ((e.clientY - r.top) / r.height) * W];
  };
  const onDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0 && e.pointerType === 'mouse') return;
    e.currentTarget.setPointerCapture(e.pointerId);
    startStroke(...(pos(e) as [number, number]));
  };
  const startStroke = (x: number, y: number) => {
    current.current = { kind: 'stroke', tool, color, size, points: [x, y] };
    drawStroke(layer(), current.current, mode);
    paint();
  };
  const onMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const s = current.current;
    if (!s) return;
    const evs = (e.nativeEvent as PointerEvent).getCoalescedEvents?.() ?? [e.nativeEvent];
    const r = e.currentTarget.getBoundingClientRect();
    for (const ev of evs.length ? evs : [e.nativeEvent]) s.points.push(((ev.clientX - r.left) / r.width) * W, ((ev.clientY - r.top) / r.height) * W);
    const ctx = layer();
    const n = s.points.length;
    drawStroke(ctx, { ...s, points: s.points.slice(Math.max(0, n - 2 * evs.length - 2)) }, mode);
    paint();
  };
  const onUp = () => {
    const s = current.current;
    current.current = null;
    if (s) push(s);
  };

  // keyboard drawing: the same strokes as the pointer's, from a cursor the arrows move
  const [cursor, setCursor] = useState<[number, number] | null>(null); // shown while the canvas has focus
  const [penDown, setPenDown] = useState(false);
  const endKeyStroke = () => {
    setPenDown(false);
    onUp();
  };
  const onCanvasKey = (e: React.KeyboardEvent<HTMLCanvasElement>) => {
    const [x, y] = cursor ?? [W / 2, W / 2];
    const step = e.shiftKey ? 2 : 8;
    const moves: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (e.key in moves) {
      const [dx, dy] = moves[e.key];
      const nx = Math.min(W - 1, Math.max(0, x + dx));
      const ny = Math.min(W - 1, Math.max(0, y + dy));
      setCursor([nx, ny]);
      const st = current.current;
      if (st) {
        st.points.push(nx, ny);
        drawStroke(layer(), { ...st, points: [x, y, nx, ny] }, mode);
        paint();
      }
    } else if (e.key === ' ' || e.key === 'Enter') {
      if (current.current) endKeyStroke();
      else {
        startStroke(x, y);
        setPenDown(true);
      }
    } else if (e.key === 'Escape' && current.current) endKeyStroke();
    else return;
    e.preventDefault();
  };

  const composite = (): RGBAImage => {
    const ctx = whiteCanvas();
    if (baseRef.current) ctx.putImageData(new ImageData(new Uint8ClampedArray(baseRef.current), W, W), 0, 0);
    if (mode !== 'inpaint') ctx.drawImage(layer().canvas, 0, 0);
    return { width: W, height: W, data: ctx.getImageData(0, 0, W, W).data };
  };
  const maskImage = (): RGBAImage => ({ width: W, height: W, data: layer().getImageData(0, 0, W, W).data });

  const go = () => {
    const hasStrokes = drawing.ops.some((o) => o.kind === 'stroke');
    if (mode === 'inpaint') {
      if (!baseRef.current) return actions.setMessage('canvas', 'Load an image first (a sample, a file, or a result sent here), then paint the part to fill in.');
      if (!hasStrokes || !maskImage().data.some((v, i) => i % 4 === 3 && v > 127)) return actions.setMessage('canvas', 'Paint over the part to fill in first (the mask is empty).');
      return void actions.run('canvas', 'inpaint', { image: composite(), mask: maskImage(), keepUnmasked });
    }
    if (!baseRef.current && !hasStrokes) return actions.setMessage('canvas', mode === 'sketch' ? 'Draw something first (or load a line drawing).' : 'Load or draw an image first.');
    void actions.run('canvas', mode, { image: composite() });
  };

  const help = MODES.find((m) => m.id === mode)!.help;
  return (
    <section aria-labelledby="canvas-h" data-testid="panel-canvas" data-mode={mode} data-ops={drawing.ops.length} data-loaded={loaded ? 'true' : 'false'}>
      <h2 id="canvas-h">Canvas</h2>
      <div className="row" role="radiogroup" aria-label="Canvas mode">
        {MODES.map((m) => (
          <label key={m.id} className="radio">
            <input type="radio" name="canvas-mode" value={m.id} checked={mode === m.id} data-testid={`canvas-mode-${m.id}`} onChange={() => setMode(m.id)} /> {m.label}
          </label>
        ))}
      </div>
      <p className="muted">{help}</p>
      <ImageSource tab="canvas" showPicked={false} />
      <div className="row toolbar" role="toolbar" aria-label="Drawing tools">
        <button type="button" aria-pressed={tool === 'brush'} data-testid="canvas-brush" onClick={() => setTool('brush')} title="Brush (B)">
          Brush (B)
        </button>
        <button type="button" aria-pressed={tool === 'eraser'} data-testid="canvas-eraser" onClick={() => setTool('eraser')} title="Eraser (E)">
          Eraser (E)
        </button>
        <label>
          Size ([ ]) <input type="range" min={2} max={64} value={size} data-testid="canvas-size" onChange={(e) => setSize(Number(e.target.value))} /> {size}
        </label>
        {mode === 'inpaint' && (
          <label title="Outside the painted hole, show the original pixels instead of the model's redraw">
            <input type="checkbox" checked={keepUnmasked} data-testid="canvas-keep-unmasked" onChange={(e) => setKeepUnmasked(e.target.checked)} /> Keep unmasked pixels
          </label>
        )}
        <label>
          Colour <input type="color" value={color} disabled={mode === 'inpaint'} data-testid="canvas-color" onChange={(e) => setColor(e.target.value)} />
        </label>
        <button type="button" data-testid="canvas-undo" disabled={!loaded || !drawing.ops.length} onClick={undo} title="Undo (Ctrl+Z)">
          Undo
        </button>
        <button type="button" data-testid="canvas-redo" disabled={!loaded || !drawing.redo.length} onClick={redo} title="Redo (Ctrl+Shift+Z)">
          Redo
        </button>
        <button type="button" data-testid="canvas-clear" disabled={!loaded || !drawing.ops.length} onClick={clear}>
          Clear
        </button>
      </div>
      <div className="canvas-row">
        <div className="draw-wrap">
          <canvas
            ref={view}
            width={W}
            height={W}
            className="draw"
            data-testid="canvas-draw"
            aria-label={`${mode} drawing area: draw with a mouse, finger or pen; or with the keyboard: arrow keys move the cursor (Shift: finer), Space starts and ends a stroke`}
            aria-describedby="canvas-kb-state"
            role="application"
            tabIndex={0}
            onPointerDown={onDown}
            onPointerMove={onMove}
            onPointerUp={onUp}
            onPointerCancel={onUp}
            onKeyDown={onCanvasKey}
            onFocus={() => setCursor((c) => c ?? [W / 2, W / 2])}
            onBlur={() => {
              endKeyStroke();
              setCursor(null);
            }}
          />
          {cursor && (
            <span
              className={`kb-cursor${penDown ? ' down' : ''}`}
              data-testid="canvas-kb-cursor"
              aria-hidden="true"
              style={{ left: `${(cursor[0] / W) * 100}%`, top: `${(cursor[1] / W) * 100}%`, width: `${(size / W) * 100}%`, height: `${(size / W) * 100}%` }}
            />
          )}
          <span id="canvas-kb-state" className="sr-only" aria-live="polite">
            {cursor ? `${penDown ? 'Drawing' : 'Pen up'}, cursor at ${Math.round((cursor[0] / W) * 100)}% across, ${Math.round((cursor[1] / W) * 100)}% down` : ''}
          </span>
        </div>
        <figure className="picked">
          <canvas ref={preview} width={64} height={64} className="thumb" role="img" aria-label="what the model will be given (64x64)" data-testid="canvas-preview" />
          <figcaption>model input{mode === 'sketch' ? ' (before the edge map)' : ''}</figcaption>
        </figure>
      </div>
      <div className="row">
        <button type="button" data-testid="canvas-generate" onClick={go}>
          {running ? 'Restart' : MODES.find((m) => m.id === mode)!.label}
        </button>
        <button type="button" data-testid="canvas-cancel" disabled={!running} onClick={() => actions.cancel()}>
          Cancel
        </button>
      </div>
      {storage && <p className="muted" data-testid="canvas-storage">{storage}</p>}
      <section className="results" id={resultsId('canvas')} tabIndex={-1} aria-label="Canvas results">
        <Message text={run.message} testid="canvas-message" onClose={() => actions.setMessage('canvas', null)} />
        <TaskGrid run={run} tab="canvas" />
      </section>
    </section>
  );
}
