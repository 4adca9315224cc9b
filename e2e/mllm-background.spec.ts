// The language model loads after the encoder and decoders: reconstruction runs while it loads, a
// prompt given meanwhile is queued saying the language model is still loading, and runs once it
// has loaded, without a reload. The MLLM's graph is held at the network (a route that answers only
// when released), so "while it loads" lasts as long as the test needs, on the real engine and models.
import { test, expect, type Page } from '@playwright/test';
import { sharedPage } from './fixtures';
import { mllmGraphFile, onlyF4 } from './tasks-helpers';

let page: Page;
const app = sharedPage(test, { mllm: true }, (s) => ({ page } = s));

test('reconstruction runs while the language model loads; a prompt given meanwhile waits for it and then runs', async () => {
  expect(mllmGraphFile, 'the built site has an MLLM').toBeTruthy();
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  // context.route: the model files are fetched by the engine's worker
  await app.context.route(`**/models/${mllmGraphFile}`, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${app.server.url}?ep=wasm`);
  const visualReady = page.getByTestId('load-visual-ready');
  await expect(visualReady).toBeVisible({ timeout: 5 * 60_000 });
  await expect(visualReady).toContainText('The language model is still loading');
  // reconstruction: all five scales while the language model's graph is still held
  await page.getByTestId('sample').first().click();
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
  await expect(page.locator('[data-testid^=result-f][data-ready=true]')).toHaveCount(5);
  await expect(visualReady, 'the language model still loads').toBeVisible();
  // a prompt now: queued, and the page says why
  await onlyF4(page);
  await page.getByTestId('prompt').fill('a red apple');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('notice')).toContainText('the language model is still loading');
  await expect(page.getByTestId('queued')).toContainText('a red apple');
  // the graph arrives: the load ends and the queued prompt runs
  release();
  await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
  await expect(visualReady).toHaveCount(0);
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
  await expect(page.locator('[data-testid=result-f4][data-ready=true]')).toHaveCount(1);
  await expect(page.getByTestId('notice')).toHaveCount(0);
  await expect(page.getByTestId('queued')).toHaveCount(0);
});
