import { defineConfig } from '@playwright/test';
// @ts-expect-error plain .mjs helper shared with the benchmark
import { chromiumArgs, findChromium } from './e2e/chromium.mjs';

const executablePath: string = findChromium();

// Two projects, one per execution provider, on the BUILT site (npm run build first).
// Timeouts are generous because WebGPU here is SwiftShader on a CPU: they are not performance
// limits (those live in bench/).
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 20 * 60_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  // an action waits at most 2 min for its element (a click on a button that never becomes enabled
  // fails then, instead of using up the 20 min test timeout)
  use: { screenshot: 'only-on-failure', trace: 'retain-on-failure', headless: true, actionTimeout: 2 * 60_000 },
  projects: [
    // every task on WASM; on WebGPU (SwiftShader in CI: correct, ~5x slower than WASM) a smoke set:
    // tests tagged @webgpu (reconstruction, text-to-image) and @webgpu-only (device loss -> WASM)
    { name: 'wasm', metadata: { provider: 'wasm' }, grepInvert: /@webgpu-only/, use: { launchOptions: { executablePath, args: chromiumArgs('wasm') } } },
    { name: 'webgpu', metadata: { provider: 'webgpu' }, grep: /@webgpu/, use: { launchOptions: { executablePath, args: chromiumArgs('webgpu') } } },
  ],
});
