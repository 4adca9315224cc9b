// An image tab's run in the history on the built site (WASM, the real models): a tone edit,
// a reload, the entry picked in the first tab's history: the Edit tab comes back with the 64x64
// image the model read, the instruction and the thumbnails; Edit again draws the same images.
// An inpaint the same way: its painted hole comes back on the canvas, and Inpaint again gives the
// model the same masked input and draws the same images. The history is under every tab, and a
// phone's width (375 px) holds it on each without scrolling the page sideways.
import { test, expect, type Page } from '@playwright/test';
import { sharedPage } from './fixtures';
import { canvasMode, generateAndWait, gridPixels, loadCanvasSample } from './tasks-helpers';

/** A canvas's pixels, read back at its own size. */
async function pixels(page: Page, selector: string): Promise<{ w: number; h: number; data: number[] }> {
  return page.locator(selector).first().evaluate((c: HTMLCanvasElement) => {
    const copy = Object.assign(document.createElement('canvas'), { width: c.width, height: c.height }).getContext('2d', { willReadFrequently: true })!;
    copy.drawImage(c, 0, 0);
    return { w: c.width, h: c.height, data: Array.from(copy.getImageData(0, 0, c.width, c.height).data) };
  });
}

test.describe('history of an image tab', () => {
  let page: Page;
  sharedPage(test, { mllm: true, open: true }, (s) => ({ page } = s));

  test('an edit survives a reload: picking it brings back the Edit tab, its input and instruction, and runs again the same', async () => {
    const instruction = 'make it medium-dark skin tone';
    await page.getByTestId('tab-edit').click();
    await page.locator('[data-testid=edit-sample][data-file="google-1f64b-200d-2640-fe0f.png"]').click();
    await expect(page.getByTestId('edit-picked')).toBeVisible();
    await page.getByTestId('edit-instruction').fill(instruction);
    await generateAndWait(page, 'edit');
    // what the model read: the grid's source cell (64x64)
    const read = await pixels(page, '[data-testid=edit-grid] figure canvas');
    expect([read.w, read.h]).toEqual([64, 64]);
    const drawn = await gridPixels(page, 'edit');
    const seed = await page.getByTestId('seed').inputValue();
    const planned = await page.getByTestId('edit-plan').getAttribute('data-plan');
    expect(planned, 'the shipped model writes a plan for an edit').toBeTruthy();
    // a tone edit of one person: the tone editor drew it (manifest mllm.tone_edit), and the plan bar says so
    await expect(page.getByTestId('edit-plan-tone-edited')).toBeVisible();

    await page.reload();
    await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
    await expect(page.getByTestId('tab-edit')).toHaveAttribute('aria-selected', 'false');
    await expect(page.getByTestId('edit-instruction')).toHaveValue('');
    await page.getByTestId('seed').fill(String(Number(seed) + 3)); // the entry's seed comes back with it
    const item = page.getByTestId('history-item').first();
    await expect(item).toContainText(`edit: ${instruction}`);
    await item.click();
    await expect(page.getByTestId('tab-edit')).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('edit-instruction')).toHaveValue(instruction);
    await expect(page.getByTestId('seed')).toHaveValue(seed);
    const back = await pixels(page, '[data-testid=edit-picked] canvas');
    expect([back.w, back.h]).toEqual([64, 64]);
    expect(back.data.every((v, i) => v === read.data[i]), 'the picked image is the 64x64 image the model read').toBe(true);
    await expect(page.locator('[data-testid^=edit-result-f][data-ready=true]')).toHaveCount(drawn.length);
    // the plan bar as the run left it, before anything runs again
    await expect(page.getByTestId('edit-plan')).toHaveAttribute('data-plan', planned!);
    await expect(page.getByTestId('edit-plan-tone-edited'), 'the history keeps the tone editor mark').toBeVisible();

    // Edit again: the same input, instruction and seed draw the same images
    await generateAndWait(page, 'edit');
    const again = await gridPixels(page, 'edit');
    expect(again.map((c) => c.scale)).toEqual(drawn.map((c) => c.scale));
    for (const [i, c] of again.entries()) expect(c.data.every((v, j) => v === drawn[i].data[j]), `${c.scale} drawn as the first run drew it`).toBe(true);
  });

  test('an inpaint survives a reload: picking it paints its hole back, and Inpaint gives the model the same input and draws the same', async () => {
    await canvasMode(page, 'inpaint');
    await loadCanvasSample(page, 'twitter-1f412.png');
    await page.getByTestId('canvas-size').fill('40');
    const box = (await page.getByTestId('canvas-draw').boundingBox())!;
    const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
    for (const fy of [0.4, 0.55]) {
      await page.mouse.move(...at(0.3, fy));
      await page.mouse.down();
      await page.mouse.move(...at(0.6, fy), { steps: 8 });
      await page.mouse.up();
    }
    await page.getByTestId('canvas-keep-unmasked').setChecked(false);
    await generateAndWait(page, 'canvas');
    // what the model was given: the image with the hole white (the grid's source cell)
    const given = await pixels(page, '[data-testid=canvas-grid] figure canvas');
    const drawn = await gridPixels(page, 'canvas');

    await page.reload();
    await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
    // the canvas keeps its own drawing across a reload: cleared, so the hole can only come from the history
    await canvasMode(page, 'inpaint');
    await page.getByTestId('canvas-keep-unmasked').setChecked(true);
    const panel = page.getByTestId('panel-canvas');
    const ops = Number(await panel.getAttribute('data-ops'));
    await page.getByTestId('tab-main').click();
    const item = page.getByTestId('history-item').first();
    await expect(item).toContainText('inpaint:');
    await item.click();
    await expect(page.getByTestId('tab-canvas')).toHaveAttribute('aria-selected', 'true');
    // the image and its hole: two operations on the canvas, undoable as any other
    await expect(panel).toHaveAttribute('data-ops', String(ops + 2));
    await expect(page.getByTestId('canvas-keep-unmasked')).not.toBeChecked();
    await expect(page.getByTestId('canvas-message')).toHaveCount(0);

    await generateAndWait(page, 'canvas');
    const again = await pixels(page, '[data-testid=canvas-grid] figure canvas');
    expect(again.data.every((v, i) => v === given.data[i]), 'the model is given the same masked image').toBe(true);
    const redrawn = await gridPixels(page, 'canvas');
    expect(redrawn.map((c) => c.scale)).toEqual(drawn.map((c) => c.scale));
    for (const [i, c] of redrawn.entries()) expect(c.data.every((v, j) => v === drawn[i].data[j]), `${c.scale} drawn as the first run drew it`).toBe(true);
  });

  test('the history is under every tab, fits a 375 px phone, and a pick on one tab shows its entry\'s tab', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    try {
      for (const tab of ['main', 'edit', 'canvas', 'understand']) {
        await page.getByTestId(`tab-${tab}`).click();
        await expect(page.getByTestId('history')).toBeVisible();
        // this file's runs: the edit and the inpaint, each run again after its pick (a fresh result, kept too)
        await expect(page.getByTestId('history-item')).toHaveCount(4);
        await page.getByTestId('history').scrollIntoViewIfNeeded();
        expect(await page.evaluate(() => document.scrollingElement!.scrollWidth), `the ${tab} tab fits`).toBeLessThanOrEqual(375);
      }
      // on Understand, the edit's entry: the Edit tab with its instruction
      const edit = page.getByTestId('history-item').filter({ hasText: 'edit:' }).first();
      await edit.click();
      await expect(page.getByTestId('tab-edit')).toHaveAttribute('aria-selected', 'true');
      await expect(page.getByTestId('edit-instruction')).toHaveValue('make it medium-dark skin tone');
      await expect(page.getByTestId('history')).toBeVisible();
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
