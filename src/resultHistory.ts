// The last few results, kept in localStorage so they survive a reload: the settings that made
// each (the same fields as a share link) and a small thumbnail per scale. Thumbnails are 32x32
// RGB, area-downscaled from the 64x64 results and stored base64: about 4 KB each, so a dozen
// five-scale entries stay well under a megabyte. A run of a tab that takes an image (Edit,
// Canvas, Understand) also keeps the RGB image the engine was given, at the model's input size
// (what the model read; about 16 KB base64 at 64x64) and its request's own fields (instruction, restyle, keepUnmasked), so
// picking it puts the run back to be run again; a caption keeps its answer instead of thumbnails.
// An inpaint run also keeps its painted mask as the engine read it (workers/lib/mask.ts: one bit a
// model pixel, 512 bytes for 64x64, base64), so picking it puts the same hole back on the canvas.
// A run whose model wrote a plan keeps it as the plan bar shows it (workers/mllm/plan.ts PlanInfo:
// the plan, its fields, the concepts considered, a style edit's restyle), so a run put back shows
// its plan bar with the same choices. The stored format is v3; v1 (text and reconstruction entries
// only) and v2 (image entries without a mask or plan) are still read. A later format (a newer page's, in
// another tab or cached) is neither read nor overwritten: add() refuses with a message rather than losing that
// history; another page's entries of this format (a task this page does not know) are kept when it writes.
// Storage failures (quota, private mode, a
// corrupt value from another version) never throw: add() reports them and list() reads what
// is valid. Pure apart from the Storage passed in (tests pass an in-memory one).
// The model's input size (manifest image.size) is the caller's to give, to list() and add(): this
// module does not read the manifest, so a model of another size skips the images stored for the
// old one instead of handing them to it.
import { resizeArea, type RGBAImage } from '../workers/lib/image';
import { bytesFromBase64 } from '../workers/lib/base64';
import { packHole, unpackHole } from '../workers/lib/mask';
import type { ShareState } from './shareLink';
import type { PlanInfo } from '../workers/mllm/plan';
import { TASK_NEEDS } from '../workers/engine/tasks/needs';

export interface HistoryEntry extends ShareState {
  id: string;
  /** ms since the epoch */
  at: number;
  task: string;
  inputName?: string;
  /** an image-taking task (not reconstruct): the opaque image the engine was given, as it read it (the model's size) */
  input?: RGBAImage;
  /** edit: the instruction; understand: the question ('' for a caption) */
  instruction?: string;
  /** edit: the request's restyle flag (false: the user's design kept) */
  restyle?: boolean;
  /** inpaint: the request's keepUnmasked flag */
  keepUnmasked?: boolean;
  /** inpaint: the hole as the engine read it, one value per input pixel (1 = hole), row by row */
  mask?: Uint8Array;
  /** understand: the answer written */
  answer?: string;
  /** the plan the model wrote for the run, as the plan bar shows it (a model with a plan) */
  planInfo?: PlanInfo;
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
  /** the tasks this page knows: an entry of another (a newer or older page's) is skipped */
  tasks?: readonly string[];
}

export interface AddResult {
  ok: boolean;
  /** how many old entries were dropped to make room */
  dropped: number;
  message: string | null;
  /** clearing the history is what would let the next result be kept (the quota, a newer page's format) */
  clearable?: true;
}

/** What the page shows of an add's result: its message, and whether clearing the history answers it. */
export interface HistoryNotice {
  text: string;
  clearable: boolean;
}

export function noticeOf(r: AddResult): HistoryNotice | null {
  return r.message ? { text: r.message, clearable: !!r.clearable } : null;
}

interface PackedImage {
  side: number;
  rgb: string;
}

interface PackedMask {
  side: number;
  /** packHole's bits */
  bits: string;
}

/** the format this page writes (Stored.v) */
const STORED_V = 3;

interface Stored {
  /** 1: entries without input, instruction, restyle, keepUnmasked, answer (still read); 2: with them (still read); 3: an inpaint's mask too */
  v: 1 | 2 | 3;
  entries: (Omit<HistoryEntry, 'thumbs' | 'input' | 'mask'> & { input?: PackedImage; mask?: PackedMask; thumbs: (PackedImage & { scale: string })[] })[];
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
const optBool = (x: unknown) => x === undefined || typeof x === 'boolean';
const isPacked = (x: unknown): x is PackedImage => !!x && typeof x === 'object' && isStr((x as PackedImage).rgb) && typeof (x as PackedImage).side === 'number';
const PLAN_SOURCES: readonly string[] = ['greedy', 'sampled', 'given', 'picked'] satisfies PlanInfo['source'][];

/** A stored plan, rebuilt with only the fields the plan bar reads; null when it is not one (cut, foreign, another version's). */
function readPlan(x: unknown): PlanInfo | null {
  if (!x || typeof x !== 'object') return null;
  const p = x as Partial<PlanInfo>;
  const fields = p.fields;
  if (!isStr(p.text) || !isStr(p.source) || !PLAN_SOURCES.includes(p.source) || !fields || typeof fields !== 'object' || Array.isArray(fields) || !Object.values(fields).every(isStr)) return null;
  if (!Array.isArray(p.candidates) || !p.candidates.every((c) => c && isStr(c.concept) && isStr(c.text) && typeof c.p === 'number' && Number.isFinite(c.p))) return null;
  const r = p.restyled;
  if (r !== undefined && !(r && Array.isArray(r.fromPlan) && r.fromPlan.every(isStr) && (r.kept === undefined || r.kept === true))) return null;
  if (p.toneEdited !== undefined && p.toneEdited !== true) return null;
  if (p.sketchEdited !== undefined && p.sketchEdited !== true) return null;
  return {
    text: p.text,
    fields: { ...fields },
    source: p.source,
    candidates: p.candidates.map(({ concept, text, p }) => ({ concept, text, p })),
    ...(r ? { restyled: { fromPlan: [...r.fromPlan], ...(r.kept ? { kept: true as const } : {}) } } : {}),
    ...(p.toneEdited ? { toneEdited: true as const } : {}),
    ...(p.sketchEdited ? { sketchEdited: true as const } : {}),
  };
}

const isPackedMask = (x: unknown): x is PackedMask => !!x && typeof x === 'object' && isStr((x as PackedMask).bits) && typeof (x as PackedMask).side === 'number';

export class ResultHistory {
  readonly key: string;
  readonly maxEntries: number;
  readonly maxChars: number;
  readonly thumbSide: number;
  readonly tasks: readonly string[];

  constructor(
    private readonly storage: StorageLike | null,
    o: HistoryOptions = {},
  ) {
    this.key = o.key ?? 'puma-web:history';
    this.maxEntries = o.maxEntries ?? 12;
    this.maxChars = o.maxChars ?? 600_000;
    this.thumbSide = o.thumbSide ?? 32;
    this.tasks = o.tasks ?? Object.keys(TASK_NEEDS);
  }

  /**
   * What is stored, as parsed: `later` when it is a format this page does not know (a newer
   * page's: never read, never overwritten); `entries` are this page's readable ones; `kept` what
   * it writes back, in stored order: those and another page's entries of this format (a task
   * this page does not know), so that neither page loses the other's.
   */
  private stored(): { later: boolean; entries: Stored['entries']; kept: Stored['entries'] } {
    const none = { later: false, entries: [], kept: [] };
    let raw: string | null = null;
    try {
      raw = this.storage?.getItem(this.key) ?? null;
    } catch {
      return none;
    }
    if (!raw) return none;
    try {
      const s = JSON.parse(raw) as Stored;
      if (typeof s?.v === 'number' && Number.isInteger(s.v) && s.v > STORED_V && Array.isArray(s.entries)) return { ...none, later: true };
      if (![1, 2, 3].includes(s?.v) || !Array.isArray(s.entries)) return none;
      const known = (e: Stored['entries'][number]) => !!e && isStr(e.task) && this.tasks.includes(e.task);
      const readable = (e: Stored['entries'][number]) =>
        known(e) && isStr(e.id) && typeof e.at === 'number' && optStr(e.prompt) && optStr(e.inputName) && optNum(e.seed) && optNum(e.steps) && optNum(e.guidance) && optStr(e.plan) &&
        (e.input === undefined || isPacked(e.input)) && optStr(e.instruction) && optBool(e.restyle) && optBool(e.keepUnmasked) && optStr(e.answer) &&
        (e.mask === undefined || (isPackedMask(e.mask) && e.input !== undefined)) &&
        Array.isArray(e.thumbs) && e.thumbs.every((t) => t && isStr(t.scale) && isPacked(t));
      // another page's task: not this page's to judge, so kept as it is, in its place (it ages out like any entry)
      const foreign = (e: Stored['entries'][number]) => !!e && typeof e === 'object' && isStr(e.id) && isStr(e.task) && !known(e);
      return { later: false, entries: s.entries.filter(readable), kept: s.entries.filter((e) => readable(e) || foreign(e)) };
    } catch {
      return none;
    }
  }

  /**
   * Newest first. `inputSide`: the model's input size (manifest image.size); an entry whose stored
   * input is another size is left out (made for another model), and so is every entry with an
   * input while the size is not known yet (null: before the manifest is read).
   */
  list(inputSide: number | null): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    for (const e of this.stored().entries) {
      const thumbs = e.thumbs.map((t) => ({ scale: t.scale, image: unpackRGB(t.rgb, t.side) }));
      if (thumbs.some((t) => !t.image)) continue;
      // a stored input is the model's image or the entry is not read (cut, corrupt, another size)
      const input = e.input ? (e.input.side === inputSide ? unpackRGB(e.input.rgb, e.input.side) : null) : undefined;
      if (input === null) continue;
      // a mask is the input's hole or the entry is not read: a run put back with another hole would not be the run
      const mask = e.mask ? (e.mask.side === inputSide ? unpackHole(e.mask.bits, e.mask.side) : null) : undefined;
      if (mask === null) continue;
      const planInfo = e.planInfo === undefined ? undefined : readPlan(e.planInfo);
      if (planInfo === null) continue;
      out.push({ ...e, input, mask, planInfo, scales: e.scales && Array.isArray(e.scales) ? e.scales.filter(isStr) : undefined, thumbs: thumbs as HistoryEntry['thumbs'] });
    }
    return out;
  }

  /**
   * Stores a result (full-size images are thumbnailed here). Oldest entries make room when
   * the entry count, the size cap or the browser's quota says so; never throws. `inputSide`: the
   * model's input size (manifest image.size); an entry's input must be that square.
   */
  add(e: Omit<HistoryEntry, 'id' | 'at' | 'thumbs'> & { at?: number; id?: string; images: { scale: string; image: RGBAImage }[] }, inputSide: number | null): AddResult {
    if (!this.storage) return { ok: false, dropped: 0, message: 'History is off: this browser gives the page no storage.' };
    const at = e.at ?? Date.now();
    const { images, input, mask, ...settings } = e;
    if (input && inputSide == null) return { ok: false, dropped: 0, message: "This result was not added to the history: the model's image size is not known yet." };
    if (input && (input.width !== inputSide || input.height !== inputSide)) return { ok: false, dropped: 0, message: `This result was not added to the history: its input is not the model's ${inputSide}x${inputSide} image.` };
    if (mask && (!input || mask.length !== input.width * input.height)) return { ok: false, dropped: 0, message: `This result was not added to the history: its mask is not one of the model's ${inputSide}x${inputSide} input.` };
    const entry: Stored['entries'][number] = {
      ...settings,
      ...(input ? { input: { side: input.width, rgb: packRGB(input) } } : {}),
      ...(input && mask ? { mask: { side: input.width, bits: packHole(mask) } } : {}),
      id: e.id ?? `${at.toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`,
      at,
      thumbs: images.map(({ scale, image }) => ({ scale, side: this.thumbSide, rgb: packRGB(makeThumb(image, this.thumbSide)) })),
    };
    const { later, kept } = this.stored();
    // a newer page's history is not this page's to rewrite: writing it as v3 would lose it all
    if (later) return { ok: false, dropped: 0, message: 'This result was not added to the history: a newer version of this page keeps it. Reload the page to update it, or clear the history to keep results here.', clearable: true };
    const old = kept.filter((o) => o.id !== entry.id);
    let keep = [entry, ...old].slice(0, this.maxEntries);
    let dropped = old.length + 1 - keep.length;
    while (keep.length > 0) {
      const json = JSON.stringify({ v: STORED_V, entries: keep } satisfies Stored);
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
    return { ok: false, dropped: 0, message: 'This result was not added to the history: the browser has no room left for it. Clear the history to make room.', clearable: true };
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
