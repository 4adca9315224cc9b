// The page a newcomer meets, round 2 (issue #18), on the built site (WASM), one page for the file:
// a reload after a partial first load says what came from the cache; emoji are read as their
// names and words the model never saw are named; a skip link reaches the results; Canvas has one
// file picker; no label breaks mid-word at 320 px; dark mode follows the system, and axe finds no
// contrast problem in either scheme.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { openOnce, sharedPage } from './fixtures';
import { generateMain, onlyF4 } from './tasks-helpers';

let page: Page;
// the first test opens the page; with -g a later test opens it itself (openOnce)
const app = sharedPage(test, { mllm: true }, (s) => ({ page } = s));

test('after a partial first load, a reload says which bytes came from the cache and which were downloaded (a missing word list is named)', async () => {
  // the first visit gets every file but the tokenizer (the MLLM's tasks wait for it) and the word list
  const files = '**/models/{tokenizer,words}.json';
  await app.context.route(files, (route) => route.abort('internetdisconnected'));
  await page.goto(`${app.server.url}?ep=wasm`);
  await expect(page.getByTestId('load-partial')).toBeVisible({ timeout: 5 * 60_000 });
  await page.getByTestId('prompt').fill('🍕');
  await expect(page.getByTestId('prompt-new-words')).toContainText('The word list did not load');
  await app.context.unroute(files);
  await page.reload();
  const done = page.getByTestId('load-done');
  await expect(done).toBeVisible({ timeout: 5 * 60_000 });
  await expect(done).toHaveAttribute('data-from-cache', 'false');
  // the files of the first visit came from the cache, the rest (at least the tokenizer) over the
  // network: "downloaded" alone would be untrue
  const m = (await done.textContent())!.match(/: ([\d.]+) MB: ([\d.]+) MB from this browser’s cache, ([\d.]+) MB downloaded in/);
  expect(m, (await done.textContent())!).not.toBeNull();
  const [total, cached, downloaded] = m!.slice(1).map(Number);
  expect(cached).toBeGreaterThan(0);
  expect(downloaded).toBeGreaterThan(0);
  expect(Math.abs(cached + downloaded - total)).toBeLessThanOrEqual(0.011);
});

test('an emoji is read as its CLDR name, words the model never saw are named under the prompt', async () => {
  await openOnce(app);
  const prompt = page.getByTestId('prompt');
  await prompt.fill('🍕');
  await expect(page.getByTestId('prompt-reads')).toHaveText('reads “pizza” · ');
  await expect(page.getByTestId('prompt-counter')).toContainText(/· \d+ \/ \d+ tokens/);
  await expect(page.getByTestId('prompt-new-words')).toHaveCount(0);
  await prompt.fill('une pomme 🍎');
  await expect(page.getByTestId('prompt-new-words')).toHaveText('new to this model: une, pomme — it knows English emoji names');
  await expect(page.getByTestId('prompt-reads')).toHaveText('reads “une pomme red apple” · ');
  // the model is given the name: the run's caption repeats what it read
  await prompt.fill('🍕');
  await onlyF4(page);
  await generateMain(page);
  await expect(page.getByTestId('grid').locator('p').first()).toContainText('Prompt: “pizza”');
  // the Edit tab's instruction box reads the same way
  await page.getByTestId('tab-edit').click();
  await page.getByTestId('edit-instruction').fill('rends-le 🌑');
  await expect(page.getByTestId('panel-edit').getByTestId('prompt-reads')).toHaveText('reads “rends-le new moon” · ');
  await expect(page.getByTestId('edit-new-words')).toHaveText('new to this model: rends, le — it knows English emoji names');
  await page.getByTestId('tab-main').click();
});

test('a skip link takes the keyboard to the results: first on the page, and right after Generate', async () => {
  await openOnce(app);
  // as on arrival: the keyboard starts at the top of the page (a click on its empty corner)
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.mouse.click(2, 2);
  await page.keyboard.press('Tab');
  const top = page.getByTestId('skip-to-results');
  await expect(top).toBeFocused();
  await expect(top).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('#results-main')).toBeFocused();
  // from Generate: within two Tab presses (Variations may be in between), then Enter
  await page.getByTestId('generate').focus();
  const skip = page.getByTestId('skip-to-results-t2i');
  for (let i = 0; i < 2 && !(await skip.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#results-main')).toBeFocused();
});

test('Canvas has one file picker', async () => {
  await openOnce(app);
  await page.getByTestId('tab-canvas').click();
  await expect(page.getByTestId('panel-canvas').locator('input[type=file]')).toHaveCount(1);
  await page.getByTestId('tab-main').click();
});

test('at 320 px no word of the page breaks across lines (★ recommended included)', async () => {
  await openOnce(app);
  if (!(await page.locator('.cell.recommended').count())) {
    await onlyF4(page);
    await page.getByTestId('prompt').fill('red apple');
    await generateMain(page);
  }
  await page.setViewportSize({ width: 320, height: 700 });
  await expect(page.locator('[data-testid=result-f4][data-recommended=true]')).toContainText('★ recommended');
  const broken = await page.evaluate(() => {
    const out: string[] = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement;
      if (!el || !el.checkVisibility() || el.closest('.skip-link')) continue;
      for (const m of (n.textContent ?? '').matchAll(/\S+/g)) {
        const r = document.createRange();
        r.setStart(n, m.index!);
        r.setEnd(n, m.index! + m[0].length);
        const tops = new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)));
        if (tops.size > 1) out.push(`"${m[0]}" in <${el.tagName.toLowerCase()} class="${el.className}">`);
      }
    }
    return out;
  });
  expect(broken).toEqual([]);
  // and kept whole, the label still sits inside its cell
  const [rec, cell] = await Promise.all([page.locator('.cell.recommended .rec').boundingBox(), page.locator('.cell.recommended').boundingBox()]);
  expect(rec!.x + rec!.width).toBeLessThanOrEqual(cell!.x + cell!.width + 0.5);
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('dark mode follows the system; axe finds no contrast problem in either scheme', async () => {
  await openOnce(app);
  const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await bg();
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await bg();
  const luma = (c: string) => {
    const [r, g, b] = c.match(/\d+/g)!.map(Number);
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  };
  expect(luma(light), light).toBeGreaterThan(0.9);
  expect(luma(dark), dark).toBeLessThan(0.2);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const tab of ['main', 'edit', 'canvas', 'understand']) {
      await page.getByTestId(`tab-${tab}`).click();
      const r = await new AxeBuilder({ page }).withRules(['color-contrast']).analyze();
      expect(r.violations.flatMap((v) => v.nodes.map((n) => `${scheme} ${tab}: ${n.target.join(' ')} ${n.failureSummary ?? ''}`))).toEqual([]);
    }
  }
  await page.emulateMedia({ colorScheme: null });
});
