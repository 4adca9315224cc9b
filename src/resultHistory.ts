// The last few results, kept in localStorage so they survive a reload: the settings that made
// each (the same fields as a share link) and a small thumbnail per scale. Thumbnails are 32x32
// RGB, area-downscaled from the 64x64 results and stored base64: about 4 KB each, so a dozen
// five-scale entries stay well under a megabyte. Storage failures (quota, private mode, a
// corrupt value from another version) never throw: add() reports them and list() reads what
// is valid. Pure apart from the Storage passed in (tests pass an in-memory one).
import { resizeArea, type RGBAImage } from '../workers/lib/image';
import { bytesFromBase64 } from '../workers/lib/base64';
import type { ShareState } from './shareLink';

export interface HistoryEntry extends ShareState {
  id: string;
  /** ms since the epoch */
  at: number;
  task: string;
  inputName?: string;
  /** coarse to fine, as shown */
  thumbs: { scale: string; image: RGBAImage }[];
}

export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface HistoryOptions {
  key?: string;
  maxEntries?: number;
  /** cap on the stored JSON, in UTF-16 code units (what localStorage counts) */
  maxChars?: number;
  thumbSide?: number;
}

export interface AddResult {
  ok: boolean;
  /** how many old entries were dropped to make room */
  dropped: number;
  message: string | null;
}

interface Stored {
  v: 1;
  entries: (Omit<HistoryEntry, 'thumbs'> & { thumbs: { scale: string; side: number; rgb: string }[] })[];
}

function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Any RGBA result -> an opaque side x side RGBA thumbnail (what is stored, what comes back). */
export function makeThumb(img: RGBAImage, side: number): RGBAImage {
  const t = resizeArea(img.width === img.height ? img : cropSquare(img), side);
  for (let i = 3; i < t.data.length; i += 4) t.data[i] = 255;
  return t;
}

function cropSquare(img: RGBAImage): RGBAImage {
  const s = Math.min(img.width, img.height);
  const data = new Uint8ClampedArray(s * s * 4);
  for (let y = 0; y < s; y++) data.set(img.data.subarray((y * img.width) * 4, (y * img.width + s) * 4), y * s * 4);
  return { width: s, height: s, data };
}

function packRGB(img: RGBAImage): string {
  const n = img.width * img.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = img.data[i * 4];
    rgb[i * 3 + 1] = img.data[i * 4 + 1];
    rgb[i * 3 + 2] = img.data[i * 4 + 2];
  }
  return toBase64(rgb);
}

function unpackRGB(rgbB64: string, side: number): RGBAImage | null {
  let rgb: Uint8Array;
  try {
    rgb = bytesFromBase64(rgbB64);
  } catch {
    return null;
  }
  if (!Number.isInteger(side) || side < 1 || side > 256 || rgb.length !== side * side * 3) return null;
  const data = new Uint8ClampedArray(side * side * 4);
  for (let i = 0; i < side * side; i++) {
    data[i * 4] = rgb[i * 3];
    data[i * 4 + 1] = rgb[i * 3 + 1];
    data[i * 4 + 2] = rgb[i * 3 + 2];
    data[i * 4 + 3] = 255;
  }
  return { width: side, height: side, data };
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const optStr = (x: unknown) => x === undefined || isStr(x);
const optNum = (x: unknown) => x === undefined || (typeof x === 'number' && Number.isFinite(x));

export class ResultHistory {
  readonly key: string;
  readonly maxEntries: number;
  readonly maxChars: number;
  readonly thumbSide: number;

  constructor(
    private readonly storage: StorageLike | null,
    o: HistoryOptions = {},
  ) {
    this.key = o.key ?? 'puma-web:history';
    this.maxEntries = o.maxEntries ?? 12;
    this.maxChars = o.maxChars ?? 600_000;
    this.thumbSide = o.thumbSide ?? 32;
  }

  private read(): Stored['entries'] {
    let raw: string | null = null;
    try {
      raw = this.storage?.getItem(this.key) ?? null;
    } catch {
      return [];
    }
    if (!raw) return [];
    try {
      const s = JSON.parse(raw) as Stored;
      if (s?.v !== 1 || !Array.isArray(s.entries)) return [];
      return s.entries.filter(
        (e) =>
          e && isStr(e.id) && isStr(e.task) && typeof e.at === 'number' && optStr(e.prompt) && optStr(e.inputName) && optNum(e.seed) && optNum(e.steps) && optNum(e.guidance) && optStr(e.plan) &&
          Array.isArray(e.thumbs) && e.thumbs.every((t) => t && isStr(t.scale) && isStr(t.rgb) && typeof t.side === 'number'),
      );
    } catch {
      return [];
    }
  }

  /** Newest first. */
  list(): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    for (const e of this.read()) {
      const thumbs = e.thumbs.map((t) => ({ scale: t.scale, image: unpackRGB(t.rgb, t.side) }));
      if (thumbs.some((t) => !t.image)) continue;
      out.push({ ...e, scales: e.scales && Array.isArray(e.scales) ? e.scales.filter(isStr) : undefined, thumbs: thumbs as HistoryEntry['thumbs'] });
    }
    return out;
  }

  /**
   * Stores a result (full-size images are thumbnailed here). Oldest entries make room when
   * the entry count, the size cap or the browser's quota says so; never throws.
   */
  add(e: Omit<HistoryEntry, 'id' | 'at' | 'thumbs'> & { at?: number; id?: string; images: { scale: string; image: RGBAImage }[] }): AddResult {
    if (!this.storage) return { ok: false, dropped: 0, message: 'History is off: this browser gives the page no storage.' };
    const at = e.at ?? Date.now();
    const { images, ...settings } = e;
    const entry: Stored['entries'][number] = {
      ...settings,
      id: e.id ?? `${at.toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`,
      at,
      thumbs: images.map(({ scale, image }) => ({ scale, side: this.thumbSide, rgb: packRGB(makeThumb(image, this.thumbSide)) })),
    };
    const old = this.read();
    let keep = [entry, ...old.filter((o) => o.id !== entry.id)].slice(0, this.maxEntries);
    let dropped = old.length + 1 - keep.length;
    while (keep.length > 0) {
      const json = JSON.stringify({ v: 1, entries: keep } satisfies Stored);
      if (json.length <= this.maxChars) {
        try {
          this.storage.setItem(this.key, json);
          return { ok: true, dropped: Math.max(0, dropped), message: null };
        } catch {
          // quota (QuotaExceededError or a browser's own name for it): drop the oldest, retry
        }
      }
      if (keep.length === 1) break;
      keep = keep.slice(0, -1);
      dropped++;
    }
    return { ok: false, dropped: 0, message: 'This result was not added to the history: the browser has no room left for it. Clear the history to make room.' };
  }

  clear(): void {
    try {
      this.storage?.removeItem(this.key);
    } catch {
      // nothing stored, nothing to clear
    }
  }
}

/** The page's history, on localStorage where the browser allows it. */
export function pageHistory(): ResultHistory {
  let storage: StorageLike | null = null;
  try {
    storage = globalThis.localStorage ?? null;
  } catch {
    storage = null; // some privacy modes throw on access
  }
  return new ResultHistory(storage);
}
