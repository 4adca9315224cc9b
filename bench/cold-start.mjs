#!/usr/bin/env node
// Cold start as a returning user sees it (models cached): navigation to the first image, for one or
// more builds side by side in one session (interleaved rounds, so the machine's load falls on all
// alike). Each build gets its own server (its own origin, so its own model cache), one first visit
// that fills the cache, then per round three reloads:
//   recon-early  the first sample clicked as soon as the page shows it (the page queues it until
//                the models are ready): navigation to the reconstruction's first image
//   recon-ready  the sample clicked once the page says reconstruction is ready (what a user who
//                waits for the page does; Playwright's own polling adds a few ms)
//   t2i-early    a prompt typed and Generate pressed at once: navigation to its first image
// Times are the page's own clock (performance.now(), from the navigation; the timeline's `t`).
//   node bench/cold-start.mjs --builds before=/tmp/before/dist,after=dist [--rounds 3] [--out bench/results]
// Writes <out>/cold-start-<host>-<date>.json and .md.
import { chromium } from 'playwright-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import os from 'node:os';
import { findChromium, chromiumArgs } from '../e2e/chromium.mjs';
import { startServer } from '../e2e/static-server.mjs';
import { ROOT, opt } from './cli.mjs';

const builds = opt('--builds', 'after=dist').split(',').map((b) => {
  const [label, dir] = b.split('=');
  return { label, dist: resolve(ROOT, dir) };
});
const rounds = Number(opt('--rounds', 3));
const outDir = resolve(ROOT, opt('--out', 'bench/results'));
const log = (...a) => console.log('[cold-start]', ...a);
const TIMEOUT = 10 * 60_000;

const timeline = (page) => page.evaluate(() => globalThis.__pumaTimeline());
// everything loaded (the MLLM too, or its failure) and nothing running: the next reload starts clean
const settled = (page) =>
  page.waitForFunction(
    () => {
      const rt = globalThis.__pumaRuntime();
      const tl = globalThis.__pumaTimeline();
      const loadOver = tl.some((e) => e.type === 'loaded') && !rt.mllmLoading;
      const starts = tl.filter((e) => e.type === 'start').length;
      const ends = tl.filter((e) => e.type === 'done' || e.type === 'cancelled').length;
      return loadOver && starts === ends && document.querySelector('[data-testid=error]') === null;
    },
    null,
    { timeout: TIMEOUT, polling: 100 },
  );
const firstImage = (page) => page.waitForFunction(() => globalThis.__pumaTimeline().find((e) => e.type === 'image')?.t, null, { timeout: TIMEOUT, polling: 20 }).then((h) => h.jsonValue());
// reconstruction ready: the patched page's line while the MLLM loads, or either build's end of load
const readyForReconstruction = (page) => page.getByTestId('load-visual-ready').or(page.getByTestId('load-done')).or(page.getByTestId('load-partial')).first().waitFor({ timeout: TIMEOUT });

const SCENARIOS = {
  async 'recon-early'(page) {
    await page.getByTestId('sample').first().click();
  },
  async 'recon-ready'(page) {
    await readyForReconstruction(page);
    await page.getByTestId('sample').first().click();
  },
  async 't2i-early'(page) {
    await page.getByTestId('prompt').fill('a red apple');
    await page.getByTestId('generate').click();
  },
};

async function open(b) {
  const server = await startServer({ root: b.dist });
  const browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs('wasm'), headless: true });
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => console.error(`[${b.label} page error]`, e.message));
  await page.goto(`${server.url}?ep=wasm`);
  await settled(page); // the first visit fills the cache
  return { ...b, server, browser, page };
}

async function measure(s, name) {
  const { page } = s;
  await page.reload();
  await SCENARIOS[name](page);
  const image = await firstImage(page);
  await settled(page);
  const tl = await timeline(page);
  const at = (type) => tl.find((e) => e.type === type)?.t;
  const loaded = tl.find((e) => e.type === 'loaded');
  // the run's wait in the worker: from the page's 'start' to the run's first event ('input', which a
  // reconstruction reports before its encode); text to image reports nothing before its first MLLM
  // output, so none for it
  const startAt = tl.findIndex((e) => e.type === 'start');
  const input = startAt >= 0 ? tl.slice(startAt + 1).find((e) => e.type === 'input') : null;
  const waitMs = input ? input.t - tl[startAt].t : null;
  // a build that loads the MLLM after the page is ready: the run was started before the MLLM's load
  // ended and began only after it (it waited behind the MLLM's session creation)
  const mllmAt = at('mllm-loaded');
  const waitedForMllm = input && mllmAt != null ? tl[startAt].t < mllmAt && input.t > mllmAt : null;
  return { image, waitMs, waitedForMllm, start: at('start'), loaded: at('loaded'), ready: at('ready'), mllmLoaded: at('mllm-loaded'), fromCache: loaded?.fromCache, phases: tl.find((e) => e.type === 'mllm-loaded')?.phases ?? loaded?.phases, runtime: loaded?.runtime };
}

const open_ = [];
try {
  for (const b of builds) open_.push(await open(b));
  const results = Object.fromEntries(builds.map((b) => [b.label, Object.fromEntries(Object.keys(SCENARIOS).map((n) => [n, []]))]));
  for (let r = 0; r < rounds; r++) {
    for (const name of Object.keys(SCENARIOS)) {
      for (const s of open_) {
        const m = await measure(s, name);
        results[s.label][name].push(m);
        log(`round ${r} ${s.label} ${name}: first image ${m.image.toFixed(0)} ms (waited for MLLM ${m.waitedForMllm}, ready ${m.ready?.toFixed(0) ?? '-'}, wait ${m.waitMs?.toFixed(0)}, loaded ${m.loaded?.toFixed(0)}, run start ${m.start?.toFixed(0)}, MLLM loaded ${m.mllmLoaded?.toFixed(0) ?? '-'})`);
      }
    }
  }
  const median = (xs) => {
    const v = xs.filter((x) => x != null).sort((a, b) => a - b);
    return v.length ? v[Math.floor((v.length - 1) / 2)] : null;
  };
  const host = os.hostname();
  const stamp = new Date().toISOString().slice(0, 16).replace(/[T:]/g, '-');
  const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, host, node: process.version, browser: open_[0].browser.version() };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(resolve(outDir, `cold-start-${host}-${stamp}.json`), JSON.stringify({ machine, rounds, builds: builds.map((b) => ({ label: b.label, dist: b.dist })), results }, null, 1));
  let md = `# Cold start, models cached (${stamp}, ${machine.cpu}, ${machine.cores} cores, Chromium ${machine.browser}, WASM)\n\n`;
  md += `Median of ${rounds} reloads each, page clock from the navigation (ms). "loaded": the page got the engine's load (the encoder and the first image's decoder; the other decoders are created after it); "run start": the page started the run; "run waited": from the run's start on the page to its first event ('input', before the encode): what the reconstruction waited for in the worker (and for the page's own thread, busy after a load); "MLLM loaded": the language model's load ended; "runs that waited for the MLLM": the reconstruction was started before the MLLM's load ended and began only after it.\n\n`;
  md += '| build | scenario | first image | loaded | run start | run waited | MLLM loaded | runs that waited for the MLLM | every first image |\n|---|---|---|---|---|---|---|---|---|\n';
  const f = (x) => (x == null ? '–' : x.toFixed(0));
  for (const b of builds) for (const [name, ms] of Object.entries(results[b.label])) md += `| ${b.label} | ${name} | ${f(median(ms.map((m) => m.image)))} | ${f(median(ms.map((m) => m.loaded)))} | ${f(median(ms.map((m) => m.start)))} | ${f(median(ms.map((m) => m.waitMs)))} | ${f(median(ms.map((m) => m.mllmLoaded)))} | ${ms.some((m) => m.waitedForMllm != null) ? `${ms.filter((m) => m.waitedForMllm).length} of ${ms.length}` : '–'} | ${ms.map((m) => f(m.image)).join(', ')} |\n`;
  writeFileSync(resolve(outDir, `cold-start-${host}-${stamp}.md`), md);
  console.log(md);
} finally {
  for (const s of open_) {
    await s.browser.close();
    await s.server.close();
  }
}
