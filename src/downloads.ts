// Names and pixels for downloads: a file named after what made it (task, prompt or input
// name, scale) instead of one name for everything, and "download all" as one labelled strip
// of the five scales. The naming and the pixel layout are pure; stripPngBlob/downloadBlob are
// the thin DOM part (canvas text for the labels, an <a download> click).
import { pixelOnWhite, type RGBAImage } from '../workers/lib/image';

/** Text -> a safe file-name piece: ASCII letters, digits and single dashes, at most maxLen. */
export function slugify(text: string, maxLen = 40): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents off their letters
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s.length <= maxLen) return s;
  const cut = s.slice(0, maxLen);
  const atWord = cut.lastIndexOf('-');
  return (atWord > maxLen / 2 ? cut.slice(0, atWord) : cut).replace(/-+$/, '');
}

export interface ResultNameParts {
  /** 'reconstruct', 't2i', 'edit', 'colorize', ... */
  task: string;
  /** the prompt or instruction, if the task had one */
  prompt?: string | null;
  /** the input image's name, if the task had one */
  inputName?: string | null;
  /** a scale such as 'f2'; absent for the strip of all scales */
  scale?: string | null;
  seed?: number | null;
}

/** e.g. "puma-t2i-a-red-apple-f2-seed1234.png", "puma-reconstruct-google-1f319-all-scales.png". */
export function resultFileName(p: ResultNameParts): string {
  const parts = ['puma', slugify(p.task, 16) || 'result'];
  const what = slugify(p.prompt ?? '') || slugify((p.inputName ?? '').replace(/\.[a-z0-9]{2,5}$/i, ''));
  if (what) parts.push(what);
  parts.push(p.scale ? slugify(p.scale, 8) || 'scale' : 'all-scales');
  if (p.seed != null && Number.isInteger(p.seed)) parts.push(`seed${p.seed}`);
  return parts.join('-') + '.png';
}

export interface StripItem {
  label: string;
  image: RGBAImage;
}

export interface StripLayout {
  width: number;
  height: number;
  /** integer upscale of each image (pixel art stays crisp) */
  zoom: number;
  cells: { x: number; y: number; w: number; h: number; labelX: number; labelY: number }[];
}

/** One row: each image zoomed to `cell` px, `gap` px apart, a label band of labelH px under it. */
export function stripLayout(items: StripItem[], cell = 128, gap = 8, labelH = 20): StripLayout {
  if (!items.length) throw new Error('nothing to put in the strip');
  const side = Math.max(...items.map((i) => Math.max(i.image.width, i.image.height)));
  const zoom = Math.max(1, Math.floor(cell / side));
  const size = side * zoom;
  const cells = items.map((_, i) => {
    const x = gap + i * (size + gap);
    return { x, y: gap, w: size, h: size, labelX: x + size / 2, labelY: gap + size + labelH / 2 + 2 };
  });
  return { width: gap + items.length * (size + gap), height: gap + size + labelH + gap, zoom, cells };
}

/** The strip's pixels without the labels: white, each image zoomed (nearest) into its cell. */
export function composeStrip(items: StripItem[], layout: StripLayout = stripLayout(items)): RGBAImage {
  const { width: W, height: H, zoom } = layout;
  const out = new Uint8ClampedArray(W * H * 4).fill(255);
  items.forEach(({ image }, i) => {
    const c = layout.cells[i];
    for (let y = 0; y < image.height * zoom; y++) {
      const sy = Math.floor(y / zoom);
      for (let x = 0; x < image.width * zoom; x++) {
        const s = (sy * image.width + Math.floor(x / zoom)) * 4;
        const o = ((c.y + y) * W + c.x + x) * 4;
        pixelOnWhite(image.data, s, out, o); // as the page shows it
      }
    }
  });
  return { width: W, height: H, data: out };
}

/** DOM: the strip as a PNG blob, each cell labelled underneath. */
export async function stripPngBlob(items: StripItem[]): Promise<Blob> {
  const layout = stripLayout(items);
  const px = composeStrip(items, layout);
  const c = document.createElement('canvas');
  c.width = px.width;
  c.height = px.height;
  const ctx = c.getContext('2d');
  if (!ctx) throw new Error('Canvas is unavailable in this browser.');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(px.data), px.width, px.height), 0, 0);
  ctx.fillStyle = '#1b1b1f';
  ctx.font = '13px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  layout.cells.forEach((cell, i) => ctx.fillText(items[i].label, cell.labelX, cell.labelY, cell.w));
  return new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

/** DOM: saves a blob under a name (an <a download> click). */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
