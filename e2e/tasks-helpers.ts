// Shared helpers of the specs: the built site and its manifest, opening the app, pixels of the
// grids, the Canvas panel, and running the page's and the panels' Generate.
import { expect, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { mllmGraphNames } from '../workers/lib/manifest';

/** the built site; PUMA_DIST lets a developer test a separate build while another run uses dist/ */
export const DIST = resolve(process.env.PUMA_DIST ?? resolve(import.meta.dirname, '../dist'));
const manifestPath = resolve(DIST, 'models/manifest.json');
export const builtManifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : null;
export const hasMllm = Boolean(builtManifest?.mllm && mllmGraphNames(builtManifest.mllm).every((n) => builtManifest.models[n]));
/** the built MLLM's graph file that writes the image tokens (the single graph, or the pair's step graph) */
export const mllmGraphFile: string | undefined = hasMllm ? builtManifest.models[mllmGraphNames(builtManifest.mllm).at(-1)!].variants[0].file : undefined;

export async function openApp(page: Page, url: string, provider: string) {
  await page.goto(`${url}?ep=${provider}`);
  await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
  // SwiftShader runs WebGPU on the CPU, ~20 s per decoder step: the fewest steps the manifest allows
  if (provider === 'webgpu') await pickFewestSteps(page);
}

/** The steps control set to the fewest steps offered: a box when the model offers several counts, the
 * one count shown (data-steps) when it offers one (step-distilled decoders). -> that count. */
export async function pickFewestSteps(page: Page): Promise<number> {
  const control = page.getByTestId('steps');
  const values = await control.evaluate((el) => (el instanceof HTMLSelectElement ? [...el.options].map((o) => Number(o.value)) : [Number((el as HTMLElement).dataset.steps)]));
  const fewest = Math.min(...values);
  expect(Number.isInteger(fewest) && fewest > 0, `steps offered: ${values}`).toBe(true);
  if (values.length > 1) await control.selectOption(String(fewest));
  return fewest;
}

export interface CellPixels {
  scale: string;
  w: number;
  h: number;
  data: number[];
}

/** the pixels of the result cells of a panel's grid, coarse to fine. Read through a copy made for
 * reading: repeated getImageData on the page's own canvases makes Chrome warn (willReadFrequently),
 * and the text-to-image spec fails on console warnings. */
export async function gridPixels(page: Page, key: 'main' | 'edit' | 'canvas'): Promise<CellPixels[]> {
  return page.locator(`[data-testid^=${key === 'main' ? '' : `${key}-`}result-f]`).evaluateAll((els) =>
    els.map((el) => {
      const c = el.querySelector('canvas') as HTMLCanvasElement;
      const copy = Object.assign(document.createElement('canvas'), { width: c.width, height: c.height }).getContext('2d', { willReadFrequently: true })!;
      copy.drawImage(c, 0, 0);
      return { scale: el.getAttribute('data-testid')!.split('-').pop()!, w: c.width, h: c.height, data: Array.from(copy.getImageData(0, 0, c.width, c.height).data) };
    }),
  );
}

/** a sample PNG as 64x64 RGBA, composited on white (what the worker's prepareImage gives for a 64x64 input) */
export async function samplePixels(page: Page, file: string): Promise<number[]> {
  return page.evaluate(async (f) => {
    const img = new Image();
    img.src = `samples/${f}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = 64;
    c.height = 64;
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 64, 64);
    ctx.drawImage(img, 0, 0, 64, 64);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data);
  }, file);
}

export function psnrOver(a: number[], b: number[], include: (pixel: number) => boolean): number {
  let se = 0;
  let n = 0;
  for (let p = 0; p < a.length / 4; p++) {
    if (!include(p)) continue;
    for (let c = 0; c < 3; c++) {
      const d = a[p * 4 + c] - b[p * 4 + c];
      se += d * d;
      n++;
    }
  }
  return 10 * Math.log10((255 * 255) / Math.max(se / Math.max(n, 1), 1e-10));
}

/** mean chroma (max - min channel) over pixels: 0 for a grayscale image */
export function meanChroma(a: number[]): number {
  let s = 0;
  for (let p = 0; p < a.length / 4; p++) s += Math.max(a[p * 4], a[p * 4 + 1], a[p * 4 + 2]) - Math.min(a[p * 4], a[p * 4 + 1], a[p * 4 + 2]);
  return s / (a.length / 4);
}

export function range(a: number[]): number {
  let min = 255;
  let max = 0;
  for (let p = 0; p < a.length / 4; p++) {
    const v = (a[p * 4] + a[p * 4 + 1] + a[p * 4 + 2]) / 3;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return max - min;
}

/** the Canvas panel in one mode, with that mode's stored drawing loaded and then cleared (each
 * mode keeps its drawing across runs and reloads; until it has loaded, Clear is disabled) */
export async function canvasMode(page: Page, mode: 'colorize' | 'inpaint' | 'sketch') {
  await page.getByTestId('tab-canvas').click();
  await page.getByTestId(`canvas-mode-${mode}`).check();
  const panel = page.getByTestId('panel-canvas');
  await expect(panel).toHaveAttribute('data-mode', mode);
  await expect(panel).toHaveAttribute('data-loaded', 'true');
  const clear = page.getByTestId('canvas-clear');
  if (await clear.isEnabled()) {
    // Clear is one more (undoable) operation
    const ops = Number(await panel.getAttribute('data-ops'));
    await clear.click();
    await expect(panel).toHaveAttribute('data-ops', String(ops + 1));
  }
}

/** click a Canvas sample and wait until it is on the canvas (its load is asynchronous: a Generate
 * pressed before it lands gets "Load or draw an image first" and no run) */
export async function loadCanvasSample(page: Page, file: string) {
  const panel = page.getByTestId('panel-canvas');
  const before = Number(await panel.getAttribute('data-ops'));
  await page.locator(`[data-testid=canvas-sample][data-file="${file}"]`).click();
  await expect.poll(async () => Number(await panel.getAttribute('data-ops')), { message: `sample ${file} lands on the canvas` }).toBeGreaterThan(before);
}

export async function waitGridDone(page: Page, key: 'edit' | 'canvas') {
  // the run must start: a refused Generate (a message, no run) fails here instead of waiting 30 min
  await expect(page.getByTestId(`${key}-grid`), 'the run started').toHaveAttribute('data-status', /running|done/, { timeout: 2 * 60_000 });
  await expect(page.locator(`[data-testid^=${key}-result-f][data-ready=true]`)).toHaveCount(5, { timeout: 30 * 60_000 });
  await expect(page.getByTestId(`${key}-grid`)).toHaveAttribute('data-status', 'done', { timeout: 5 * 60_000 });
  await expect(page.locator(`[data-testid^=${key}-result-f][data-recommended=true]`)).toHaveCount(1);
}

/** Press a panel's Generate and wait for that run to finish. The click sets the grid to 'running'
 * at once, so on a page that still shows an earlier run's finished grid this waits for the new
 * run, not the old one (a refused Generate shows a message and never says 'running'). */
export async function generateAndWait(page: Page, key: 'edit' | 'canvas') {
  await page.getByTestId(`${key}-generate`).click();
  await expect(page.getByTestId(`${key}-grid`), 'this Generate started a run').toHaveAttribute('data-status', 'running');
  await waitGridDone(page, key);
}

export const COLORIZE_SAMPLE = 'google-1f344.png'; // mushroom: held-out concept, strongly coloured

/** Only f4 (one token, the fastest decode) is asked for: what a test checks is not the five scales. */
export async function onlyF4(page: Page) {
  for (const sc of ['f3', 'f2', 'f1', 'f0']) await page.getByTestId(`scale-${sc}`).uncheck();
}

/** Cancels the page's run while it is going: the grid ends cancelled. */
export async function cancelMainRun(page: Page) {
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'running');
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'cancelled', { timeout: 5 * 60_000 });
}

/** Press the page's Generate and wait until its grid is done. */
export async function generateMain(page: Page) {
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
}
