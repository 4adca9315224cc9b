// The page a newcomer meets, round 2 (issue #18, items 1-3), on the built site (WASM), one page
// for the file: a shared link says what it did and never runs; an image pasted goes to the tab
// shown (never a hidden one); runs asked for on different tabs wait in line instead of ending
// each other, and a tab's Cancel takes only its own run.
import { test, expect, type Page } from '@playwright/test';
import { openOnce, sharedPage } from './fixtures';
import { canvasMode } from './tasks-helpers';

let page: Page;
// the link test opens the page; with -g a later test opens it itself (openOnce)
const app = sharedPage(test, { mllm: true }, (s) => ({ page } = s));

/** How many runs the first tab started (the page timeline records only its runs). */
const firstTabRuns = () => page.evaluate(() => (globalThis as unknown as { __pumaTimeline(): { type: string }[] }).__pumaTimeline().filter((e) => e.type === 'start').length);

/** A paste event as the browser sends it: a sample as the clipboard's image file (browsers name
 * it image.png), and/or text; on `target` (a test id) or the page. True when the page took it. */
function paste(o: { file?: string; name?: string; text?: string; target?: string }) {
  return page.evaluate(async ({ file, name, text, target }) => {
    const dt = new DataTransfer();
    if (text) dt.setData('text/plain', text);
    if (file) {
      const b = await (await fetch(`samples/${file}`)).blob();
      dt.items.add(new File([b], name ?? 'image.png', { type: 'image/png' }));
    }
    const el = target ? document.querySelector(`[data-testid="${target}"]`)! : document.body;
    const ev = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
    el.dispatchEvent(ev);
    return ev.defaultPrevented;
  }, o);
}

const SAMPLE = 'twitter-1f412.png';

test('a shared link says what it did and never runs unasked; one that cannot be read says so', async () => {
  const notice = page.getByTestId('notice');
  await page.goto(`${app.server.url}?ep=wasm#prompt=red%20apple&seed=77`);
  await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
  await expect(notice).toContainText('Settings from a shared link: press Generate to draw them.');
  await expect(page.getByTestId('prompt')).toHaveValue('red apple');
  await expect(page.getByTestId('seed')).toHaveValue('77');
  // loaded, and nothing ran: the form is filled, Generate draws it
  expect(await firstTabRuns()).toBe(0);
  await expect(page.getByTestId('grid')).toHaveCount(0);
  // cut, hand-edited or 100 kB: one line says so, the form starts fresh
  await page.goto(`${app.server.url}?ep=wasm&link=2#prompt=${'a'.repeat(100_000)}`);
  await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
  await expect(notice).toContainText('This link’s settings could not be read; the page starts fresh.');
  await expect(page.getByTestId('prompt')).toHaveValue('');
  expect(await firstTabRuns()).toBe(0);
});

test('an image pasted goes to the tab shown: Canvas draws on it, Edit and Understand take it, a hidden tab never runs; text pasted into a field stays there', async () => {
  await openOnce(app);
  const before = await firstTabRuns();
  await canvasMode(page, 'inpaint');
  const panel = page.getByTestId('panel-canvas');
  const ops = Number(await panel.getAttribute('data-ops'));
  expect(await paste({ file: SAMPLE })).toBe(true);
  await expect.poll(async () => Number(await panel.getAttribute('data-ops')), { message: 'the pasted image lands on the canvas' }).toBe(ops + 1);
  await expect(panel).toHaveAttribute('data-mode', 'inpaint');
  await page.getByTestId('tab-edit').click();
  await paste({ file: SAMPLE });
  await expect(page.getByTestId('edit-picked')).toContainText('pasted image');
  await page.getByTestId('tab-understand').click();
  await paste({ file: SAMPLE });
  const seen = page.getByTestId('panel-understand').locator('figure.picked figcaption');
  await expect(seen).toHaveText('pasted image');
  // text (with an image beside it, as some apps copy) pasted into the question box is the box's
  expect(await paste({ text: 'what is it?', file: SAMPLE, name: 'clip.png', target: 'understand-question' })).toBe(false);
  await expect(seen).toHaveText('pasted image');
  expect(await firstTabRuns(), 'the hidden first tab did not reconstruct any paste').toBe(before);
  // on the first tab a paste is reconstructed, as before
  await page.getByTestId('tab-main').click();
  await paste({ file: SAMPLE });
  await expect(page.getByTestId('grid')).toContainText('pasted image');
  expect(await firstTabRuns()).toBe(before + 1);
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', /cancelled|done/, { timeout: 2 * 60_000 });
});

test('runs on different tabs wait in line instead of ending each other; Cancel on a tab takes only its run', async () => {
  await openOnce(app);
  const grid = page.getByTestId('grid');
  await page.getByTestId('tab-main').click();
  await page.getByTestId('prompt').fill('red apple');
  await page.getByTestId('generate').click();
  await expect(grid).toHaveAttribute('data-status', 'running');
  const t0 = Date.now();
  await page.getByTestId('tab-edit').click();
  await page.locator('[data-testid=edit-sample]').first().click();
  await page.getByTestId('edit-instruction').fill('make it blue');
  await page.getByTestId('edit-generate').click();
  await expect(page.getByTestId('edit-message')).toContainText('Waits for the text to image run on Generate & compare (1st in line)');
  await expect(page.getByTestId('edit-grid')).toHaveAttribute('data-status', 'queued');
  await page.getByTestId('tab-understand').click();
  await page.locator('[data-testid=understand-sample]').first().click();
  await page.getByTestId('understand-caption').click();
  const answer = page.getByTestId('understand-answer');
  await expect(answer).toHaveAttribute('data-status', 'queued');
  await expect(page.getByTestId('understand-message')).toContainText('(2nd in line)');
  // Edit's Cancel takes the edit out of the line, nothing else
  await page.getByTestId('tab-edit').click();
  await page.getByTestId('edit-cancel').click();
  await expect(page.getByTestId('edit-message')).toHaveText(/^Cancelled\./);
  await expect(page.getByTestId('understand-message')).toContainText('(1st in line)');
  await expect(grid).toHaveAttribute('data-status', 'running');
  // the first tab's run ends by itself, every scale drawn
  await expect(grid).toHaveAttribute('data-status', 'done', { timeout: 10 * 60_000 });
  const tFirstDone = Date.now();
  await expect(page.locator('[data-testid^=result-f][data-ready=true]')).toHaveCount(5);
  await expect(page.getByTestId('cancelled')).toHaveCount(0);
  // then the caption that waited runs on its own tab
  await expect(answer).toHaveAttribute('data-status', /running|done/, { timeout: 60_000 });
  const tSecondStarted = Date.now();
  await expect(answer).toHaveAttribute('data-status', 'done', { timeout: 5 * 60_000 });
  await expect(page.getByTestId('understand-answer-text')).not.toBeEmpty();
  const tSecondDone = Date.now();
  console.log(`[wasm] line: text-to-image ran ${((tFirstDone - t0) / 1000).toFixed(1)} s after the edit was asked for (it used to end it); the caption started ${tSecondStarted - tFirstDone} ms after it ended (as seen by polling) and took ${((tSecondDone - tSecondStarted) / 1000).toFixed(1)} s`);
});
