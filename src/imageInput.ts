// Turning whatever the user gives (file, drop, paste, sample URL) into RGBA pixels, with a
// clear message for what cannot be used. The pixels never leave the browser.
import type { RGBAImage } from '../workers/lib/image';
import { checkImageBytes } from '../workers/lib/imageBytes';

export class InputError extends Error {}

const MIN_SIDE = 8; // below this there is nothing left to reconstruct
const MAX_PIXELS = 100_000_000; // refuse before the browser tries to allocate gigabytes
const WORK_SIDE = 256; // decode big images straight to a small bitmap

function loadImageElement(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new InputError('This file could not be decoded as an image (broken or unsupported format).'));
    img.src = url;
  });
}

/** Decodes a blob to a square RGBA image: aspect kept, transparent padding (white after compositing). */
export async function blobToRGBA(blob: Blob, name = 'file'): Promise<RGBAImage> {
  if (blob.size === 0) throw new InputError(`${name} is empty.`);
  if (blob.type && !blob.type.startsWith('image/')) throw new InputError(`${name} is not an image (${blob.type}). Use a PNG, JPEG, GIF or WebP picture.`);
  // browsers decode a cut-off file as its top part plus blank: refuse it before decoding
  const { problem } = checkImageBytes(new Uint8Array(await blob.arrayBuffer()));
  if (problem) throw new InputError(`${name} ${problem}`);
  const url = URL.createObjectURL(blob);
  try {
    const img = await loadImageElement(url);
    const w = img.naturalWidth;
    const h = img.naturalHeight;
    if (!w || !h) throw new InputError(`${name} has no pixel size (a vector image without dimensions?).`);
    if (w < MIN_SIDE || h < MIN_SIDE) throw new InputError(`${name} is ${w}x${h} pixels; it needs to be at least ${MIN_SIDE}x${MIN_SIDE}.`);
    if (w * h > MAX_PIXELS) throw new InputError(`${name} is ${w}x${h} pixels, too large to decode here; please use a smaller image.`);
    const scale = Math.min(1, WORK_SIDE / Math.max(w, h));
    const dw = Math.max(1, Math.round(w * scale));
    const dh = Math.max(1, Math.round(h * scale));
    const side = Math.max(dw, dh);
    const canvas = document.createElement('canvas');
    canvas.width = side;
    canvas.height = side;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new InputError('Canvas is unavailable in this browser.');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(img, Math.floor((side - dw) / 2), Math.floor((side - dh) / 2), dw, dh);
    const data = ctx.getImageData(0, 0, side, side).data;
    return { width: side, height: side, data };
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function urlToRGBA(url: string): Promise<RGBAImage> {
  const res = await fetch(url);
  if (!res.ok) throw new InputError(`could not load ${url}: HTTP ${res.status}`);
  return blobToRGBA(await res.blob(), url.split('/').pop());
}

/** RGBA -> PNG blob, for downloads. */
export function rgbaToPngBlob(img: RGBAImage): Promise<Blob> {
  const c = document.createElement('canvas');
  c.width = img.width;
  c.height = img.height;
  c.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
  return new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}
