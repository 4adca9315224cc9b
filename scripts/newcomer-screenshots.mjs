#!/usr/bin/env node
// The newcomer fixes as a user sees them, from the built site (WASM), in docs/screenshots/:
// newcomer-link.png (a shared link says what it did), newcomer-badlink.png (a link that cannot be
// read), newcomer-words.png (an emoji read as its name, words new to the model flagged),
// newcomer-queued.png (an edit waits in line behind the first tab's run), newcomer-dark.png (the
// page in the dark colour scheme). Needs `npm run build`.
import { chromium } from 'playwright-core';
import { resolve } from 'node:path';
import { chromiumArgs, findChromium } from '../e2e/chromium.mjs';
import { startServer } from '../e2e/static-server.mjs';

const SHOTS = resolve(import.meta.dirname, '..', 'docs/screenshots');
const server = await startServer({ root: resolve(import.meta.dirname, '..', 'dist') });
const browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs('wasm') });
const open = async (hash = '', extra = {}) => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, ...extra });
  await page.goto(`${server.url}?ep=wasm${hash}`);
  await page.getByTestId('load-done').waitFor({ timeout: 5 * 60_000 });
  return page;
};
const shot = async (loc, f) => { await loc.screenshot({ path: resolve(SHOTS, f) }); console.log(`wrote ${f}`); };
try {
  let page = await open('#prompt=red%20apple&seed=77&steps=10');
  await shot(page.locator('main'), 'newcomer-link.png');
  await page.close();
  page = await open('#%E0%A4%A');
  await shot(page.locator('main'), 'newcomer-badlink.png');
  await page.getByTestId('prompt').fill('🍕 une pomme rouge');
  await shot(page.locator('.t2i'), 'newcomer-words.png');
  await page.getByTestId('prompt').fill('red apple');
  await page.getByTestId('generate').click();
  await page.getByTestId('tab-edit').click();
  await page.locator('[data-testid=edit-sample]').first().click();
  await page.getByTestId('edit-picked').waitFor();
  await page.getByTestId('edit-instruction').fill('make it medium-dark skin tone');
  await page.getByTestId('edit-generate').click();
  await page.getByText('in line').waitFor();
  await shot(page.getByTestId('panel-edit'), 'newcomer-queued.png');
  await page.close();
  page = await open('', { colorScheme: 'dark' });
  await page.screenshot({ path: resolve(SHOTS, 'newcomer-dark.png') });
  console.log('wrote newcomer-dark.png');
} finally {
  await browser.close();
  await server.close();
}
