#!/usr/bin/env node
// npm run bench: the built site in headless Chromium with both providers, and the same pipeline
// under onnxruntime-node (native floor) and onnxruntime-web/WASM in Node, in one run.
//   node bench/run.mjs [--providers wasm,webgpu] [--steps N] [--runs N] [--no-node] [--out bench/results] [--base-dist DIR] [--page-params K=V&...]
// Writes <out>/<host>-<date>.json and .md (each record names the machine and adapter).
// --base-dist DIR: the browser part runs on a second built site too (e.g. a copy of dist whose models/ are an earlier
// export), each site at its own manifest's steps unless --steps, and the report compares the two: a ratio from one run.
// --page-params: added to the page's address after ?ep= (e.g. threads=4: onnxruntime's WASM threads, src/pageEp.ts).
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import os from 'node:os';
import { findChromium, chromiumArgs } from '../e2e/chromium.mjs';
import { startServer } from '../e2e/static-server.mjs';
import { ROOT, args, opt } from './cli.mjs';

const providers = opt('--providers', 'wasm,webgpu').split(',');
const runs = Number(opt('--runs', 2));
const outDir = resolve(ROOT, opt('--out', 'bench/results'));
// PUMA_DIST: another build than dist/ (as the e2e specs take it), e.g. to compare two builds
const DIST = resolve(process.env.PUMA_DIST ?? resolve(ROOT, 'dist'));
const modelsDir = resolve(process.env.PUMA_MODELS_DIR ?? resolve(DIST, 'models'));
if (!existsSync(resolve(DIST, 'index.html'))) throw new Error('run `npm run build` first');
const manifest = JSON.parse(readFileSync(resolve(modelsDir, 'manifest.json'), 'utf8'));
const steps = Number(opt('--steps', manifest.sampler.steps));
const pageParams = opt('--page-params', '');
const baseDist = args.includes('--base-dist') ? resolve(opt('--base-dist')) : null;
const sites = [{ dist: DIST, manifest, steps, base: false }];
if (baseDist) {
  const m = JSON.parse(readFileSync(resolve(baseDist, 'models/manifest.json'), 'utf8'));
  sites.push({ dist: baseDist, manifest: m, steps: Number(opt('--steps', m.sampler.steps)), base: true });
}
const samples = JSON.parse(readFileSync(resolve(DIST, 'samples/samples.json'), 'utf8')).samples;
const sampleFile = resolve(DIST, 'samples', samples[0].file);

// the load average at the start and the end: on a shared VM other work competes for the cores (one run's ratio still holds)
const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, node: process.version, host: os.hostname(), loadAvgStart: os.loadavg().map((x) => Number(x.toFixed(2))) };
const records = [];
const log = (...a) => console.log('[bench]', ...a);

/** The page's steps control at `n`: a box when the model offers several counts, else the one count it shows. */
async function setSteps(page, n) {
  const control = page.getByTestId('steps');
  const shown = await control.evaluate((el) => (el instanceof HTMLSelectElement ? null : Number(el.dataset.steps)));
  if (shown === null) return control.selectOption(String(n));
  if (shown !== n) throw new Error(`--steps ${n}: this model draws with ${shown} steps only`);
}

// WebGPU on SwiftShader (CPU-emulated) runs once: it is slow; on a real GPU (PUMA_CHROMIUM_GPU=1,
// bench/browser-gpu) every run, so the first run's shader compilation shows against the next
const runsOf = (p) => (p === 'webgpu' && process.env.PUMA_CHROMIUM_GPU !== '1' ? 1 : runs);

/** One built site loaded in its own browser (first visit, then a reload: models cached), ready to time
 * runs: reconstruct(), and where the MLLM is there textToImage() and edit() (one run each call). */
async function openSite(provider, site) {
  const server = await startServer({ root: site.dist });
  const browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs(provider), headless: true });
  const close = async () => {
    await browser.close();
    await server.close();
  };
  try {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    // PUMA_BENCH_CONSOLE=1: the page's (and its workers') console and uncaught errors on stderr
    if (process.env.PUMA_BENCH_CONSOLE === '1') {
      page.on('console', (m) => console.error(`[page ${m.type()}]`, m.text()));
      page.on('pageerror', (e) => console.error('[page error]', e.message));
    }
    const timeline = () => page.evaluate(() => globalThis.__pumaTimeline());
    const load = async (reload) => {
      const t0 = Date.now();
      if (reload) await page.reload();
      else await page.goto(`${server.url}?ep=${provider}${pageParams ? `&${pageParams}` : ''}`);
      // page ready: the encoder and decoders are (reconstruction runs); the MLLM may go on loading
      // ('load-visual-ready'; 'load-done' / 'load-partial' once it has loaded or failed)
      await page.getByTestId('load-visual-ready').or(page.getByTestId('load-done')).or(page.getByTestId('load-partial')).or(page.getByTestId('error')).first().waitFor({ timeout: 10 * 60_000 });
      const err = await page.getByTestId('error').count();
      if (err) throw new Error(await page.getByTestId('error').textContent());
      const loaded = (await timeline()).find((e) => e.type === 'loaded');
      return { workerLoadMs: loaded.ms, pageToReadyMs: Date.now() - t0, fromCache: loaded.fromCache, phases: loaded.phases, runtimeStart: loaded.runtimeStart };
    };
    /** That page load's MLLM, from the page's timeline (its clock starts at the navigation): when the
     * page became ready for reconstructions ('ready') and when the MLLM had loaded ('mllm-loaded'),
     * the worker's time to it, every load phase, and whether the first run was asked for before it */
    const mllmReady = async () => {
      // (a build without an MLLM: ready, and nothing loading after it)
      const over = () => globalThis.__pumaTimeline().some((e) => e.type === 'mllm-loaded') || (globalThis.__pumaTimeline().some((e) => e.type === 'ready') && !globalThis.__pumaRuntime().mllmLoading);
      await page.waitForFunction(over, null, { timeout: 10 * 60_000, polling: 100 });
      const tl = await timeline();
      const m = tl.find((e) => e.type === 'mllm-loaded');
      const start = tl.find((e) => e.type === 'start');
      return { pageToReadyMs: tl.find((e) => e.type === 'ready')?.t, pageToMllmReadyMs: m?.t, workerMs: m?.ms, ok: m?.ok, fromCache: m?.fromCache, phases: m?.phases, firstRunBeforeMllm: start && m ? start.t < m.t : null };
    };
    /** one reconstruction of the first sample, timed from the page's own timeline */
    const reconstruct = async () => {
      const ends = () => page.evaluate(() => globalThis.__pumaTimeline().filter((e) => e.type === 'done' || e.type === 'cancelled').length);
      const before = await ends();
      await page.getByTestId('sample').first().click();
      await page.waitForFunction((n) => globalThis.__pumaTimeline().filter((e) => e.type === 'done' || e.type === 'cancelled').length > n, before, { timeout: 30 * 60_000, polling: 250 });
      const tl = await timeline();
      const start = tl.findLastIndex((e) => e.type === 'start');
      const ev = tl.slice(start);
      const t0 = ev[0].t;
      const scales = {};
      for (const e of ev.filter((x) => x.type === 'image')) scales[e.scale] = { doneAt: e.t - t0, stepMs: e.stepMs, psnr: e.psnr };
      const imgs = ev.filter((x) => x.type === 'image');
      // the run's events to its first image, on its own clock (where a cold first run's time goes)
      const toFirst = ev.slice(0, ev.indexOf(imgs[0]) + 1).map((e) => ({ type: e.type, t: Math.round((e.t - t0) * 10) / 10, ...(e.ms != null ? { ms: Math.round(e.ms * 10) / 10 } : {}), ...(e.scale ? { scale: e.scale } : {}) }));
      return { encodeMs: ev.find((x) => x.type === 'encoded').ms, firstImageMs: imgs[0].t - t0, allFiveMs: ev.find((x) => x.type === 'done').t - t0, scales, toFirst };
    };
    const cold = await load(false);
    // on a real GPU the first visit also runs once, as a first-time user would, before the reload: the
    // reload's first run is then a returning user's (models cached, and whatever shaders the browser kept)
    const firstVisitRun = process.env.PUMA_CHROMIUM_GPU === '1' ? (await setSteps(page, site.steps), await reconstruct()) : null;
    if (firstVisitRun) log(provider, `first visit run: first ${firstVisitRun.firstImageMs.toFixed(0)} ms, all five ${firstVisitRun.allFiveMs.toFixed(0)} ms`);
    const coldMllm = await mllmReady();
    const warm = await load(true);
    // read once the MLLM has loaded (benchProvider: after the first reconstruction, which must not wait
    // for it): where the MLLM runs is known from then on
    const runtime = () => page.evaluate(() => globalThis.__pumaRuntime());
    await setSteps(page, site.steps);
    const hasT2i = (await page.getByTestId('prompt').count()) > 0;
    /** text-to-image of "a red apple": the MLLM's own time, the first image, all five shown (the last image
     * event: what the user waits for), and the task's end ("done": after the plan's candidate chips and the
     * automatic scale choice, which follow the images) */
    const textToImage = async () => {
      await page.getByTestId('tab-main').click();
      await page.getByTestId('prompt').fill('a red apple');
      const before = await page.evaluate(() => globalThis.__pumaTimeline().filter((e) => e.type === 'done').length);
      await page.getByTestId('generate').click();
      await page.waitForFunction((n) => globalThis.__pumaTimeline().filter((e) => e.type === 'done').length > n, before, { timeout: 30 * 60_000, polling: 250 });
      const tl = await timeline();
      const ev = tl.slice(tl.findLastIndex((e) => e.type === 'start'));
      const t0 = ev[0].t;
      const mllmDone = ev.filter((e) => e.type === 'mllm' && e.scale === 'f0').at(-1);
      const images = ev.filter((e) => e.type === 'image');
      const decodeMs = images.reduce((a, e) => a + e.ms, 0);
      // the MLLM's own time: until it wrote f0, less the decodes that ran between its calls
      // (one call per plan token and per scale in scale order, one per token in token order);
      // f0's own decode follows the last call and is not among them
      const decodedBefore = images.filter((e) => e.t <= mllmDone.t).reduce((a, e) => a + e.ms, 0);
      return { firstImageMs: images[0].t - t0, allFiveMs: images.at(-1).t - t0, doneMs: ev.find((e) => e.type === 'done').t - t0, mllmMs: mllmDone.t - t0 - decodedBefore, decodeMs };
    };
    /** a conditional task: an edit of the first sample with the first suggested style instruction (a style
     * edit applies to every emoji; the tone suggestions turn unavailable for a sample without skin tones once
     * the word list is in, which can be after the chips first show), from the click to the five images and
     * the recommendation (polled every 50 ms in the page) */
    let editReady = false;
    const edit = async () => {
      await page.getByTestId('tab-edit').click();
      if (!editReady) {
        await page.locator('[data-testid=edit-sample]').first().click();
        await page.locator('[data-testid=edit-chip][data-kind=style]').first().click();
        editReady = true;
      }
      const t0 = await page.evaluate(() => performance.now());
      await page.getByTestId('edit-generate').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=edit-grid]')?.getAttribute('data-status') === 'running', null, { timeout: 120_000, polling: 50 });
      const first = await page.waitForFunction(() => document.querySelector('[data-testid^=edit-result-f][data-ready=true]') && performance.now(), null, { timeout: 30 * 60_000, polling: 50 });
      const firstAt = await first.jsonValue();
      const cells = await page.locator('[data-testid^=edit-result-f]').count();
      const shown = await page.waitForFunction((n) => document.querySelectorAll('[data-testid^=edit-result-f][data-ready=true]').length >= n && performance.now(), cells, { timeout: 30 * 60_000, polling: 50 });
      const done = await page.waitForFunction(() => document.querySelector('[data-testid=edit-grid]')?.getAttribute('data-status') === 'done' && performance.now(), null, { timeout: 30 * 60_000, polling: 50 });
      return { task: 'edit', instruction: await page.getByTestId('edit-instruction').inputValue(), firstImageMs: firstAt - t0, allFiveMs: (await shown.jsonValue()) - t0, doneMs: (await done.jsonValue()) - t0 };
    };
    const hasEdit = hasT2i && (await page.getByTestId('tab-edit').count()) > 0;
    return { cold, warm, coldMllm, mllmReady, firstVisitRun, runtime, browser: browser.version(), hasT2i, hasEdit, reconstruct, textToImage, edit, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Every site of one provider, opened side by side; each task's runs alternate between the sites (the order
 * flipped every round), so on a shared machine both see the same load. The reconstructions come first, then
 * text-to-image, then the edit, each `runsOf(provider)` times a site (the first of each pays first-call costs). */
async function benchProvider(p) {
  const opened = [];
  for (const site of sites) {
    log('browser', p, site.base ? baseLabel(site) : '');
    try {
      opened.push({ site, s: await openSite(p, site), runs: [], t2iRuns: [], condRuns: [] });
    } catch (e) {
      opened.push({ site, error: String(e.message ?? e) });
    }
  }
  const live = opened.filter((o) => !o.error);
  const rounds = async (name, task, into) => {
    for (let r = 0; r < runsOf(p); r++) {
      for (const o of r % 2 ? [...live].reverse() : live) {
        const x = await task(o);
        o[into].push(x);
        log(p, `${o.site.base ? 'base ' : ''}${name} run ${r}: first ${x.firstImageMs.toFixed(0)} ms, all five ${x.allFiveMs.toFixed(0)} ms${x.doneMs != null ? `, done ${x.doneMs.toFixed(0)} ms` : ''}`);
      }
    }
  };
  try {
    await rounds('reconstruction', (o) => o.s.reconstruct(), 'runs');
    // the reload's MLLM (read after the first reconstructions, which must not wait for it), then where it runs
    for (const o of live) {
      o.warmMllm = await o.s.mllmReady();
      o.runtime = await o.s.runtime();
    }
    if (live.length && live.every((o) => o.s.hasT2i)) await rounds('t2i', (o) => o.s.textToImage(), 't2iRuns');
    // the edit runs `runs` times everywhere (WebGPU's SwiftShader too: it is the task the 6 s target is about)
    if (live.length && live.every((o) => o.s.hasEdit)) for (let r = 0; r < runs; r++) for (const o of r % 2 ? [...live].reverse() : live) {
      const x = await o.s.edit();
      o.condRuns.push(x);
      log(p, `${o.site.base ? 'base ' : ''}edit run ${r}: first ${x.firstImageMs.toFixed(0)} ms, all five ${x.allFiveMs.toFixed(0)} ms, done ${x.doneMs.toFixed(0)} ms`);
    }
  } catch (e) {
    for (const o of live) o.error = String(e.message ?? e);
  } finally {
    for (const o of live) await o.s.close();
  }
  return opened;
}

const baseLabel = (s) => `base ${s.dist.replace(ROOT + '/', '')}, ${s.steps} steps`;
for (const p of providers) {
  for (const o of await benchProvider(p)) {
    const where = o.site.base ? `chromium (${p}), ${baseLabel(o.site)}` : `chromium (${p})`;
    if (o.error) {
      records.push({ where, provider: p, base: o.site.base || undefined, error: o.error });
      continue;
    }
    const r = o.s;
    // pageToReady*: from the navigation (first visit / reload) to the page being ready for reconstructions
    // (every visual file read, the encoder's and the first image's decoder's sessions: what the first image
    // waits for; the other decoders' are created after, PumaEngine.load); pageToMllmReady*: to the MLLM's
    // readiness (text to image and the MLLM's tabs), which loads after them, on the page's clock (ms
    // since the navigation). loadCold/WarmMs: the worker's load to the visual readiness; mllmLoad*Ms: to
    // the MLLM's. loadPhases*: every phase to the MLLM's readiness (PumaEngine.loadPhases: 'after ready: ...' ones came after page ready)
    const rt = o.runtime, wm = o.warmMllm ?? {};
    records.push({ where, provider: p, base: o.site.base || undefined, steps: o.site.steps, adapter: rt.adapter ?? (p === 'wasm' ? `wasm, ${rt.threads} threads, isolated=${rt.isolated}` : null), loadColdMs: r.cold.workerLoadMs, loadWarmMs: r.warm.workerLoadMs, loadPhasesCold: r.coldMllm.phases ?? r.cold.phases, loadPhasesWarm: wm.phases ?? r.warm.phases, runtimeStartCold: r.cold.runtimeStart, runtimeStartWarm: r.warm.runtimeStart, pageParams: pageParams || undefined, firstVisitRun: r.firstVisitRun ?? undefined,
      mllmLoadColdMs: r.coldMllm.workerMs, mllmLoadWarmMs: wm.workerMs, mllmOk: wm.ok, pageToMllmReadyColdMs: r.coldMllm.pageToMllmReadyMs, pageToMllmReadyWarmMs: wm.pageToMllmReadyMs,
      pageToReadyPageClockWarmMs: wm.pageToReadyMs, firstRunAskedBeforeMllmReady: wm.firstRunBeforeMllm,
      // navigation to the first image: page ready + the first reconstruction's first image, for a returning user
      // (models cached; the reload's first run) and, where it ran, a first-time one (the first visit's run)
      coldToFirstImageMs: r.warm.pageToReadyMs + o.runs[0].firstImageMs,
      // the same on the page's clock (from the navigation: without Playwright's reload call and polling)
      coldToFirstImagePageClockMs: wm.pageToReadyMs != null ? wm.pageToReadyMs + o.runs[0].firstImageMs : undefined,
      firstVisitToFirstImageMs: r.firstVisitRun ? r.cold.pageToReadyMs + r.firstVisitRun.firstImageMs : undefined, warmFromCache: r.warm.fromCache && wm.fromCache !== false, pageToReadyColdMs: r.cold.pageToReadyMs, pageToReadyWarmMs: r.warm.pageToReadyMs, browser: r.browser, runtime: rt, runs: o.runs, t2i: o.t2iRuns.at(-1) ?? null, t2iRuns: o.t2iRuns, cond: o.condRuns.at(-1) ?? null, condRuns: o.condRuns });
  }
}

if (!args.includes('--no-node')) {
  // imported here, not at the top: it needs Vite, which --no-node runs (bench/browser-gpu) do without
  const { benchNode, loadLib } = await import('./native.mjs');
  const { lib, close } = await loadLib();
  try {
    const ortNode = (await import('onnxruntime-node')).default ?? (await import('onnxruntime-node'));
    log('onnxruntime-node');
    const n = await benchNode({ ort: ortNode, name: 'onnxruntime-node', modelsDir, sample: sampleFile, steps, runs, lib });
    records.push({ where: 'node (onnxruntime-node, native CPU)', provider: 'cpu', adapter: `${machine.cores} cores`, loadColdMs: n.loadMs, runs: n.runs });
    log('onnxruntime-node, five decoders concurrently (worker-sharing experiment)');
    const par = await benchNode({ ort: ortNode, name: 'onnxruntime-node', modelsDir, sample: sampleFile, steps, runs, lib, concurrency: 'parallel', sessionOptions: { intraOpNumThreads: 1 } });
    records.push({ where: 'node (onnxruntime-node), 5 decoders concurrent, 1 thread each', provider: 'cpu', adapter: `${machine.cores} cores`, loadColdMs: par.loadMs, runs: par.runs });
    const ortWeb = await import('onnxruntime-web');
    ortWeb.env.wasm.numThreads = Math.min(4, machine.cores);
    log('onnxruntime-web wasm in node');
    const w = await benchNode({ ort: ortWeb, name: 'onnxruntime-web-wasm', modelsDir, sample: sampleFile, steps, runs, lib });
    records.push({ where: 'node (onnxruntime-web, WASM)', provider: 'wasm', adapter: `${ortWeb.env.wasm.numThreads} threads`, loadColdMs: w.loadMs, runs: w.runs });
  } finally {
    await close();
  }
}

// ---- report
const last = (r) => r.runs?.at(-1);
const f = (x) => (x == null ? '–' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const avgStep = (run, sc) => (run?.scales[sc]?.stepMs?.length ? run.scales[sc].stepMs.reduce((a, b) => a + b, 0) / run.scales[sc].stepMs.length : null);
const scaleNames = [...manifest.scales].reverse().map((s) => s.name);
const date = new Date().toISOString();
machine.loadAvgEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
let md = `# PUMA Web benchmark\n\n${date}, ${machine.cpu} (${machine.cores} cores, ${machine.memGB} GB), ${machine.os}, Node ${machine.node}; load average (1/5/15 min) ${machine.loadAvgStart.join('/')} at the start, ${machine.loadAvgEnd.join('/')} at the end.\n`;
// guidance-distilled decoders run one pass a step at the default guidance (lib/sampler.ts decoderGuidance)
const distilled = Object.values(manifest.models).some((e) => e.role === 'decoder' && e.distilled_guidance === manifest.sampler.guidance);
const stepDistilled = Object.values(manifest.models).find((e) => e.role === 'decoder' && e.step_distilled)?.step_distilled;
const decoderPasses = (stepDistilled ? `step-distilled decoders (${stepDistilled.to} steps for their teachers' ${stepDistilled.from}), ` : '') + (distilled ? `guidance-distilled decoders: one pass a step at guidance ${manifest.sampler.guidance} (WebGPU's GPU loop: the pair)` : 'CFG batch of 2');
md += `Models: ${modelsDir.replace(ROOT + '/', '')} (${(manifest.total_bytes / 1e6).toFixed(2)} MB, family ${manifest.family}, feature_dim ${manifest.feature_dim}); ${steps} DDIM steps, ${decoderPasses}; sample ${samples[0].file}. Times from the last of ${runs} runs (WebGPU: ${process.env.PUMA_CHROMIUM_GPU === '1' ? `${runs} runs on a real GPU` : '1 run'}).\n\n`;
md += `| where | adapter | load cold | load warm | encoder | ${scaleNames.map((s) => `${s} step`).join(' | ')} | first image (f4) | all five |\n|---|---|---|---|---|${scaleNames.map(() => '---').join('|')}|---|---|\n`;
for (const r of records) {
  if (r.error) {
    md += `| ${r.where} | error: ${r.error.replace(/\|/g, '/').slice(0, 120)} |\n`;
    continue;
  }
  const run = last(r);
  md += `| ${r.where} | ${r.adapter ?? ''} | ${f(r.loadColdMs)} | ${f(r.loadWarmMs)}${r.warmFromCache ? ' (cache)' : ''} | ${f(run?.encodeMs)} | ${scaleNames.map((s) => f(avgStep(run, s))).join(' | ')} | ${f(run?.firstImageMs)} | ${f(run?.allFiveMs)} |\n`;
}
const t2iRows = records.filter((r) => r.t2i);
if (t2iRows.length) {
  md += `\nText-to-image ("a red apple"; the MLLM writes its plan, then one call per scale, each scale decoded as soon as it exists) and a conditional task (an edit of the sample), last of the runs. "All five" is the fifth image shown; "done" adds what follows the images: the plan's candidate chips (more MLLM calls) and the automatic scale choice (each image encoded again):\n\n| where | MLLM on | MLLM (text-to-image) | first image (f4) | all five | done | edit: first image / all five / done |\n|---|---|---|---|---|---|---|\n`;
  for (const r of t2iRows) md += `| ${r.where} | ${r.runtime?.mllmProvider ?? '?'} | ${f(r.t2i.mllmMs)} | ${f(r.t2i.firstImageMs)} | ${f(r.t2i.allFiveMs)} | ${f(r.t2i.doneMs)} | ${r.cond ? `${f(r.cond.firstImageMs)} / ${f(r.cond.allFiveMs)} / ${f(r.cond.doneMs)}` : '–'} |\n`;
}
// --base-dist: each provider's two sites side by side, medians of the interleaved runs after each site's first
// (which pays first-call costs), and the ratio base / this (above 1: this site is faster)
const median = (xs) => {
  const v = [...xs].sort((x, y) => x - y);
  return v.length ? (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : null;
};
const settled = (rs) => (rs.length > 1 ? rs.slice(1) : rs);
const METRICS = [['reconstruction', 'runs'], ['text-to-image', 't2iRuns'], ['edit', 'condRuns']].flatMap(([task, key]) =>
  [['first image', 'firstImageMs'], ['all five', 'allFiveMs'], ['done', 'doneMs']].map(([what, k]) => ({ name: `${task}, ${what}`, key, k })));
const comparison = providers.flatMap((p) => {
  const now = records.find((r) => r.provider === p && r.where.startsWith('chromium') && !r.base && !r.error);
  const was = records.find((r) => r.provider === p && r.base && !r.error);
  if (!now || !was) return [];
  const rows = METRICS.flatMap(({ name, key, k }) => {
    const [a, b] = [was, now].map((r) => median(settled(r[key] ?? []).map((x) => x[k]).filter((x) => x != null)));
    return a != null && b != null ? [{ name, baseMs: a, thisMs: b, ratio: a / b, n: settled(now[key]).length }] : [];
  });
  return [{ provider: p, baseSteps: was.steps, steps: now.steps, rows }];
});
for (const c of comparison) {
  md += `\nAgainst the base site (${sites[1].dist.replace(ROOT + '/', '')}: ${(sites[1].manifest.total_bytes / 1e6).toFixed(2)} MB of models, ${c.baseSteps} DDIM steps) in this run, ${c.provider}: both sites open side by side, each task's runs alternating between them; medians of the runs after each site's first:\n\n| task | ${c.baseSteps} steps (base) | ${c.steps} steps (this site) | base / this | runs |\n|---|---|---|---|---|\n`;
  for (const r of c.rows) md += `| ${r.name} | ${f(r.baseMs)} | ${f(r.thisMs)} | ${r.ratio.toFixed(2)}x | ${r.n} |\n`;
}
const pageRows = records.filter((r) => r.pageToReadyColdMs != null);
if (pageRows.length) md += `\nPage to ready (navigation to the page ready for reconstructions: every visual file read, the encoder's and the first image's decoder's sessions, the other decoders' created after it; "load" above is the worker's own load to that point): ${pageRows.map((r) => `${r.where} first visit ${f(r.pageToReadyColdMs)}, reload ${f(r.pageToReadyWarmMs)}`).join('; ')}. Browser: ${pageRows[0].browser}.\n`;
if (pageRows.length) md += `\nPage to the MLLM ready (its session is created after every decoder's; page clock from the navigation; the worker's load to it in brackets): ${pageRows.map((r) => `${r.where} first visit ${f(r.pageToMllmReadyColdMs)} (${f(r.mllmLoadColdMs)}), reload ${f(r.pageToMllmReadyWarmMs)} (${f(r.mllmLoadWarmMs)})${r.mllmOk === false ? ' (the MLLM failed)' : ''}; the reload's first run was asked for ${r.firstRunAskedBeforeMllmReady ? 'before' : 'after'} the MLLM was ready`).join('; ')}.\n`;
if (pageRows.length) md += `\nNavigation to the first image (page ready + the first run's first image): ${pageRows.map((r) => `${r.where} returning (models cached) ${f(r.coldToFirstImageMs)}${r.coldToFirstImagePageClockMs != null ? ` (page clock ${f(r.coldToFirstImagePageClockMs)})` : ''}${r.firstVisitToFirstImageMs != null ? `, first visit ${f(r.firstVisitToFirstImageMs)}` : ''}`).join('; ')}.\n`;
const phaseText = (ph) => (ph ? Object.entries(ph).map(([k, v]) => `${k} ${f(v)}`).join(', ') : 'not recorded');
if (pageRows.length) md += `\nThe worker's load, phase by phase (PumaEngine.loadPhases; the 'after ready' ones came after the page was ready: each later decoder's own creation, ', in a run' where the run that needed it created it, and the MLLM's files and session from ready, those creations included): ${pageRows.map((r) => `${r.where} first visit: ${phaseText(r.loadPhasesCold)}; reload: ${phaseText(r.loadPhasesWarm)}`).join('; ')}.\n`;
const startText = (t) => (t ? `began ${f(t.at)} after the worker started: adapter ${f(t.adapterMs)}, onnxruntime's import ${f(t.importMs)}, its WASM module and threads ${f(t.wasmMs)}${t.backendMs != null ? `, the WebGPU backend and device ${f(t.backendMs)}` : ''}` : 'not recorded');
if (pageRows.length) md += `\nThe runtime's start, part by part (workers/engine/ort.ts startRuntime; "runtime start" above is what was left of it once the encoder's file was read): ${pageRows.map((r) => `${r.where}, ${r.runtime?.threads ?? '?'} WASM thread(s)${r.pageParams ? ` (${r.pageParams})` : ''}: first visit ${startText(r.runtimeStartCold)}; reload ${startText(r.runtimeStartWarm)}`).join('; ')}.\n`;
// PUMA_CHROMIUM_GPU=1 (e2e/chromium.mjs): WebGPU ran on the real GPU named in the adapter column
const webgpuNote = process.env.PUMA_CHROMIUM_GPU === '1' ? 'WebGPU here is the GPU named in the adapter column (PUMA_CHROMIUM_GPU=1, bench/browser-gpu).' : 'WebGPU here is SwiftShader (CPU emulation): correctness only, not a GPU timing.';
md += `\nTargets (DESIGN.md): text to all five <= 4 s, its first image <= 1 s, a conditional task <= 6 s, with WASM on 2 cores; browser within 2x of onnxruntime-node. ${webgpuNote}\n`;
mkdirSync(outDir, { recursive: true });
const stem = `${machine.host}-${date.slice(0, 16).replace(/[:T]/g, '-')}`;
writeFileSync(resolve(outDir, `${stem}.json`), JSON.stringify({ date, machine, steps, models: { dir: modelsDir, total_bytes: manifest.total_bytes, family: manifest.family }, base: baseDist ? { dist: baseDist, steps: sites[1].steps, total_bytes: sites[1].manifest.total_bytes } : undefined, comparison: baseDist ? comparison : undefined, records }, null, 2));
writeFileSync(resolve(outDir, `${stem}.md`), md);
console.log(md);
log(`wrote ${outDir}/${stem}.{json,md}`);
