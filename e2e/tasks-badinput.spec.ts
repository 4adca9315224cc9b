// Bad input across the panels, cancel / generate twice / switching panel mid-run, the
// drawing kept across a reload, and an axe-core scan of each panel. On WASM, real models.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sharedPage } from './fixtures';
import { loadCanvasSample, waitGridDone, COLORIZE_SAMPLE } from './tasks-helpers';

const FIX = resolve(import.meta.dirname, 'fixtures');
const file = (name: string, mimeType: string) => ({ name, mimeType, buffer: readFileSync(resolve(FIX, name)) });

test.describe('bad input, interruptions, accessibility', () => {
  // one page for the file (models and sessions once), in the order written: the first test expects
  // that no edit has run yet; a failed test restarts the worker, which opens a fresh page
  let page: Page;
  let provider: string;
  const errors: string[] = [];
  sharedPage(test, { mllm: true, open: true, independent: true }, (s) => {
    ({ page, provider } = s);
    page.on('pageerror', (e) => errors.push(e.message));
  });

  test('bad files and prompts give a clear message or a sensible result; the page stays usable', async () => {
    await page.getByTestId('tab-edit').click();
    const msg = page.getByTestId('edit-message');
    const picked = page.getByTestId('edit-picked');
    const upload = async (f: { name: string; mimeType: string; buffer: Buffer }) => {
      if (await msg.isVisible()) await msg.getByRole('button', { name: 'OK' }).click();
      await page.getByTestId('edit-file').setInputFiles(f);
    };
    // refused with a message
    await upload({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await expect(msg).toContainText('not an image');
    await upload({ name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('\x89PNG\r\n\x1a\n this is not a png at all') });
    await expect(msg).toContainText('could not be decoded');
    await upload(file('one.png', 'image/png'));
    await expect(msg).toContainText('1x1');
    // accepted: a sensible image (first frame, colours converted, alpha on white, scaled down)
    for (const [name, type] of [
      ['drawing.svg', 'image/svg+xml'],
      ['animated.gif', 'image/gif'],
      ['cmyk.jpg', 'image/jpeg'],
      ['transparent.png', 'image/png'],
      ['huge.png', 'image/png'],
    ] as const) {
      await upload(file(name, type));
      await expect(picked.or(msg)).toBeVisible({ timeout: 60_000 });
      await expect(picked.locator('figcaption').or(msg)).toContainText(new RegExp(`${name.replace('.', '\\.')}|too large`), { timeout: 60_000 });
      console.log(`[${provider}] ${name}: ${(await msg.isVisible()) ? `message: ${await msg.textContent()}` : 'accepted'}`);
    }
    // prompts
    await page.locator('[data-testid=edit-sample]').first().click();
    await page.getByTestId('edit-instruction').fill('');
    await page.getByTestId('edit-generate').click();
    await expect(msg).toContainText('instruction');
    await page.getByTestId('edit-instruction').fill('x'.repeat(10_000));
    await page.getByTestId('edit-generate').click();
    await expect(msg).toContainText('too long', { timeout: 60_000 });
    // refused at the door: no run starts (no edit has run yet in this page, so no grid exists)
    await expect(page.getByTestId('edit-grid')).toHaveCount(0);
    // emoji in the prompt runs (byte-level tokenizer); cancel it once the first scale is drawn
    await page.getByTestId('edit-instruction').fill('make it 🌈 rainbow 😀 please');
    await page.getByTestId('edit-generate').click();
    await expect(page.locator('[data-testid^=edit-result-f][data-ready=true]').first()).toBeVisible({ timeout: 10 * 60_000 });
    await page.getByTestId('edit-cancel').click();
    await expect(page.getByTestId('edit-grid')).toHaveAttribute('data-status', 'cancelled', { timeout: 5 * 60_000 });
    const kept = await page.locator('[data-testid^=edit-result-f][data-ready=true]').count();
    expect(kept, 'results drawn before the cancel are kept').toBeGreaterThan(0);
    // Generate twice in a row: the second run supersedes the first and completes
    // (a style instruction: the first sample, a smiley, has no skin tones)
    await page.locator('[data-testid=edit-chip][data-kind=style]').first().click();
    await page.getByTestId('edit-generate').click();
    await page.getByTestId('edit-generate').click();
    await waitGridDone(page, 'edit');
    // the other panels still work
    await page.getByTestId('tab-understand').click();
    await page.locator('[data-testid=understand-sample]').first().click();
    await expect(page.getByTestId('panel-understand').getByRole('img', { name: /^chosen image: / })).toBeVisible();
    await page.getByTestId('understand-question').fill('');
    await page.getByTestId('understand-ask').click();
    await expect(page.getByTestId('understand-message')).toContainText('question');
    await page.getByTestId('understand-caption').click();
    await expect(page.getByTestId('understand-answer')).toHaveAttribute('data-status', 'done', { timeout: 5 * 60_000 });
    expect(errors).toEqual([]);
  });

  test('switching panel mid-run loses nothing; the drawing survives a reload', async () => {
    await page.getByTestId('tab-canvas').click();
    await page.getByTestId('canvas-mode-colorize').check();
    await expect(page.getByTestId('panel-canvas')).toHaveAttribute('data-loaded', 'true');
    await loadCanvasSample(page, COLORIZE_SAMPLE);
    // a brush stroke on top
    const box = (await page.getByTestId('canvas-draw').boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + 60, box.y + 40, { steps: 5 });
    await page.mouse.up();
    const ops = await page.getByTestId('panel-canvas').getAttribute('data-ops');
    expect(Number(ops)).toBeGreaterThanOrEqual(2);
    // undo / redo by keyboard
    await page.getByTestId('canvas-brush').focus();
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('panel-canvas')).toHaveAttribute('data-ops', String(Number(ops) - 1));
    await page.keyboard.press('Control+Shift+z');
    await expect(page.getByTestId('panel-canvas')).toHaveAttribute('data-ops', ops!);
    await page.getByTestId('canvas-generate').click();
    await page.getByTestId('tab-edit').click();
    await page.getByTestId('tab-understand').click();
    await page.getByTestId('tab-canvas').click();
    await waitGridDone(page, 'canvas');
    // reload: the drawing is back from IndexedDB
    await page.reload();
    await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
    await page.getByTestId('tab-canvas').click();
    await expect(page.getByTestId('panel-canvas')).toHaveAttribute('data-loaded', 'true');
    await expect(page.getByTestId('panel-canvas')).toHaveAttribute('data-ops', ops!);
  });

  test('axe-core: no serious or critical violations in any panel; tabs work by keyboard', async () => {
    await page.getByTestId('tab-main').click(); // the test before left the Canvas tab selected
    await page.getByTestId('tab-main').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('tab-edit')).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('tab-edit')).toBeFocused();
    // the canvas draws by keyboard: arrows move the cursor, Space starts and ends a stroke
    await page.getByTestId('tab-canvas').click();
    await page.getByTestId('canvas-mode-sketch').check();
    const panel = page.getByTestId('panel-canvas');
    await expect(panel).toHaveAttribute('data-loaded', 'true');
    const ops = Number(await panel.getAttribute('data-ops'));
    await page.getByTestId('canvas-draw').focus();
    await expect(page.getByTestId('canvas-kb-cursor')).toBeVisible();
    await page.keyboard.press('Space');
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await expect(panel).toHaveAttribute('data-ops', String(ops + 1));
    const dark = await page.getByTestId('canvas-preview').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, 64, 64).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
      return n;
    });
    expect(dark, 'the keyboard stroke reached the model input').toBeGreaterThan(10);
    await page.keyboard.press('Control+z');
    await expect(panel).toHaveAttribute('data-ops', String(ops));
    for (const p of ['main', 'edit', 'canvas', 'understand']) {
      await page.getByTestId(`tab-${p}`).click();
      const r = await new AxeBuilder({ page }).include(`#panel-${p}`).analyze();
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      console.log(`[${provider}] axe ${p}: ${r.violations.length} violations (${r.violations.map((v) => `${v.id}:${v.impact}`).join(', ') || 'none'})`);
      expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`)).toEqual([]);
    }
  });
});
