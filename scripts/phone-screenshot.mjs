#!/usr/bin/env node
// The README's phone screenshot: the built site at 375x740 (a small phone), after a text-to-image
// run, written to docs/screenshots/phone.png. Part of `npm run screenshots` (needs `npm run build`).
import { chromium } from 'playwright-core';
import { resolve } from 'node:path';
import { chromiumArgs, findChromium } from '../e2e/chromium.mjs';
import { startServer } from '../e2e/static-server.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const server = await startServer({ root: resolve(ROOT, 'dist') });
const browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs('wasm') });
try {
  const page = await browser.newPage({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true });
  await page.goto(`${server.url}?ep=wasm`);
  await page.getByTestId('load-done').waitFor({ timeout: 5 * 60_000 });
  await page.getByTestId('prompt').fill('a red apple');
  await page.getByTestId('generate').click();
  await page.locator('[data-testid^=result-f][data-ready=true]').nth(4).waitFor({ timeout: 5 * 60_000 });
  await page.locator('[data-testid^=result-f]').first().scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollBy(0, -120));
  const out = resolve(ROOT, 'docs/screenshots/phone.png');
  await page.screenshot({ path: out, fullPage: false });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
