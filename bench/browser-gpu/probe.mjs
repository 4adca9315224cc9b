#!/usr/bin/env node
// What the browser sees of the GPU, before the bench (bench/browser-gpu/device.sh): the Chromium
// version, the WebGPU adapter a page gets (navigator.gpu.requestAdapter() as the page's engine calls
// it: info, features, a few limits), the GL renderer ANGLE runs WebGL on, and chrome://gpu's facts
// (CDP SystemInfo.getInfo: GPU ids, driver, feature status). Same launch as
// bench/run.mjs (e2e/chromium.mjs: CHROMIUM_PATH, PUMA_CHROMIUM_GPU=1), on a document of the built
// site's origin (a secure context, without starting the app).
//   node bench/browser-gpu/probe.mjs [OUT.json]
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { findChromium, chromiumArgs } from '../../e2e/chromium.mjs';
import { startServer } from '../../e2e/static-server.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const out = process.argv[2];
const server = await startServer({ root: resolve(ROOT, 'dist') });
const facts = { chromium: findChromium(), args: chromiumArgs('webgpu') };
const browser = await chromium.launch({ executablePath: facts.chromium, args: facts.args, headless: true, timeout: 120_000 });
try {
  facts.browserVersion = browser.version();
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  await page.goto(`${server.url}samples/samples.json`);
  Object.assign(facts, await page.evaluate(async () => {
    const r = { userAgent: navigator.userAgent, secureContext: isSecureContext, webgpu: !!navigator.gpu };
    if (navigator.gpu) {
      const t0 = performance.now();
      try {
        const a = await navigator.gpu.requestAdapter();
        r.requestAdapterMs = performance.now() - t0;
        if (a) {
          const info = {};
          for (const k of ['vendor', 'architecture', 'device', 'description', 'subgroupMinSize', 'subgroupMaxSize', 'isFallbackAdapter']) if (a.info?.[k] !== undefined) info[k] = a.info[k];
          const limits = {};
          for (const k of ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage']) limits[k] = a.limits[k];
          r.adapter = { info, isFallbackAdapter: a.isFallbackAdapter ?? a.info?.isFallbackAdapter, features: [...a.features].sort(), limits };
        } else r.adapter = null;
      } catch (e) {
        r.adapterError = String(e);
      }
    }
    const gl = document.createElement('canvas').getContext('webgl2');
    if (gl) {
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      r.webgl = { vendor: gl.getParameter(ext ? ext.UNMASKED_VENDOR_WEBGL : gl.VENDOR), renderer: gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) };
    } else r.webgl = null;
    return r;
  }));
  // chrome://gpu's facts (GPU ids, driver, feature status: what is hardware accelerated), over CDP
  try {
    const cdp = await browser.newBrowserCDPSession();
    const { gpu } = await cdp.send('SystemInfo.getInfo');
    facts.systemInfoGpu = { devices: gpu.devices, driverBugWorkarounds: gpu.driverBugWorkarounds?.length, featureStatus: gpu.featureStatus, auxAttributes: Object.fromEntries(Object.entries(gpu.auxAttributes ?? {}).filter(([k]) => !/Extensions$/.test(k))) };
  } catch (e) {
    facts.systemInfoGpu = `unavailable: ${e.message}`;
  }
} finally {
  await browser.close();
  await server.close();
}
const text = JSON.stringify(facts, null, 2);
if (out) writeFileSync(out, text);
console.log(text);
