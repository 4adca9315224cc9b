// Canvas: one drawing component, three modes, each giving the five-scale grid.
//   colorize: load or draw an image; the model gets it in grayscale and writes colour back;
//   inpaint:  paint a mask over a loaded image; the model fills the masked part;
//   sketch:   draw strokes (or load a line drawing, or a colour image: redrawn along its edges by the sketch
//             editor where the model ships one); the model gets its edge map.
// Tools: brush, eraser, colour, size, undo/redo, clear (images come in through the one picker
// above the canvas, a drop or a result sent here); keys B/E, [ ], Ctrl+Z,
// Ctrl+Shift+Z / Ctrl+Y; pointer events (mouse, touch, pen); and drawing by keyboard on the
// focused canvas (arrows move a cursor, Space starts and ends a stroke). The drawing itself is
// canvas/: history.ts (ops, undo/redo, as data), useDrawing.ts (one mode's drawing, kept in
// IndexedDB), raster.ts (the pixels).
import { useEffect, useRef, useState } from 'react';
import { runGoing, useApp, useRun } from '../store';
import { ImageSource } from '../components/ImageSource';
import { TaskGrid } from './TaskGrid';
import { Message } from './Message';
import { resultsId } from '../newcomer/SkipToResults';
import { hasLayerOps, hasPaint, type CanvasMode, type Stroke } from './canvas/history';
import { maskImage } from '../../workers/lib/mask';
import { composite, drawStroke, layerImage, newLayer, paintView, replay, toWorking, W } from './canvas/raster';
import { useDrawing } from './canvas/useDrawing';

const MODES: { id: CanvasMode; label: string; help: string }[] = [
  { id: 'colorize', label: 'Colorize', help: 'Load or draw an image: the model sees it in grayscale (right) and paints colour back.' },
  { id: 'inpaint', label: 'Inpaint', help: 'Load an image, then paint over the part to fill in (red): the model sees it white and fills it.' },
  { id: 'sketch', label: 'Sketch', help: 'Draw dark lines on white (or load a line drawing): the model sees its edge map and draws an emoji. A colour image keeps its design: the sketch editor redraws the model\'s emoji along its edges.' },
];

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
  const { drawing, loaded, storage, push, undo, redo, clear } = useDrawing(mode);
  const view = useRef<HTMLCanvasElement>(null);
  const preview = useRef<HTMLCanvasElement>(null);
  const layerRef = useRef<CanvasRenderingContext2D | null>(null);
  const baseRef = useRef<Uint8ClampedArray | null>(null);
  const current = useRef<Stroke | null>(null);
  const lastPicked = useRef<number>(0);
  // the tab's run the engine has, shown or not (a run put back from the history over it shows 'done')
  const running = useApp((s) => runGoing(s, 'canvas'));

  const layer = () => (layerRef.current ??= newLayer());
  const paint = () => view.current && paintView(view.current, preview.current, baseRef.current, layer(), mode);

  // the loaded drawing on the canvas (until this mode's is loaded, the previous one stays shown)
  useEffect(() => {
    if (!loaded) return;
    baseRef.current = replay(drawing.ops, layer(), mode);
    paint();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [drawing, loaded, mode]);

  const setBase = (img: Parameters<typeof toWorking>[0]) => push({ kind: 'base', data: toWorking(img) });

  // an image picked in the source row or sent from another panel becomes the base
  // (a run put back from the history first shows its mode, then becomes that mode's base once its drawing has loaded)
  useEffect(() => {
    if (!picked || picked.seq === lastPicked.current) return;
    const restored = picked.restored && MODES.some((m) => m.id === picked.restored!.task) ? (picked.restored.task as CanvasMode) : null;
    if (restored && restored !== mode) return setMode(restored);
    if (!loaded) return;
    lastPicked.current = picked.seq;
    if (picked.restored?.keepUnmasked != null) setKeepUnmasked(picked.restored.keepUnmasked);
    setBase(picked.image);
    // an inpaint put back: its hole painted again, each model pixel a whole block of the canvas, so the
    // engine reads the same hole from it (workers/lib/mask.ts) and the run is given as it was
    const hole = restored === 'inpaint' ? picked.restored?.mask : undefined;
    if (hole) push({ kind: 'mask', data: maskImage(hole, picked.image.width, W).data });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [picked, loaded, mode]);
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

  const go = () => {
    const hasStrokes = drawing.ops.some((o) => o.kind === 'stroke');
    const image = () => composite(baseRef.current, layer(), mode);
    if (mode === 'inpaint') {
      const mask = layerImage(layer());
      if (!baseRef.current) return actions.setMessage('canvas', 'Load an image first (a sample, a file, or a result sent here), then paint the part to fill in.');
      if (!hasLayerOps(drawing.ops) || !hasPaint(mask.data)) return actions.setMessage('canvas', 'Paint over the part to fill in first (the mask is empty).');
      return void actions.run('canvas', 'inpaint', { image: image(), mask, keepUnmasked });
    }
    if (!baseRef.current && !hasStrokes) return actions.setMessage('canvas', mode === 'sketch' ? 'Draw something first (or load a line drawing).' : 'Load or draw an image first.');
    void actions.run('canvas', mode, { image: image() });
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
        <button type="button" data-testid="canvas-cancel" disabled={!running && run.status !== 'queued'} onClick={() => actions.cancel('canvas')}>
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
