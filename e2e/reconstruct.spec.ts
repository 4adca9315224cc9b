// The granularity grid on the built site, once per execution provider (see playwright.config.ts).
import { test, expect, type Page, type Request } from '@playwright/test';
import { sharedPage, type Served } from './fixtures';
import { cancelMainRun, pickFewestSteps } from './tasks-helpers';

// Dev exports (tiny, untrained) reconstruct nothing; only with those may the quality check be skipped.
const UNTRAINED = process.env.PUMA_E2E_UNTRAINED === '1';

let server: Served;
let page: Page;
let provider: 'wasm' | 'webgpu';
const requests: string[] = [];
const cspViolations: string[] = [];
// the engine says (console.info, from the worker) when graph capture is refused or given up: on
// WebGPU neither the decoders nor the encoder (one image a run, gpu-encoder.ts) may give it up
// (that the engine asks for capture at all is tests/gpu-encoder.test.ts's)
const captureNotes: string[] = [];

// a sub-path proves the build works anywhere (base: './')
sharedPage(test, { base: '/puma/' }, (s) => {
  ({ server, page, provider } = s);
  s.context.on('request', (r: Request) => requests.push(r.url()));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    if (/graph capture (refused|failed)/i.test(m.text())) captureNotes.push(m.text());
  });
});

async function openApp() {
  // records whether the progress bars were ever shown, however fast the download is
  await page.addInitScript(() => {
    const seen = { total: false, maxBytes: 0 };
    (window as unknown as { __progressSeen: typeof seen }).__progressSeen = seen;
    new MutationObserver(() => {
      const p = document.querySelector('[data-testid=total-progress]') as HTMLProgressElement | null;
      if (p) {
        seen.total = true;
        seen.maxBytes = Math.max(seen.maxBytes, p.max);
      }
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  await page.goto(`${server.url}?ep=${provider}`);
  await expect(page.getByTestId('load-done').or(page.getByTestId('error'))).toBeVisible({ timeout: 5 * 60_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
}

async function pickFastestSteps() {
  // fewest allowed steps: WebGPU here is an emulator; the pipeline is the same for any count
  await pickFewestSteps(page);
}

const finishedRuns = () => page.evaluate(() => (globalThis as unknown as { __pumaTimeline: () => { type: string }[] }).__pumaTimeline().filter((e) => e.type === 'done').length);

async function runSample(index: number) {
  const before = await finishedRuns(); // the grid may still say 'done' from the previous run
  await page.getByTestId('sample').nth(index).click();
  await expect.poll(finishedRuns, { timeout: 15 * 60_000, intervals: [250] }).toBeGreaterThan(before);
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'done');
}

test('first visit: models download with progress, provider indicated @webgpu', async () => {
  await openApp();
  const seen = await page.evaluate(() => (window as unknown as { __progressSeen: { total: boolean; maxBytes: number } }).__progressSeen);
  expect(seen.total, 'total progress bar was shown').toBe(true);
  expect(seen.maxBytes).toBeGreaterThan(0);
  await expect(page.getByTestId('load-done')).toHaveAttribute('data-from-cache', 'false');
  await expect(page.getByTestId('provider')).toHaveAttribute('data-provider', provider);
  // where each model runs: the MLLM stays on WASM beside WebGPU decoders on an emulated adapter
  // (SwiftShader here), and says why
  await expect(page.getByTestId('provider')).toContainText(/^Encoder, decoders: /);
  await expect(page.getByTestId('provider-mllm')).toHaveAttribute('data-provider', 'wasm');
  await expect(page.getByTestId('provider-mllm')).toContainText(/^MLLM: WASM/);
  if (provider === 'webgpu') await expect(page.getByTestId('provider-mllm-reason')).toContainText('CPU-emulated');
  else await expect(page.getByTestId('provider-mllm-reason')).toHaveCount(0);
  const isolated = await page.evaluate(() => crossOriginIsolated);
  expect(isolated, 'COOP/COEP make the page cross-origin isolated').toBe(true);
  expect(server.log.some((r) => r.path.endsWith('.onnx'))).toBe(true);
  await page.screenshot({ path: test.info().outputPath(`loaded-${provider}.png`), fullPage: true });
});

test('a sample gives five 64x64 reconstructions that differ, f0 beats f4 on PSNR @webgpu', async () => {
  await pickFastestSteps();
  await runSample(0);
  const cells = page.locator('[data-testid^=result-f]');
  await expect(cells).toHaveCount(5);
  const results = await cells.evaluateAll((els) =>
    els.map((el) => {
      const c = el.querySelector('canvas') as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return { id: el.getAttribute('data-testid')!, w: c.width, h: c.height, psnr: Number(el.getAttribute('data-psnr')), px: Array.from(px) };
    }),
  );
  expect(results.map((r) => r.id)).toEqual(['result-f4', 'result-f3', 'result-f2', 'result-f1', 'result-f0']);
  for (const r of results) {
    expect([r.w, r.h]).toEqual([64, 64]);
    expect(Number.isFinite(r.psnr)).toBe(true);
  }
  for (let i = 0; i < results.length; i++) {
    for (let j = i + 1; j < results.length; j++) {
      let diff = 0;
      for (let k = 0; k < results[i].px.length; k++) diff += Math.abs(results[i].px[k] - results[j].px[k]);
      expect(diff, `${results[i].id} vs ${results[j].id} differ`).toBeGreaterThan(0);
    }
  }
  const psnr = Object.fromEntries(results.map((r) => [r.id.slice(7), r.psnr]));
  if (!UNTRAINED) expect(psnr.f0, `f0 ${psnr.f0} dB vs f4 ${psnr.f4} dB`).toBeGreaterThan(psnr.f4);
  expect(captureNotes, 'graph capture stayed on (decoders and encoder)').toEqual([]);
  await page.screenshot({ path: test.info().outputPath(`grid-${provider}.png`), fullPage: true });
  // large view + PNG download
  await page.getByRole('button', { name: 'Enlarge f0' }).click();
  const download = page.waitForEvent('download');
  await page.getByTestId('download').click();
  expect((await download).suggestedFilename()).toMatch(/f0\.png$/);
  await page.keyboard.press('Escape');
});

test('bad input gets a clear message and the page stays usable', async () => {
  const input = page.getByTestId('file-input');
  await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
  await expect(page.getByTestId('notice')).toContainText('not an image');
  await input.setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('\x89PNG\r\n\x1a\nthis is not really a png') });
  await expect(page.getByTestId('notice')).toContainText('could not be decoded');
  const onePixel = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  await input.setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: onePixel });
  await expect(page.getByTestId('notice')).toContainText('1x1');
  // the drop target takes files the same way
  const dropped = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['plain text'], 'dropped.txt', { type: 'text/plain' }));
    return dt;
  });
  await page.locator('section.picker').dispatchEvent('drop', { dataTransfer: dropped });
  await expect(page.getByTestId('notice')).toContainText('dropped.txt is not an image');
  await expect(page.getByTestId('sample').first()).toBeEnabled();
});

test('a cancelled run leaves the page usable', async () => {
  await page.getByTestId('sample').nth(1).click();
  await cancelMainRun(page);
  await expect(page.getByTestId('cancelled')).toBeVisible();
  await runSample(2); // the next run completes
  await expect(page.locator('[data-testid^=result-f][data-ready=true]')).toHaveCount(5);
});

test('second visit loads the models from the cache, with no model request', async () => {
  const before = server.log.length;
  await page.reload();
  await expect(page.getByTestId('load-done')).toBeVisible({ timeout: 5 * 60_000 });
  await expect(page.getByTestId('load-done')).toHaveAttribute('data-from-cache', 'true');
  const after = server.log.slice(before).map((r) => r.path);
  expect(after.filter((p) => p.endsWith('.onnx')), 'model files requested again').toEqual([]);
  await page.screenshot({ path: test.info().outputPath(`cached-${provider}.png`), fullPage: true });
});

test('losing the GPU device mid-run falls back to WASM and finishes @webgpu-only', async () => {
  await pickFastestSteps();
  const before = await finishedRuns();
  await page.getByTestId('sample').nth(3).click();
  await expect(page.getByTestId('grid')).toHaveAttribute('data-status', 'running');
  const worker = page.workers().find((w) => w.url().includes('pipeline.worker'));
  expect(worker, 'pipeline worker found').toBeTruthy();
  await worker!.evaluate(() => (globalThis as unknown as { __pumaGpuDevice: { destroy(): void } }).__pumaGpuDevice.destroy());
  await expect.poll(finishedRuns, { timeout: 15 * 60_000, intervals: [250] }).toBeGreaterThan(before);
  await expect(page.getByTestId('provider')).toHaveAttribute('data-provider', 'wasm');
  await expect(page.getByTestId('provider-reason')).toContainText('device lost');
  await expect(page.locator('[data-testid^=result-f][data-ready=true]')).toHaveCount(5);
  await page.screenshot({ path: test.info().outputPath('device-lost-fallback.png'), fullPage: true });
});

test('no request left the page origin', async () => {
  const origin = new URL(server.url).origin;
  const foreign = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
  expect(requests.length).toBeGreaterThan(0);
  expect(foreign).toEqual([]);
  expect(cspViolations, 'the CSP (self + wasm-unsafe-eval) blocked nothing the app needs').toEqual([]);
});
