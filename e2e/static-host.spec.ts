// A static host that sends no COOP/COEP headers, like GitHub Pages: our service worker must make
// the page cross-origin isolated (threaded WASM), and after one visit the app must work offline.
// The site sits under the sub-path Pages gives a project site, /<repository>/: the Pages workflow
// (.github/workflows/pages.yml) runs this spec with its repository's name as PUMA_BASE_PATH.
import { test, expect } from '@playwright/test';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
// @ts-expect-error plain .mjs helper
import { startServer } from './static-server.mjs';

const DIST = resolve(import.meta.dirname, '../dist');
const BASE = process.env.PUMA_BASE_PATH ?? '/puma-web/';

test('plain static host: service worker isolates the page, and it works offline after one visit', async ({ browser }) => {
  if (!existsSync(resolve(DIST, 'index.html'))) throw new Error('dist/ is missing: run `npm run build` first');
  const server = await startServer({ root: DIST, base: BASE, isolate: false });
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}?ep=wasm`);
    // first load registers the worker and reloads once under its headers
    await expect.poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), { timeout: 60_000 }).toBe(true);
    await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
    await expect(page.getByTestId('provider')).toHaveAttribute('data-provider', 'wasm');
    const threads = await page.evaluate(() => (globalThis as unknown as { __pumaRuntime: () => { threads: number } }).__pumaRuntime().threads);
    expect(threads).toBeGreaterThanOrEqual(Math.min(2, await page.evaluate(() => navigator.hardwareConcurrency)));
    // offline: the server is gone, the shell comes from the service worker, models from the Cache API
    await server.close();
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
    await expect(page.getByTestId('load-done')).toHaveAttribute('data-from-cache', 'true');
    await page.getByTestId('sample').first().click();
    await expect(page.locator('[data-testid^=result-f][data-ready=true]')).toHaveCount(5, { timeout: 10 * 60_000 });
    await page.screenshot({ path: test.info().outputPath('offline.png'), fullPage: true });
  } finally {
    await context.close();
    await server.close().catch(() => undefined);
  }
});
