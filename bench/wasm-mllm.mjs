// A models folder's MLLM under onnxruntime-web's WASM backend in Node, through the page's own code (Vite's SSR
// loader), its graph calls counted: what bench/mllm.mjs and bench/pick.mjs measure.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer } from 'vite';
import { ROOT } from './cli.mjs';

/** Runs body({ ort, load, man, files, sessions, counted, calls, tokenizer, loadMs }) with the sessions made,
 * then closes Vite. `load` imports a module of the page; `counted` are the sessions counting into calls.n. */
export async function withWasmMllm(dir, threads, body) {
  const vite = await createServer({ root: ROOT, configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false }, appType: 'custom', optimizeDeps: { noDiscovery: true } });
  try {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    const load = (path) => vite.ssrLoadModule(path);
    const { createMllmSessions } = await load('/workers/engine/puma-engine.ts');
    const { mllmFromFolder } = await load('/workers/engine/folder-files.ts');
    const man = JSON.parse(readFileSync(resolve(dir, 'manifest.json'), 'utf8'));
    const files = await mllmFromFolder(dir, man);
    const t0 = performance.now();
    const { sessions, tokenizer } = await createMllmSessions(ort, 'wasm', files.graphs, files.tokenizer);
    const loadMs = performance.now() - t0;
    const calls = { n: 0 };
    const count = (s) => ({ run: (f) => ((calls.n += 1), s.run(f)) });
    const counted = sessions.single ? { single: count(sessions.single) } : { prefill: count(sessions.prefill), step: count(sessions.step) };
    return await body({ ort, load, man, files, sessions, counted, calls, tokenizer, loadMs });
  } finally {
    await vite.close();
  }
}
