// The plan on the built site (WASM): a prompt shows what the MLLM will draw, a candidate chip
// redraws with that plan, a style pick overrides it, a share link restores it; axe-clean.
// The shipped MLLM has no plan yet, so the page is served the export's own single-graph,
// scale-order model with untrained tiny weights (feature_dim of the shipped decoders), exported
// here by training/export_mllm.py: its plan words are noise, but the loop, the events and the
// page are the real ones. The manifest's plan block is added where the export does not yet
// write one (the contract of issue #15).
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// @ts-expect-error plain .mjs helper
import { startServer } from './static-server.mjs';
import { DIST, hasMllm } from './tasks-helpers';

const ROOT = resolve(import.meta.dirname, '..');
const PLAN = {
  start: '<ans>', end: '[IMG]', separator: ' | ', fields: ['concept', 'style', 'tone'], max_tokens: 24,
  styles: { google: 'noto', twitter: 'twemoji' }, style_labels: { noto: 'Google style', twemoji: 'Twitter style' },
  tones: ['none', 'light', 'medium-light', 'medium', 'medium-dark', 'dark'], tone_join: ' and ',
};

/** a models folder: the shipped files linked, the MLLM replaced by a plan-writing single graph */
function planModels(): string {
  const dir = mkdtempSync(join(tmpdir(), 'puma-plan-'));
  const shipped = resolve(DIST, 'models');
  for (const f of readdirSync(shipped)) if (f.endsWith('.onnx') && !f.startsWith('mllm')) symlinkSync(resolve(shipped, f), join(dir, f));
  copyFileSync(resolve(shipped, 'manifest.json'), join(dir, 'manifest.json'));
  const dim = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).feature_dim;
  execFileSync('/usr/bin/python3', ['-m', 'training.export_mllm', '--random', '--config', 'tiny', '--single-graph', '--set', 'order=scale', `feature_dim=${dim}`, '--out-dir', dir], { cwd: ROOT, stdio: 'pipe' });
  const man = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  man.mllm.plan ??= PLAN;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(man));
  return dir;
}

const planOf = (page: Page) => page.getByTestId('plan');

async function generated(page: Page) {
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
}

test.describe.configure({ mode: 'serial' });

let models = '';
let server: { url: string; close(): Promise<void> };
let page: Page;

test.beforeAll(async ({ browser }) => {
  expect(hasMllm, 'dist/models has the MLLM (npm run build first)').toBe(true);
  models = planModels();
  server = await startServer({ root: DIST });
  const context = await browser.newContext();
  // the MLLM's files (manifest, graph, tokenizer) come from the plan model's folder
  await context.route(/\/models\/[^/?#]+$/, (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!;
    const f = join(models, name);
    if ((name === 'manifest.json' || name.startsWith('mllm') || name === 'tokenizer.json') && existsSync(f)) return route.fulfill({ body: readFileSync(f), contentType: name.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    return route.fallback();
  });
  page = await context.newPage();
  await page.goto(`${server.url}?ep=wasm`);
  await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
  // f4 only: the plan is what is tested, not five decodes
  for (const s of ['f3', 'f2', 'f1', 'f0']) await page.getByTestId(`scale-${s}`).uncheck();
});

test.afterAll(async () => {
  await page?.context().close();
  await server?.close();
  if (models) rmSync(models, { recursive: true, force: true });
});

test('a prompt shows its plan before the first image, with candidates and pickers; axe-clean', async () => {
  await page.getByTestId('prompt').fill('hot drink');
  await page.getByTestId('generate').click();
  await generated(page);
  // untrained weights go straight from <ans> to a special token: their own plan is empty
  await expect(page.getByTestId('plan-text')).toContainText(/Drawing: |wrote no plan/);
  await expect(planOf(page)).toContainText("the model's plan");
  expect(await planOf(page).getAttribute('data-plan')).not.toBeNull();
  const tl = await page.evaluate(() => (globalThis as unknown as { __pumaTimeline: () => { type: string }[] }).__pumaTimeline().map((e) => e.type));
  const start = tl.lastIndexOf('start');
  expect(tl.indexOf('plan', start), 'plan event').toBeGreaterThan(start);
  expect(tl.indexOf('plan', start)).toBeLessThan(tl.indexOf('image', start));
  expect(await page.getByTestId('plan-candidate').count()).toBeGreaterThan(1);
  await expect(page.getByTestId('plan-style')).toBeEnabled();
  const r = await new AxeBuilder({ page }).include('[data-testid=plan]').analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});

test('a candidate chip redraws with that plan and the same seed', async () => {
  const seed = await page.getByTestId('seed').inputValue();
  const chip = page.locator('[data-testid=plan-candidate]:not([disabled])').first();
  const want = await chip.getAttribute('data-plan');
  await chip.click();
  await expect(planOf(page)).toHaveAttribute('data-plan', want!, { timeout: 10 * 60_000 });
  await generated(page);
  await expect(planOf(page)).toContainText('your pick');
  expect(await page.getByTestId('seed').inputValue()).toBe(seed);
  await expect(page.locator('[data-testid=plan-candidate][aria-pressed=true]')).toHaveAttribute('data-plan', want!);
});

test('a style pick overrides the plan (by keyboard)', async () => {
  const style = PLAN.styles.twitter;
  await page.getByTestId('plan-style').focus();
  await page.getByTestId('plan-style').selectOption(style);
  await expect(planOf(page)).toHaveAttribute('data-plan', new RegExp(`\\| ${style}( |$)`), { timeout: 10 * 60_000 });
  await generated(page);
  await expect(page.getByTestId('plan-text')).toContainText('Twitter style');
});

test('a share link restores the plan: the next Generate draws it', async () => {
  const plan = await planOf(page).getAttribute('data-plan');
  await page.getByTestId('copy-link').click();
  await expect.poll(() => page.url()).toContain('plan=');
  const url = page.url();
  const context = page.context();
  const other = await context.newPage();
  try {
    await other.goto(url);
    await expect(other.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
    await expect(other.getByTestId('plan-pending')).toHaveAttribute('data-plan', plan!);
    await other.getByTestId('generate').click();
    await expect(other.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
    await expect(other.getByTestId('plan')).toHaveAttribute('data-plan', plan!);
    await expect(other.getByTestId('plan')).toContainText('your pick');
  } finally {
    await other.close();
  }
});
