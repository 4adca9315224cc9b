// Text-to-image on the built site, per provider: the MLLM writes the five scales, the decoders
// draw them. Runs only when the manifest has the MLLM (the panel is absent otherwise).
import { test, expect } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
// @ts-expect-error plain .mjs helper
import { startServer } from './static-server.mjs';
import { gridPixels, range } from './tasks-helpers';

const DIST = resolve(import.meta.dirname, '../dist');
const manifestPath = resolve(DIST, 'models/manifest.json');
const hasMllm = existsSync(manifestPath) && ((m) => Boolean(m?.mllm_step || m?.mllm))(JSON.parse(readFileSync(manifestPath, 'utf8')).models);

test('a prompt gives five 64x64 images, coarse to fine, with one recommended; variations; picking scales @webgpu', async ({ browser }, info) => {
  expect(hasMllm, 'dist/models/manifest.json has the MLLM (npm run build first)').toBe(true);
  const provider = info.project.metadata.provider as string;
  const server = await startServer({ root: DIST });
  const context = await browser.newContext();
  const page = await context.newPage();
  // a normal run leaves a clean console: no warning or error from the page, its workers or
  // onnxruntime (whose expected node-placement warnings are below its log level, workers/engine/ort.ts)
  const noise: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') noise.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => noise.push(`uncaught: ${e.message}`));
  try {
    await page.goto(`${server.url}?ep=${provider}`);
    await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
    await expect(page.getByTestId('provider')).toHaveAttribute('data-provider', provider);
    // empty prompt: a message, nothing runs
    await page.getByTestId('generate').click();
    await expect(page.getByTestId('notice')).toContainText('prompt');
    const values = await page.getByTestId('steps').locator('option').evaluateAll((os) => os.map((o) => Number((o as HTMLOptionElement).value)));
    if (provider === 'webgpu') await page.getByTestId('steps').selectOption(String(Math.min(...values))); // SwiftShader is slow
    await page.getByTestId('prompt').fill('a red apple');
    await page.getByTestId('generate').click();
    await expect(page.locator('[data-testid^=result-f][data-ready=true]')).toHaveCount(5, { timeout: 30 * 60_000 });
    // 'done' follows the scale recommendation, which re-encodes the five images: on SwiftShader under
    // load that passed 60 s (a wait, not a speed limit)
    await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
    await expect(page.locator('[data-recommended=true]')).toHaveCount(1);
    const cells = await gridPixels(page, 'main');
    expect(cells.map((c) => c.scale)).toEqual(['f4', 'f3', 'f2', 'f1', 'f0']);
    for (const c of cells) {
      expect([c.w, c.h]).toEqual([64, 64]);
      expect(range(c.data), `${c.scale} is not a blank image`).toBeGreaterThan(30);
    }
    // f4 arrived before the MLLM finished f0 (decoded as soon as its scale was complete)
    const tl = await page.evaluate(() => (globalThis as unknown as { __pumaTimeline: () => { type: string; scale?: string; t: number }[] }).__pumaTimeline());
    const f4 = tl.find((e) => e.type === 'image' && e.scale === 'f4')!.t;
    const mllmF0 = tl.find((e) => e.type === 'mllm' && e.scale === 'f0')!.t;
    expect(f4).toBeLessThan(mllmF0);
    await page.screenshot({ path: test.info().outputPath(`t2i-${provider}.png`), fullPage: true });
    if (provider === 'wasm') {
      // Variations: the same generated features decoded again with the next seed
      const readF4 = async () => (await gridPixels(page, 'main')).find((c) => c.scale === 'f4')!.data;
      const before = cells.find((c) => c.scale === 'f4')!.data;
      const seed = Number(await page.getByTestId('seed').inputValue());
      await page.getByTestId('variations').click();
      await expect(page.getByTestId('seed')).toHaveValue(String(seed + 1));
      await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
      await expect(page.locator('[data-testid^=result-f][data-ready=true]')).toHaveCount(5);
      const after = await readF4();
      const diff = after.reduce((a, v, i) => a + Math.abs(v - before[i]), 0) / after.length;
      expect(diff, 'a new seed gives a different f4 image').toBeGreaterThan(1);
      // picking only the two coarsest scales: two images, and the MLLM never writes f1 or f0
      for (const sc of ['f2', 'f1', 'f0']) await page.getByTestId(`scale-${sc}`).uncheck();
      const from = (await page.evaluate(() => (globalThis as unknown as { __pumaTimeline: () => unknown[] }).__pumaTimeline())).length;
      await page.getByTestId('generate').click();
      await expect(page.locator('[data-testid^=result-f]')).toHaveCount(2);
      await expect(page.locator('[data-testid^=result-f][data-ready=true]')).toHaveCount(2, { timeout: 10 * 60_000 });
      await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
      const tl2 = await page.evaluate(() => (globalThis as unknown as { __pumaTimeline: () => { type: string; scale?: string }[] }).__pumaTimeline());
      expect(tl2.slice(from).filter((e) => e.type === 'mllm' && e.scale).map((e) => e.scale)).toEqual(['f4', 'f3']);
    }
    expect(noise, 'console warnings and errors during a normal run').toEqual([]);
  } finally {
    await context.close();
    await server.close();
  }
});

