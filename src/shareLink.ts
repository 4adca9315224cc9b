// A result's settings in the page address (#...), so a link reproduces it: the task, the
// prompt, seed, steps, guidance and which scales. Only text settings travel: images never
// leave the browser, so a link to an image task carries the settings and the image is picked
// again. Reading is defensive: whatever arrives in a hash (hand-edited, cut, hostile) gives
// either a clean partial state or nothing, never an exception. Pure (no DOM): pass
// location.hash in and assign the result to location.hash.

export interface ShareState {
  task?: string;
  prompt?: string;
  seed?: number;
  steps?: number;
  guidance?: number;
  scales?: string[];
  /** the plan the model drew (a model with a plan): " concept | style | tone" */
  plan?: string;
}

/** Longest hash written or read; a prompt longer than fits is left out rather than cut. */
export const MAX_HASH_LENGTH = 2000;
const MAX_PROMPT_CHARS = 1000;
const NAME = /^[a-z0-9_-]{1,32}$/i; // task and scale names

const MAX_PLAN_CHARS = 200;
const KEYS = ['task', 'prompt', 'seed', 'steps', 'guidance', 'scales', 'plan'] as const;

/** Settings -> "#task=t2i&prompt=a%20red%20apple&seed=1&..." (empty string for no settings). */
export function encodeShareHash(s: ShareState): string {
  const p = new URLSearchParams();
  if (s.task && NAME.test(s.task)) p.set('task', s.task);
  if (s.seed != null && Number.isInteger(s.seed) && s.seed >= 0) p.set('seed', String(s.seed));
  if (s.steps != null && Number.isInteger(s.steps) && s.steps > 0) p.set('steps', String(s.steps));
  if (s.guidance != null && Number.isFinite(s.guidance)) p.set('guidance', String(s.guidance));
  const scales = (s.scales ?? []).filter((x) => NAME.test(x));
  if (scales.length) p.set('scales', scales.join(','));
  const base = p.toString();
  if (s.prompt && s.prompt.length <= MAX_PROMPT_CHARS) {
    const withPrompt = new URLSearchParams(p);
    withPrompt.set('prompt', s.prompt);
    // a plan belongs to its prompt: it travels only with it
    if (s.plan && s.plan.length <= MAX_PLAN_CHARS) withPrompt.set('plan', s.plan);
    const full = withPrompt.toString();
    if (full.length + 1 <= MAX_HASH_LENGTH) return '#' + full;
  }
  return base ? '#' + base : '';
}

/** What reading a link's hash found: 'none' (no settings in it), 'read' (some kept; `dropped`
 * names the keys whose values were left out), 'unreadable' (a hash that is not an in-page
 * anchor, with no usable setting: cut, oversize, hand-edited). */
export interface ShareRead {
  status: 'none' | 'read' | 'unreadable';
  settings: ShareState;
  dropped: string[];
}

/**
 * "#..." -> settings and what became of them. Unknown keys, malformed values and oversize input
 * are dropped; the caller still checks values against the manifest (allowed steps, known
 * scales and tasks) with the same checks as typed input (inputValidation.ts).
 */
export function readShareHash(hash: string): ShareRead {
  const raw = typeof hash === 'string' ? hash.replace(/^#/, '') : '';
  // an in-page anchor (the skip link's #results-main) is no settings
  if (!raw || /^[\w-]+$/.test(raw)) return { status: 'none', settings: {}, dropped: [] };
  const unreadable: ShareRead = { status: 'unreadable', settings: {}, dropped: [] };
  if (hash.length > MAX_HASH_LENGTH) return unreadable;
  let p: URLSearchParams;
  try {
    p = new URLSearchParams(raw);
  } catch {
    return unreadable;
  }
  const out: ShareState = {};
  const get = (k: (typeof KEYS)[number]) => {
    const v = p.get(k);
    return v == null ? null : v;
  };
  const task = get('task');
  if (task && NAME.test(task)) out.task = task;
  const prompt = get('prompt');
  if (prompt && prompt.length <= MAX_PROMPT_CHARS && !/[\u0000-\u001f\u007f]/.test(prompt)) out.prompt = prompt;
  const plan = get('plan');
  if (out.prompt && plan && plan.trim() && plan.length <= MAX_PLAN_CHARS && !/[\u0000-\u001f\u007f]/.test(plan)) out.plan = plan;
  const int = (v: string | null) => (v != null && /^\d{1,10}$/.test(v) ? Number(v) : null);
  const seed = int(get('seed'));
  if (seed != null && seed <= 0xffffffff) out.seed = seed;
  const steps = int(get('steps'));
  if (steps != null && steps > 0 && steps <= 1000) out.steps = steps;
  const g = get('guidance');
  if (g != null && /^-?\d{1,7}(\.\d{1,6})?$/.test(g)) out.guidance = Number(g);
  const scales = get('scales');
  if (scales) {
    const list = [...new Set(scales.split(','))].filter((x) => NAME.test(x)).slice(0, 16);
    if (list.length) out.scales = list;
  }
  const dropped = KEYS.filter((k) => p.has(k) && !(k in out));
  return Object.keys(out).length ? { status: 'read', settings: out, dropped } : unreadable;
}

/** "#..." -> the settings it holds that could be read (readShareHash without the status). */
export function decodeShareHash(hash: string): ShareState {
  return readShareHash(hash).settings;
}

/** The page's address with the settings as its hash (for the Copy link button). */
export function shareUrl(pageHref: string, s: ShareState): string {
  return pageHref.replace(/#.*$/, '') + encodeShareHash(s);
}
