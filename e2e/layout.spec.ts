// The page at a phone's width (375x740) on the built site: nothing wider than the screen, the
// five results visible inside it, controls stacked, the drawing canvas ready for touch; and the
// newcomer checks in the page itself (prompt counter and too-long message, empty guidance).
import { test, expect, type Page } from '@playwright/test';
import { DIST, hasMllm, openApp } from './tasks-helpers';
// @ts-expect-error plain .mjs helper
import { startServer } from './static-server.mjs';

const W = 375;

async function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.scrollingElement!.scrollWidth);
}

/** Every element that sticks out of the viewport horizontally (for the failure message). */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate((w) => {
    const out: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > w + 0.5 || r.left < -0.5) && !el.closest('dialog:not([open])')) out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
    return out.slice(0, 10);
  }, W);
}

test('at 375 px the page fits, the results are visible, controls stack, the canvas takes touch', async ({ browser }, info) => {
  const provider = info.project.metadata.provider as string;
  const server = await startServer({ root: DIST });
  const context = await browser.newContext({ viewport: { width: W, height: 740 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  try {
    await openApp(page, server.url, provider);
    expect(await pageWidth(page), (await overflowing(page)).join('\n')).toBeLessThanOrEqual(W);
    await expect(page.getByTestId('model-note')).toContainText('64x64');

    // a reconstruction: five cells, all inside the screen
    await page.getByTestId('sample').first().click();
    const cells = page.locator('[data-testid^=result-f]');
    await expect(page.locator('[data-testid^=result-f][data-ready=true]')).toHaveCount(5, { timeout: 10 * 60_000 });
    expect(await pageWidth(page), (await overflowing(page)).join('\n')).toBeLessThanOrEqual(W);
    for (let i = 0; i < 5; i++) {
      const cell = cells.nth(i);
      await cell.scrollIntoViewIfNeeded();
      await expect(cell.locator('canvas')).toBeInViewport({ ratio: 1 });
      const box = (await cell.locator('canvas').boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(W);
      expect(box.width).toBeGreaterThan(60); // still a picture, not a speck
    }

    await page.screenshot({ path: info.outputPath('page-375.png'), fullPage: true }); // for a human look

    // controls stack: steps above guidance above seed
    const ys = await Promise.all(['steps', 'guidance', 'seed'].map(async (id) => (await page.getByTestId(id).boundingBox())!.y));
    expect(ys[0]).toBeLessThan(ys[1]);
    expect(ys[1]).toBeLessThan(ys[2]);

    // empty guidance is refused with a message, not run as 0
    await page.getByTestId('guidance').fill('');
    await expect(page.getByTestId('guidance-msg')).toContainText('empty');
    await page.getByTestId('guidance').fill('1000000');
    await expect(page.getByTestId('guidance-msg')).toContainText('outside');
    await page.getByTestId('guidance').fill('2');
    await expect(page.getByTestId('guidance-msg')).toHaveCount(0);

    if (hasMllm) {
      // a 5000-character paste: kept whole, a counter and a message, nothing runs
      const paste = 'a red apple on a table '.repeat(220).slice(0, 5000);
      await page.getByTestId('prompt').fill(paste);
      await expect(page.getByTestId('prompt')).toHaveValue(paste);
      await expect(page.getByTestId('prompt-too-long')).toContainText('too long');
      await page.getByTestId('example-prompt').first().click();
      await expect(page.getByTestId('prompt-too-long')).toHaveCount(0);
      await expect(page.getByTestId('prompt-counter')).toContainText('tokens');
      expect(await pageWidth(page), (await overflowing(page)).join('\n')).toBeLessThanOrEqual(W);
    }

    // every task panel fits too; the drawing canvas takes pointer (touch) input without scrolling the page
    for (const tab of await page.locator('[data-testid^=tab-]').all()) {
      await tab.click();
      expect(await pageWidth(page), `${await tab.textContent()}: ${(await overflowing(page)).join('\n')}`).toBeLessThanOrEqual(W);
    }
    const canvasTab = page.getByTestId('tab-canvas');
    if (await canvasTab.count()) {
      await canvasTab.click();
      const draw = page.locator('canvas.draw');
      await expect(draw).toBeVisible();
      expect(await draw.evaluate((c) => getComputedStyle(c).touchAction)).toBe('none');
      const b = (await draw.boundingBox())!;
      expect(b.x + b.width).toBeLessThanOrEqual(W);
    }
  } finally {
    await context.close();
    await server.close();
  }
});
