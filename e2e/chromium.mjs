// Finds a Chromium to drive: $CHROMIUM_PATH, Debian's /usr/bin/chromium, then Playwright's cache.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';

export function findChromium() {
  const cands = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const pwCache = process.env.PLAYWRIGHT_BROWSERS_PATH || join(homedir(), '.cache/ms-playwright');
  if (existsSync(pwCache)) {
    for (const d of readdirSync(pwCache).filter((x) => x.startsWith('chromium')).sort().reverse()) {
      cands.push(join(pwCache, d, 'chrome-linux/chrome'), join(pwCache, d, 'chrome-linux64/chrome'));
    }
  }
  const hit = cands.find((p) => p && existsSync(p));
  if (!hit) {
    throw new Error('No Chromium found. Install one with `apt-get install -y chromium` (or set CHROMIUM_PATH to a Chromium/Chrome binary).');
  }
  return hit;
}

const COMMON = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-default-apps', '--mute-audio'];

// WebGPU on a real GPU in headless mode (PUMA_CHROMIUM_GPU=1; bench/browser-gpu on the NVIDIA machine):
// Dawn and ANGLE both on Vulkan, whose driver (ICD) the Vulkan loader finds through
// VK_DRIVER_FILES / VK_ICD_FILENAMES; no window, so no Vulkan surface. /dev/shm may be small in a VM;
// Chromium's own log goes to stderr (the bench's DEBUG=pw:browser shows it).
const REAL_GPU = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=vulkan', '--disable-vulkan-surface', '--ignore-gpu-blocklist', '--disable-dev-shm-usage', '--enable-logging=stderr'];

/**
 * Launch flags per provider: WebGPU on SwiftShader (no GPU here), or plain with the GPU off.
 * PUMA_CHROMIUM_GPU=1 in the environment turns WebGPU to the real GPU's flags instead (unset: as before).
 */
export function chromiumArgs(provider) {
  if (provider === 'webgpu' && process.env.PUMA_CHROMIUM_GPU === '1') return [...COMMON, ...REAL_GPU];
  if (provider === 'webgpu') return [...COMMON, '--enable-unsafe-webgpu', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--ignore-gpu-blocklist'];
  return [...COMMON, '--disable-gpu'];
}
