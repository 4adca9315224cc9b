// The page a newcomer meets, on the built site (WASM): input given while the models load is
// queued and runs; a second Generate replaces the first cleanly; a failed model file is named
// with its reason and comes back by Retry or by the network coming back; a share link restores
// the settings; the history survives a reload and restores a result; all of it fits 375 px.
import { test, expect, type Page } from '@playwright/test';
import { sharedPage } from './fixtures';
import { builtManifest, cancelMainRun, generateMain, mllmGraphFile, onlyF4 } from './tasks-helpers';

let page: Page;

// WASM only: playwright.config.ts runs untagged specs on the wasm project alone
const app = sharedPage(test, { mllm: true }, (s) => ({ page } = s));

test('the prompt box is there from the first paint; a prompt given during loading is queued and runs', async () => {
  // hold one decoder back so the load is still going when the prompt is given (whichever of its variants
  // the provider loads: WASM takes decoder_f0.int8.onnx)
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  // context.route: the model files are fetched by the engine's worker
  await app.context.route('**/models/decoder_f0*.onnx', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${app.server.url}?ep=wasm`);
  await expect(page.getByTestId('prompt')).toBeVisible();
  await expect(page.getByTestId('load-progress')).toBeVisible();
  await expect(page.locator('[data-testid=load-file][data-file^="decoder_f0"]')).toHaveAttribute('data-state', /queued|downloading/);
  await onlyF4(page);
  await page.getByTestId('prompt').fill('red apple');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('queued')).toContainText('red apple');
  release(); // (the route stays: it passes every later request straight on)
  await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
  await expect(page.getByTestId('queued')).toHaveCount(0);
  await expect(page.getByTestId('notice')).toHaveCount(0); // the "Queued" notice cleared
  await expect(page.locator('[data-testid^=result-f]')).toHaveCount(1);
  const summary = page.getByTestId('grid').locator('p').first();
  await expect(summary).toContainText('f4 in');
  await expect(summary).not.toContainText('All five');
  // the large view of a generated image claims no comparison with an input
  await page.getByRole('button', { name: 'Enlarge f4' }).click();
  await expect(page.locator('dialog[open]')).not.toContainText('PSNR');
  await page.locator('dialog[open]').getByRole('button', { name: 'Close' }).click();
});

test('a second Generate replaces the first: the status describes the new run, Cancel stays usable', async () => {
  for (const sc of ['f3', 'f2']) await page.getByTestId(`scale-${sc}`).check();
  await page.getByTestId('prompt').fill('dog face');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('cancel')).toBeEnabled();
  await onlyF4(page);
  await page.getByTestId('prompt').fill('red heart');
  await page.getByTestId('generate').click();
  const summary = page.getByTestId('grid').locator('p').first();
  await expect(summary).toContainText('red heart');
  await expect(page.getByTestId('cancelled')).toHaveCount(0);
  await expect(page.getByTestId('cancel')).toBeEnabled();
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
  await expect(page.locator('[data-testid^=result-f]')).toHaveCount(1);
  await expect(summary).toContainText('red heart');
  await expect(page.getByTestId('cancel')).toBeDisabled();
  // Cancel stops whatever runs: a new run, cancelled, ends cancelled with Cancel greyed again
  for (const sc of ['f3', 'f2', 'f1', 'f0']) await page.getByTestId(`scale-${sc}`).check();
  await page.getByTestId('generate').click();
  await cancelMainRun(page);
  await expect(page.getByTestId('cancel')).toBeDisabled();
});

test('a share link restores prompt, seed, steps, guidance and scales', async () => {
  await onlyF4(page);
  await page.getByTestId('seed').fill('77');
  await generateMain(page);
  await expect(page.getByTestId('download-all')).toBeEnabled();
  await page.getByTestId('copy-link').click();
  await expect.poll(() => new URL(page.url()).hash).toContain('seed=77');
  const link = page.url();
  const other = await app.context.newPage();
  await other.goto(link);
  await expect(other.getByTestId('prompt')).toHaveValue('red heart', { timeout: 60_000 });
  await expect(other.getByTestId('seed')).toHaveValue('77');
  await expect(other.getByTestId('scale-f4')).toBeChecked();
  await expect(other.getByTestId('scale-f0')).not.toBeChecked();
  // a hand-edited link with values the model does not allow changes nothing
  await other.goto(`${app.server.url}?ep=wasm&edited=1#seed=-5&steps=7&guidance=999&prompt=cat`);
  await expect(other.getByTestId('prompt')).toHaveValue('cat', { timeout: 60_000 });
  await expect(other.getByTestId('guidance')).not.toHaveValue('999');
  await expect(other.getByTestId('seed')).not.toHaveValue('-5');
  // 7 steps were never offered: the link runs with the nearest count offered, and the page says which. The
  // shipped decoders are step-distilled: that count is the only one, shown as such, with no box to pick another
  const sd = Object.values(builtManifest.models as Record<string, { role: string; step_distilled?: { from: number; to: number } }>).find((e) => e.role === 'decoder')!.step_distilled!;
  await expect(other.getByTestId('notice')).toContainText(`The link's 7 steps are not offered by this model: runs use ${sd.to}.`);
  await expect(other.getByTestId('steps')).toHaveText(`${sd.to} (distilled)`);
  await expect(other.getByTestId('steps')).toHaveAttribute('title', new RegExp(`in ${sd.to} steps what they did in ${sd.from}`));
  await expect(other.locator('select[data-testid=steps]')).toHaveCount(0);
  await other.close();
});

test('the history survives a reload, restores a result, and the page fits 375 px', async () => {
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(`${app.server.url}?ep=wasm`);
  await expect(page.getByTestId('history-item').first()).toBeVisible();
  await expect(page.getByTestId('history-item').first()).toContainText('red heart');
  await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
  await page.getByTestId('prompt').fill('');
  await page.getByTestId('history-item').first().click();
  await expect(page.getByTestId('prompt')).toHaveValue('red heart');
  await expect(page.getByTestId('seed')).toHaveValue('77');
  await expect(page.locator('[data-testid^=result-f][data-ready=true]')).toHaveCount(1);
  expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(375);
  // no sampler row where it does not apply
  await page.getByTestId('tab-understand').click();
  await expect(page.getByTestId('steps')).toBeHidden();
  await page.getByTestId('tab-main').click();
  await expect(page.getByTestId('steps')).toBeVisible();
});

test('a model file that fails is named with its reason; Retry and coming back online load it', async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  // a fresh context: nothing cached, the language model's graph unreachable
  expect(mllmGraphFile, 'the built site has an MLLM').toBeTruthy();
  const ctx = await page.context().browser()!.newContext();
  const p = await ctx.newPage();
  try {
    await ctx.route(`**/models/${mllmGraphFile}`, (route) => route.abort('internetdisconnected'));
    await p.goto(`${app.server.url}?ep=wasm`);
    await expect(p.getByTestId('load-partial')).toBeVisible({ timeout: 5 * 60_000 });
    await expect(p.getByTestId('load-done')).toHaveCount(0);
    const failed = p.locator(`[data-testid=load-failed-file][data-file="${mllmGraphFile}"]`);
    await expect(failed).toHaveAttribute('data-reason', 'offline');
    await expect(p.getByTestId('load-failed')).toContainText('Text to image');
    await expect(p.getByTestId('load-failed')).toContainText('disabled');
    await expect(p.getByTestId('t2i-unavailable')).toBeVisible();
    // a prompt now waits for the language model instead of being lost
    await p.getByTestId('prompt').fill('red apple');
    await onlyF4(p);
    await p.getByTestId('generate').click();
    await expect(p.getByTestId('notice')).toContainText('Queued');
    // Retry while still unreachable: the same honest failure
    await p.getByTestId('load-retry').click();
    await expect(failed).toHaveAttribute('data-reason', 'offline', { timeout: 5 * 60_000 });
    // the network comes back: the page retries by itself, and the queued prompt runs
    await ctx.unroute(`**/models/${mllmGraphFile}`);
    await p.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect(p.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
    await expect(p.getByTestId('load-failed')).toHaveCount(0);
    await expect(p.getByTestId('t2i-unavailable')).toHaveCount(0);
    await expect(p.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
  } finally {
    await ctx.close();
  }
});
