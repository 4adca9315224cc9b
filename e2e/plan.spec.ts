// The plan on the built site (WASM), with the shipped MLLM (it writes " concept | style | tone"
// after <ans>, manifest mllm.plan): a prompt shows what the MLLM will draw before the first image,
// a candidate chip redraws with that plan and the same seed, a style pick overrides it, a share
// link restores it; axe-clean.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PlanSpec } from '../workers/lib/manifest';
import { sharedPage } from './fixtures';
import { DIST, generateMain, onlyF4 } from './tasks-helpers';

const planOf = (page: Page) => page.getByTestId('plan');

async function generated(page: Page) {
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
}

let page: Page;
let plan: PlanSpec;

sharedPage(test, { mllm: true, open: true }, (s) => ({ page } = s));

test.beforeAll(async () => {
  const p = (JSON.parse(readFileSync(resolve(DIST, 'models/manifest.json'), 'utf8')) as { mllm: { plan?: PlanSpec } }).mllm.plan;
  expect(p, 'the built manifest has mllm.plan').toBeTruthy();
  plan = p!;
  // f4 only: the plan is what is tested, not five decodes
  await onlyF4(page);
});

test('a prompt shows its plan before the first image, with candidates and pickers; axe-clean', async () => {
  await page.getByTestId('prompt').fill('hot drink');
  await page.getByTestId('generate').click();
  await generated(page);
  await expect(page.getByTestId('plan-text')).toContainText('Drawing: ');
  await expect(planOf(page)).toContainText("the model's plan");
  // the trained model writes every field: " concept | style | tone"
  expect((await planOf(page).getAttribute('data-plan'))!.split(plan.separator.trim())).toHaveLength(plan.fields.length);
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
  // the style the plan does not have yet
  const current = (await planOf(page).getAttribute('data-plan'))!.split(plan.separator.trim()).map((f) => f.trim())[plan.fields.indexOf('style')];
  const style = Object.values(plan.styles).find((w) => w !== current)!;
  await page.getByTestId('plan-style').focus();
  await page.getByTestId('plan-style').selectOption(style);
  await expect(planOf(page)).toHaveAttribute('data-plan', new RegExp(`\\| ${style}( |$)`), { timeout: 10 * 60_000 });
  await generated(page);
  await expect(page.getByTestId('plan-text')).toContainText(plan.style_labels?.[style] ?? style);
});

test('a share link restores the plan: the next Generate draws it', async () => {
  const linked = await planOf(page).getAttribute('data-plan');
  await page.getByTestId('copy-link').click();
  await expect.poll(() => page.url()).toContain('plan=');
  const url = page.url();
  const context = page.context();
  const other = await context.newPage();
  try {
    await other.goto(url);
    await expect(other.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
    await expect(other.getByTestId('plan-pending')).toHaveAttribute('data-plan', linked!);
    await generateMain(other);
    await expect(other.getByTestId('plan')).toHaveAttribute('data-plan', linked!);
    await expect(other.getByTestId('plan')).toContainText('your pick');
  } finally {
    await other.close();
  }
});
