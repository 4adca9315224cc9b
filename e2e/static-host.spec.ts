// A static host that sends no COOP/COEP headers, like GitHub Pages: our service worker must make
// the page cross-origin isolated (threaded WASM), and after one visit the app must work offline.
// The site sits under the sub-path Pages gives a project site, /<repository>/: the Pages workflow
// (.github/workflows/pages.yml) runs this spec with its repository's name as PUMA_BASE_PATH.
import { test, expect } from '@playwright/test';
import { existsSync, statSync, utimesSync } from 'node:fs';
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

test('the offline copy of a same-origin file is written again only when the file changed', async ({ browser }) => {
  // every load fetches the runtime's .wasm (14-28 MB) network-first; the service worker used to write the
  // same bytes into its cache again each time, while the runtime compiled them (coi-sw.js keep)
  const file = resolve(DIST, 'samples/google-1f344.png');
  if (!existsSync(file)) throw new Error('dist/ is missing: run `npm run build` first');
  const { atime, mtime } = statSync(file);
  const server = await startServer({ root: DIST, base: BASE, isolate: false });
  const context = await browser.newContext();
  const page = await context.newPage();
  const url = `${server.url}samples/google-1f344.png`;
  // fetch through the service worker, then the copy it keeps: [Date, ETag] once the keeping has settled
  const fetchAndKept = async () => {
    await page.evaluate((u) => fetch(u).then((r) => r.arrayBuffer()), url);
    let last = '';
    await expect.poll(async () => {
      const kept = await page.evaluate(async (u) => {
        const r = await (await caches.open('puma-shell-v1')).match(u);
        return r ? [r.headers.get('date'), r.headers.get('etag')] : null;
      }, url);
      const now = JSON.stringify(kept);
      const settled = kept !== null && now === last;
      last = now;
      return settled;
    }, { intervals: [300] }).toBe(true);
    return JSON.parse(last) as [string, string];
  };
  try {
    await page.goto(`${server.url}?ep=wasm`);
    await expect.poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), { timeout: 60_000 }).toBe(true);
    const first = await fetchAndKept();
    await page.waitForTimeout(1100); // a rewritten copy would carry a later Date
    expect(await fetchAndKept()).toEqual(first); // unchanged: not written again
    utimesSync(file, atime, new Date(mtime.getTime() + 5000)); // "redeployed": a new validator
    await page.waitForTimeout(1100);
    const changed = await fetchAndKept();
    expect(changed[1]).not.toEqual(first[1]);
    expect(changed[0]).not.toEqual(first[0]);
  } finally {
    utimesSync(file, atime, mtime);
    await context.close();
    await server.close().catch(() => undefined);
  }
});
