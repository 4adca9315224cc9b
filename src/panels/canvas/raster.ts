// The canvas's pixels: strokes drawn on a W x W layer, the layer over the base image for the
// view and for the model, the model's-eye preview. Canvas 2D work only, no state: what to draw
// comes from history.ts.
import type { RGBAImage } from '../../../workers/lib/image';
import { layers, type CanvasMode, type Op, type Stroke } from './history';

export const W = 256; // working resolution; the engine area-averages it to the model's 64x64
const MASK_COLOR = 'rgba(255,0,0,1)';

function canvas(side = W): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = side;
  c.height = side;
  return c;
}

/** A W x W canvas painted white: every image the canvas hands the model is composited on white. */
function whiteCanvas(): CanvasRenderingContext2D {
  const ctx = canvas().getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, W);
  return ctx;
}

const imageData = (base: Uint8ClampedArray) => new ImageData(new Uint8ClampedArray(base), W, W);

/** A sample/result image (any size) -> W x W RGBA on white, aspect kept. */
export function toWorking(img: RGBAImage): Uint8ClampedArray {
  const src = canvas(0);
  src.width = img.width;
  src.height = img.height;
  src.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
  const ctx = whiteCanvas();
  const s = Math.min(W / img.width, W / img.height);
  const w = img.width * s;
  const h = img.height * s;
  // 64 -> 256 upscales crisp (nearest), so the engine's area-average gives the 64x64 back exactly
  ctx.imageSmoothingEnabled = img.width > W || img.height > W;
  ctx.drawImage(src, (W - w) / 2, (W - h) / 2, w, h);
  return ctx.getImageData(0, 0, W, W).data;
}

/** A new W x W stroke layer. */
export function newLayer(): CanvasRenderingContext2D {
  return canvas().getContext('2d', { willReadFrequently: true })!;
}

export function drawStroke(ctx: CanvasRenderingContext2D, s: Stroke, mode: CanvasMode) {
  ctx.save();
  ctx.globalCompositeOperation = s.tool === 'eraser' ? 'destination-out' : 'source-over';
  ctx.strokeStyle = mode === 'inpaint' ? MASK_COLOR : s.color;
  ctx.fillStyle = ctx.strokeStyle;
  ctx.lineWidth = s.size;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const p = s.points;
  ctx.beginPath();
  if (p.length === 2) {
    ctx.arc(p[0], p[1], s.size / 2, 0, Math.PI * 2);
    ctx.fill();
  } else {
    ctx.moveTo(p[0], p[1]);
    for (let i = 2; i < p.length; i += 2) ctx.lineTo(p[i], p[i + 1]);
    ctx.stroke();
  }
  ctx.restore();
}

/** Redraws the layer from the ops; the base image they leave (null: white). */
export function replay(ops: readonly Op[], layer: CanvasRenderingContext2D, mode: CanvasMode): Uint8ClampedArray | null {
  const { base, mask, strokes } = layers(ops);
  layer.clearRect(0, 0, W, W);
  // put back as they were (opaque or clear pixels survive the canvas's premultiplied alpha exactly)
  if (mask) layer.putImageData(imageData(mask), 0, 0);
  for (const s of strokes) drawStroke(layer, s, mode);
  return base;
}

/** Base and layer onto the visible canvas (a mask half-transparent), and the model's-eye preview. */
export function paintView(view: HTMLCanvasElement, preview: HTMLCanvasElement | null, base: Uint8ClampedArray | null, layer: CanvasRenderingContext2D, mode: CanvasMode) {
  const ctx = view.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, W);
  if (base) ctx.putImageData(imageData(base), 0, 0);
  ctx.save();
  if (mode === 'inpaint') ctx.globalAlpha = 0.55;
  ctx.drawImage(layer.canvas, 0, 0);
  ctx.restore();
  if (!preview) return;
  const pc = preview.getContext('2d')!;
  pc.fillStyle = '#fff';
  pc.fillRect(0, 0, 64, 64);
  pc.filter = mode === 'colorize' ? 'grayscale(1)' : 'none';
  if (mode !== 'inpaint') pc.drawImage(view, 0, 0, 64, 64);
  else if (base) {
    // the model's input: masked pixels white
    const t = canvas();
    const tc = t.getContext('2d')!;
    tc.putImageData(imageData(base), 0, 0);
    const m = canvas();
    const mc = m.getContext('2d')!;
    mc.drawImage(layer.canvas, 0, 0);
    mc.globalCompositeOperation = 'source-in';
    mc.fillStyle = '#fff';
    mc.fillRect(0, 0, W, W);
    tc.drawImage(m, 0, 0);
    pc.drawImage(t, 0, 0, 64, 64);
  }
  pc.filter = 'none';
}

/** The image the model is given: the base on white, the strokes over it (not a mask's). */
export function composite(base: Uint8ClampedArray | null, layer: CanvasRenderingContext2D, mode: CanvasMode): RGBAImage {
  const ctx = whiteCanvas();
  if (base) ctx.putImageData(imageData(base), 0, 0);
  if (mode !== 'inpaint') ctx.drawImage(layer.canvas, 0, 0);
  return { width: W, height: W, data: ctx.getImageData(0, 0, W, W).data };
}

/** The stroke layer as an image (inpaint's mask). */
export function layerImage(layer: CanvasRenderingContext2D): RGBAImage {
  return { width: W, height: W, data: layer.getImageData(0, 0, W, W).data };
}
