#!/usr/bin/env node
// The README's screenshots of the first panel, from the built site (WASM): the first screen on a
// desktop after a text-to-image run (first-screen.png), a reconstruction's granularity grid
// (grid.png), and a 375x740 phone after a text-to-image run (phone.png), in docs/screenshots/.
// Part of `npm run screenshots` (needs `npm run build`); the other panels come from the e2e spec.
import { chromium } from 'playwright-core';
import { resolve } from 'node:path';
import { chromiumArgs, findChromium } from '../e2e/chromium.mjs';
import { startServer } from '../e2e/static-server.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const SHOTS = resolve(ROOT, 'docs/screenshots');
const server = await startServer({ root: resolve(ROOT, 'dist') });
const browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs('wasm') });

/** a page with the models loaded, the five results of `a red apple` drawn and the run done */
async function afterTextToImage(viewport, extra = {}) {
  const page = await browser.newPage({ viewport, ...extra });
  await page.goto(`${server.url}?ep=wasm`);
  await page.getByTestId('load-done').waitFor({ timeout: 5 * 60_000 });
  await page.getByTestId('prompt').fill('a red apple');
  await page.getByTestId('generate').click();
  await page.locator('[data-testid^=result-f][data-ready=true]').nth(4).waitFor({ timeout: 5 * 60_000 });
  await page.locator('[data-testid=grid][data-status=done]').waitFor({ timeout: 5 * 60_000 });
  return page;
}

const wrote = (f) => console.log(`wrote ${resolve(SHOTS, f)}`);
try {
  const desk = await afterTextToImage({ width: 1280, height: 1180 });
  await desk.screenshot({ path: resolve(SHOTS, 'first-screen.png') });
  wrote('first-screen.png');
  // a held-out sample reconstructed: the five granularities with their PSNR
  await desk.getByTestId('sample').first().click();
  await desk.locator('[data-testid=grid][data-status=running]').waitFor({ timeout: 60_000 });
  await desk.locator('[data-testid=grid][data-status=done]').waitFor({ timeout: 5 * 60_000 });
  await desk.getByTestId('grid').screenshot({ path: resolve(SHOTS, 'grid.png') });
  wrote('grid.png');

  const phone = await afterTextToImage({ width: 375, height: 740 }, { deviceScaleFactor: 2, hasTouch: true, isMobile: true });
  await phone.locator('[data-testid^=result-f]').first().scrollIntoViewIfNeeded();
  await phone.evaluate(() => window.scrollBy(0, -120));
  await phone.screenshot({ path: resolve(SHOTS, 'phone.png') });
  wrote('phone.png');
} finally {
  await browser.close();
  await server.close();
}
