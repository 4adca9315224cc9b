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

/** Launch flags per provider: WebGPU on SwiftShader (no GPU here), or plain with the GPU off. */
export function chromiumArgs(provider) {
  if (provider === 'webgpu') return [...COMMON, '--enable-unsafe-webgpu', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--ignore-gpu-blocklist'];
  return [...COMMON, '--disable-gpu'];
}
