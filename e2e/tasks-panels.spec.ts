// Every conditional task on the built site with the real models (WASM): colorize, inpaint, sketch
// (the Canvas panel), a skin-tone edit (Edit), a caption (Understand). `npm run screenshots` runs
// this spec with PUMA_SCREENSHOTS=1 to refresh docs/screenshots/.
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sharedPage } from './fixtures';
import { DIST, canvasMode, loadCanvasSample, gridPixels, samplePixels, psnrOver, meanChroma, range, generateAndWait, waitGridDone, COLORIZE_SAMPLE } from './tasks-helpers';

// only `npm run screenshots` writes docs/screenshots/; a test run never touches docs/
const SHOTS = process.env.PUMA_SCREENSHOTS ? resolve(import.meta.dirname, '../docs/screenshots') : null;

async function runInpaint(page: Page, provider: string, keepUnmasked = true) {
  await canvasMode(page, 'inpaint'); // the previous test's mask is cleared
  const sample = 'twitter-1f412.png'; // monkey
  await loadCanvasSample(page, sample);
  // paint a block over the centre with a wide brush (canvas 256 px working size)
  await page.getByTestId('canvas-size').fill('40');
  const box = (await page.getByTestId('canvas-draw').boundingBox())!;
  const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
  for (const fy of [0.38, 0.5, 0.62]) {
    await page.mouse.move(...at(0.35, fy));
    await page.mouse.down();
    await page.mouse.move(...at(0.65, fy), { steps: 8 });
    await page.mouse.up();
  }
  await page.getByTestId('canvas-keep-unmasked').setChecked(keepUnmasked);
  await generateAndWait(page, 'canvas');
  const cells = await gridPixels(page, 'canvas');
  const orig = await samplePixels(page, sample);
  // the model's input (the source cell): the masked pixels are white
  const src = await page.locator('[data-testid=canvas-grid] figure').first().locator('canvas').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, 64, 64).data));
  const white = (a: number[], p: number) => a[p * 4] === 255 && a[p * 4 + 1] === 255 && a[p * 4 + 2] === 255;
  const nonWhite = (a: number[], p: number, t = 250) => a[p * 4] < t || a[p * 4 + 1] < t || a[p * 4 + 2] < t;
  const masked = (p: number) => white(src, p) && nonWhite(orig, p);
  const hole = masked; // masked pixels where the emoji had paint
  const nHole = Array.from({ length: 4096 }, (_, p) => hole(p)).filter(Boolean).length;
  const keep = Object.fromEntries(cells.map((c) => [c.scale, psnrOver(c.data, orig, (p) => !masked(p))]));
  // share of the hole's pixels each scale paints (not white)
  const fill = Object.fromEntries(cells.map((c) => {
    let n = 0;
    for (let p = 0; p < 4096; p++) if (hole(p) && nonWhite(c.data, p, 235)) n++;
    return [c.scale, n / Math.max(nHole, 1)];
  }));
  const filled = Math.max(fill.f0, fill.f1);
  const holePsnr = Object.fromEntries(cells.map((c) => [c.scale, psnrOver(c.data, orig, hole)]));
  const srcHolePsnr = psnrOver(src, orig, hole);
  const r = { nHole, keep, fill, filled, holePsnr, srcHolePsnr };
  console.log(`[${provider}] inpaint ${sample} keepUnmasked=${keepUnmasked}: ${JSON.stringify(r)}`);
  return r;
}

// One page for the whole file: the models download and the sessions are created once (a page per
// test spent about 5 s of each on that). Each test starts from the tab and drawing it needs, and
// waits for the run its own Generate started (generateAndWait), so no result carries over. A failed
// test restarts the worker, which opens a fresh page for the tests after it.
test.describe('tasks', () => {
  let page: Page;
  let provider: string;
  sharedPage(test, { mllm: true, open: true, independent: true }, (s) => ({ page, provider } = s));

  test('colorize: a grayscale sample gets colour back, f0 closer to the colour original than f4', async () => {
    await canvasMode(page, 'colorize');
    await loadCanvasSample(page, COLORIZE_SAMPLE);
    await generateAndWait(page, 'canvas');
    const cells = await gridPixels(page, 'canvas');
    const orig = await samplePixels(page, COLORIZE_SAMPLE);
    const ps = Object.fromEntries(cells.map((c) => [c.scale, psnrOver(c.data, orig, () => true)]));
    const chroma = Object.fromEntries(cells.map((c) => [c.scale, meanChroma(c.data)]));
    console.log(`[${provider}] colorize ${COLORIZE_SAMPLE}: PSNR vs colour original ${JSON.stringify(ps)}; mean chroma ${JSON.stringify(chroma)} (original ${meanChroma(orig).toFixed(1)})`);
    for (const c of cells) expect([c.w, c.h]).toEqual([64, 64]);
    // the model was given grayscale (chroma 0): its outputs are coloured
    for (const c of cells) expect(chroma[c.scale], `${c.scale} has colour`).toBeGreaterThan(5);
    expect(ps.f0).toBeGreaterThan(ps.f4);
    if (SHOTS && provider === 'wasm') await page.getByTestId('panel-canvas').screenshot({ path: `${SHOTS}/canvas-colorize.png` });
  });

  test('inpaint, raw model output: the hole is filled, and f0 keeps the unmasked pixels better than f4', async () => {
    const m = await runInpaint(page, provider, false);
    expect(m.nHole, 'the painted mask made a hole in the emoji').toBeGreaterThan(150);
    // the faithful scales (f0, f1): the residual edit output copies part of the white hole at f0
    // (v3 on the monkey: f0 paints 0.44 of it), so at least one of the two must paint most of it
    expect(m.filled, 'the hole is no longer white in f0 or f1').toBeGreaterThan(0.5);
    expect(m.holePsnr.f0, 'f0 in the hole is closer to the original than the white hole was').toBeGreaterThan(m.srcHolePsnr);
    expect(m.keep.f0).toBeGreaterThan(m.keep.f4);
  });

  test('inpaint (default: keep unmasked pixels): unmasked pixels restored closely, the hole filled', async () => {
    // The model alone keeps them only roughly (residual edits: raw f0 about 21 dB outside the hole
    // on the monkey sample, f4 about 11), so the page pastes the original back outside the painted
    // hole (an option, on by default, as most inpainting tools do); the test above checks the raw model.
    const m = await runInpaint(page, provider, true);
    expect(m.keep.f0, 'f0 outside the hole').toBeGreaterThan(20);
    expect(m.keep.f4, 'f4 outside the hole').toBeGreaterThan(20);
    expect(m.filled, 'the hole is no longer white in f0 or f1').toBeGreaterThan(0.5);
    expect(m.holePsnr.f0).toBeGreaterThan(m.srcHolePsnr);
    if (SHOTS && provider === 'wasm') await page.getByTestId('panel-canvas').screenshot({ path: `${SHOTS}/canvas-inpaint.png` });
  });

  test('sketch: strokes give five non-blank images', async () => {
    await canvasMode(page, 'sketch');
    await page.getByTestId('canvas-color').fill('#000000');
    await page.getByTestId('canvas-size').fill('8');
    const box = (await page.getByTestId('canvas-draw').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const r = box.width * 0.35;
    await page.mouse.move(cx + r, cy);
    await page.mouse.down();
    for (let a = 0; a <= 64; a++) await page.mouse.move(cx + r * Math.cos((a / 64) * 2 * Math.PI), cy + r * Math.sin((a / 64) * 2 * Math.PI));
    await page.mouse.up();
    for (const dx of [-0.35, 0.35]) {
      await page.mouse.move(cx + dx * r, cy - 0.3 * r);
      await page.mouse.down();
      await page.mouse.move(cx + dx * r + 1, cy - 0.25 * r);
      await page.mouse.up();
    }
    await page.mouse.move(cx - 0.5 * r, cy + 0.3 * r);
    await page.mouse.down();
    await page.mouse.move(cx, cy + 0.55 * r, { steps: 6 });
    await page.mouse.move(cx + 0.5 * r, cy + 0.3 * r, { steps: 6 });
    await page.mouse.up();
    await generateAndWait(page, 'canvas');
    const cells = await gridPixels(page, 'canvas');
    for (const c of cells) {
      expect([c.w, c.h]).toEqual([64, 64]);
      expect(range(c.data), `${c.scale} is not blank`).toBeGreaterThan(30);
    }
    console.log(`[${provider}] sketch ranges ${cells.map((c) => `${c.scale}:${range(c.data).toFixed(0)}`).join(' ')}`);
    // black strokes are a line drawing: the MLLM draws it, no sketch editor (manifest mllm.sketch_edit's colour rule)
    await expect(page.getByTestId('canvas-plan-sketch-edited')).toHaveCount(0);
    await expect(page.getByTestId('canvas-mllm')).toHaveText(/^MLLM: (\d+)\/\1 feature tokens\. /);
    if (SHOTS && provider === 'wasm') await page.getByTestId('panel-canvas').screenshot({ path: `${SHOTS}/canvas-sketch.png` });
  });

  test('sketch: a colour image is redrawn along its edges by the sketch editor, and the plan bar says so', async () => {
    const m = (JSON.parse(readFileSync(resolve(DIST, 'models/manifest.json'), 'utf8')) as { mllm: { sketch_edit?: { model: string } } }).mllm;
    expect(m.sketch_edit, 'the built manifest ships a sketch editor (training/sketch_editor.py export)').toBeTruthy();
    await canvasMode(page, 'sketch');
    const sample = 'twitter-1f697.png';
    await loadCanvasSample(page, sample);
    await generateAndWait(page, 'canvas');
    await expect(page.getByTestId('canvas-plan-sketch-edited')).toContainText('Sketch editor: your image has colour');
    await expect(page.getByTestId('canvas-mllm')).toHaveText(/^MLLM: (\d+)\/\1 feature tokens, redrawn by the sketch editor\./);
    const cells = await gridPixels(page, 'canvas');
    expect(cells.map((c) => c.scale).sort()).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    for (const c of cells) expect(range(c.data), `${c.scale} is not blank`).toBeGreaterThan(30);
    // the editor keeps the given design: its f0 is closer to the image the edge map was taken from than a blank is
    const orig = await samplePixels(page, sample);
    const f0 = cells.find((c) => c.scale === 'f0')!;
    const white = new Array(orig.length).fill(255);
    const psnr = psnrOver(f0.data, orig, () => true);
    console.log(`[${provider}] colour sketch ${sample}: f0 PSNR vs the image ${psnr.toFixed(1)} dB (white: ${psnrOver(white, orig, () => true).toFixed(1)})`);
    expect(psnr).toBeGreaterThan(psnrOver(white, orig, () => true) + 3);
  });

  test('edit: a smiley gets no skin-tone suggestions; a tone instruction on an emoji with tones changes it and keeps 64x64', async () => {
    await page.getByTestId('tab-edit').click();
    await page.locator('[data-testid=edit-sample][data-file="google-1f604.png"]').click();
    await expect(page.getByTestId('edit-picked')).toBeVisible();
    // the sample's concept has no skin tones (words.json): the tone suggestions stay in place,
    // unavailable (aria-disabled, still focusable) with the reason shown and read out; a typed
    // tone request is warned about before it runs
    const tone = page.locator('[data-testid=edit-chip][data-kind=tone]');
    await expect(tone.first()).toHaveAttribute('aria-disabled', 'true');
    await expect(tone.first()).toHaveAccessibleDescription(/has no skin tones/);
    await expect(page.getByTestId('edit-chip-note')).toContainText('smiling face with open mouth and smiling eyes has no skin tones');
    await page.getByTestId('edit-instruction').fill('make it dark skin tone');
    await expect(page.getByTestId('edit-warning')).toContainText('asks for a skin tone');
    await page.getByTestId('edit-chip').filter({ hasText: 'Twemoji style' }).click();
    await expect(page.getByTestId('edit-instruction')).toHaveValue('draw it in twemoji style');
    await expect(page.getByTestId('edit-warning')).toHaveCount(0);
    // a held-out emoji that takes a tone: its tone suggestions are offered, and one runs
    const sample = 'google-1f64b-200d-2640-fe0f.png';
    await page.locator(`[data-testid=edit-sample][data-file="${sample}"]`).click();
    await expect(page.getByTestId('panel-edit').getByRole('img', { name: 'chosen image: woman raising hand' })).toBeVisible();
    await expect(tone.first()).not.toHaveAttribute('aria-disabled', 'true');
    await expect(page.getByTestId('edit-chip-note')).toHaveCount(0);
    const pick = tone.filter({ hasText: 'medium-dark' });
    await pick.click();
    await expect(page.getByTestId('edit-instruction')).toHaveValue(/medium-dark skin tone/);
    await generateAndWait(page, 'edit');
    const cells = await gridPixels(page, 'edit');
    const orig = await samplePixels(page, sample);
    for (const c of cells) {
      expect([c.w, c.h]).toEqual([64, 64]);
      let diff = 0;
      for (let i = 0; i < orig.length; i++) if (i % 4 !== 3) diff += Math.abs(c.data[i] - orig[i]);
      diff /= 64 * 64 * 3;
      expect(diff, `${c.scale} differs from the source`).toBeGreaterThan(1);
    }
    // a tone instruction names no style: not restyled (manifest mllm.restyle is for styles; where the manifest has a
    // tone editor, mllm.tone_edit, it draws this one: the test below)
    await expect(page.getByTestId('edit-plan-restyled')).toHaveCount(0);
    console.log(`[${provider}] edit ${sample} "medium-dark skin tone": PSNR vs source ${cells.map((c) => `${c.scale}:${psnrOver(c.data, orig, () => true).toFixed(1)}`).join(' ')}`);
    if (SHOTS && provider === 'wasm') await page.getByTestId('panel-edit').screenshot({ path: `${SHOTS}/edit.png` });
    // one click hands a result to Understand
    await page.getByTestId('edit-f0-to-understand').click();
    await expect(page.getByTestId('tab-understand')).toHaveAttribute('aria-selected', 'true');
  });

  test('edit: "make it dark skin tone" on a one-person drawing is drawn by the tone editor, and the plan bar says so', async () => {
    const m = (JSON.parse(readFileSync(resolve(DIST, 'models/manifest.json'), 'utf8')) as { mllm: { tone_edit?: { model: string; route: string } } }).mllm;
    expect(m.tone_edit, 'the built manifest ships a tone editor (training/tone_editor.py --export)').toBeTruthy();
    await page.getByTestId('tab-edit').click();
    const sample = 'google-1f64b-200d-2640-fe0f.png';   // woman raising hand: one person
    await page.locator(`[data-testid=edit-sample][data-file="${sample}"]`).click();
    await expect(page.getByTestId('panel-edit').getByRole('img', { name: 'chosen image: woman raising hand' })).toBeVisible();
    await page.getByTestId('edit-instruction').fill('make it dark skin tone');
    await generateAndWait(page, 'edit');
    await expect(page.getByTestId('edit-plan-tone-edited')).toContainText('Tone editor: the instruction asks for a skin tone');
    await expect(page.getByTestId('edit-plan-restyled')).toHaveCount(0);
    // the run's summary names who wrote the feature tokens: the editor, not the MLLM
    await expect(page.getByTestId('edit-mllm')).toHaveText(/^Tone editor: (\d+)\/\1 feature tokens/);
    // one person's tone in the plan (route "one": two people's are the MLLM's)
    const plan = (await page.getByTestId('edit-plan').getAttribute('data-plan'))!;
    expect(plan.split('|')[2]?.trim(), plan).not.toContain(' and ');
    const cells = await gridPixels(page, 'edit');
    const orig = await samplePixels(page, sample);
    expect(cells.map((c) => c.scale)).toEqual(['f4', 'f3', 'f2', 'f1', 'f0']);
    for (const c of cells) expect([c.w, c.h]).toEqual([64, 64]);
    // the editor redraws the given image: f0 keeps its design (close to the source), and is not the source
    const ps = Object.fromEntries(cells.map((c) => [c.scale, psnrOver(c.data, orig, () => true)]));
    expect(ps.f0).toBeGreaterThan(ps.f4);
    expect(cells.find((c) => c.scale === 'f0')!.data.some((v, i) => i % 4 !== 3 && Math.abs(v - orig[i]) > 32), 'f0 is not the source').toBe(true);
    console.log(`[${provider}] edit ${sample} "make it dark skin tone": tone editor, plan "${plan}"; PSNR vs source ${JSON.stringify(ps)}`);
  });

  test('edit: an instruction that names a style draws the manifest\'s restyled scales from its plan, and the plan bar says which', async () => {
    const m = (JSON.parse(readFileSync(resolve(DIST, 'models/manifest.json'), 'utf8')) as { mllm: { image_order: string[]; restyle?: { weights: number[] } } }).mllm;
    expect(m.restyle, 'the built manifest ships a restyle rule (training/restyle.py --write)').toBeTruthy();
    const fromPlan = m.image_order.filter((_, i) => m.restyle!.weights[i] !== 1);
    await page.getByTestId('tab-edit').click();
    await page.locator('[data-testid=edit-sample][data-file="google-1f604.png"]').click();
    await expect(page.getByTestId('edit-picked')).toBeVisible();
    await page.getByTestId('edit-chip').filter({ hasText: 'Twemoji style' }).click();
    await expect(page.getByTestId('edit-instruction')).toHaveValue('draw it in twemoji style');
    await generateAndWait(page, 'edit');
    // every scale from the plan reads as the whole drawing; some are named (src/components/restyleWords.ts)
    const part = fromPlan.length === m.image_order.length ? 'the whole drawing is' : `${fromPlan.join(', ')} ${fromPlan.length > 1 ? 'are' : 'is'}`;
    await expect(page.getByTestId('edit-plan-restyled')).toContainText(`so ${part} drawn from this plan`);
    await expect(page.getByTestId('edit-mllm'), 'a style edit is the MLLM\'s to draw').toHaveText(/^MLLM: (\d+)\/\1 feature tokens/);
    console.log(`[${provider}] edit google-1f604 "draw it in twemoji style": restyled ${fromPlan.join(', ')}; plan "${await page.getByTestId('edit-plan').getAttribute('data-plan')}"`);
  });

  test('edit: "Keep my design" draws a restyled edit again through the image, and the other button restyles it back', async () => {
    await page.getByTestId('tab-edit').click();
    await page.locator('[data-testid=edit-sample][data-file="google-1f604.png"]').click();
    await expect(page.getByTestId('edit-picked')).toBeVisible();
    await page.getByTestId('edit-chip').filter({ hasText: 'Twemoji style' }).click();
    await generateAndWait(page, 'edit');
    await expect(page.getByTestId('edit-plan-restyled')).toBeVisible();
    await expect(page.getByTestId('edit-plan-kept')).toHaveCount(0);
    if (SHOTS && provider === 'wasm') await page.getByTestId('panel-edit').screenshot({ path: `${SHOTS}/edit-restyled.png` });
    const restyled = await gridPixels(page, 'edit');
    // the run's own request: another seed typed meanwhile is not the re-run's (put back at the end: the page is shared)
    const seed = await page.getByTestId('seed').inputValue();
    await page.getByTestId('seed').fill(String(Number(seed) + 1));
    await page.getByTestId('edit-plan-keep-design').click();
    await expect(page.getByTestId('edit-grid'), 'the button started a run').toHaveAttribute('data-status', 'running');
    await waitGridDone(page, 'edit');
    await expect(page.getByTestId('edit-plan-kept')).toContainText('Kept your design');
    await expect(page.getByTestId('edit-plan-restyled')).toHaveCount(0);
    await expect(page.getByTestId('edit-plan-keep-design')).toHaveCount(0);
    const kept = await gridPixels(page, 'edit');
    const differs = kept.filter((c, i) => c.data.some((v, j) => v !== restyled[i].data[j])).map((c) => c.scale);
    expect(differs, 'the kept drawing is not the restyled one').toContain('f0');
    await page.getByTestId('edit-plan-restyle-again').click();
    await expect(page.getByTestId('edit-grid')).toHaveAttribute('data-status', 'running');
    await waitGridDone(page, 'edit');
    await expect(page.getByTestId('edit-plan-restyled')).toBeVisible();
    await expect(page.getByTestId('edit-plan-kept')).toHaveCount(0);
    // the same image, instruction and seed as the first run: the same drawing
    const again = await gridPixels(page, 'edit');
    for (const [i, c] of again.entries()) expect(c.data.every((v, j) => v === restyled[i].data[j]), `${c.scale} drawn as the first run drew it`).toBe(true);
    await page.getByTestId('seed').fill(seed);
    console.log(`[${provider}] edit google-1f604 "draw it in twemoji style" kept: differs from the restyled drawing at ${differs.join(', ')}`);
  });

  test('understand: a caption streams non-empty text; the 64x64 input is shown', async () => {
    await page.getByTestId('tab-understand').click();
    await page.locator('[data-testid=understand-sample][data-file="twitter-1f697.png"]').click();
    // the sample is fetched and decoded before it is the panel's image: ask only once it is
    await expect(page.getByTestId('panel-understand').getByRole('img', { name: 'chosen image: automobile' })).toBeVisible();
    await page.getByTestId('understand-caption').click();
    await expect(page.getByTestId('understand-answer')).toHaveAttribute('data-status', 'done', { timeout: 5 * 60_000 });
    const text = (await page.getByTestId('understand-answer-text').textContent())!.trim();
    expect(text.length).toBeGreaterThan(0);
    // the shipped model picks its caption among the look-alikes' names (manifest mllm.pick): the others are named
    await expect(page.getByTestId('understand-alternatives')).toContainText('the others:');
    const seen = await page.getByTestId('understand-seen').locator('canvas').evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
    expect(seen).toEqual([64, 64]);
    await page.getByTestId('understand-chip').filter({ hasText: 'Category' }).click();
    await page.getByTestId('understand-ask').click();
    await expect(page.getByTestId('understand-answer')).toHaveAttribute('data-status', 'done', { timeout: 5 * 60_000 });
    const cat = (await page.getByTestId('understand-answer-text').textContent())!.trim();
    await expect(page.getByTestId('understand-alternatives'), 'another question is answered, not picked').toHaveCount(0);
    console.log(`[${provider}] caption of twitter-1f697 (automobile): "${text}"; category: "${cat}"`);
    if (SHOTS && provider === 'wasm') await page.getByTestId('panel-understand').screenshot({ path: `${SHOTS}/understand.png` });
  });
});
