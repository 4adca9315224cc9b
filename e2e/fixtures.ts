// One page per spec file, one setup: a server on the built site, a browser context and a page,
// made once in beforeAll (the models download and the sessions are created once, not per test)
// and closed in afterAll. A failed test restarts the worker, which makes them again. The tests
// run in order on that page (serial: after a failure the rest are skipped, as they build on it),
// unless `independent` says each test sets up what it needs.
//
//   let page: Page;
//   const app = sharedPage(test, { open: true }, (s) => ({ page } = s)); // app.server, app.context
import { expect, type Browser, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
// @ts-expect-error plain .mjs helper
import { startServer } from './static-server.mjs';
import { DIST, hasMllm, openApp } from './tasks-helpers';

export interface Served {
  url: string;
  /** every request the server answered, in order */
  log: { method: string; path: string; at: number }[];
  close(): Promise<void>;
}

export interface Shared {
  server: Served;
  context: BrowserContext;
  page: Page;
  /** the project's execution provider (playwright.config.ts) */
  provider: 'wasm' | 'webgpu';
}

interface Options {
  /** the site under a sub-path (it must work anywhere) and without COOP/COEP */
  base?: string;
  isolate?: boolean;
  /** the specs need the MLLM in the built manifest */
  mllm?: boolean;
  /** open the app and wait until its models are loaded (after `use` has seen the page) */
  open?: boolean;
  /** each test starts from the state it needs: a failure does not skip the tests after it */
  independent?: boolean;
}

type Hooks = { describe: { configure(o: { mode: 'serial' }): void }; beforeAll(f: (a: { browser: Browser }, info: TestInfo) => Promise<void>): void; afterAll(f: () => Promise<void>): void };

/** Registers the file's setup; `use` gets the server, context and page before the app opens. The
 * returned object is filled in then too (read it in tests and hooks, not at the top level). */
export function sharedPage(test: Hooks, o: Options, use: (s: Shared) => void = () => {}): Shared {
  if (!o.independent) test.describe.configure({ mode: 'serial' });
  const app = {} as Shared;
  let shared: Shared | undefined;
  test.beforeAll(async ({ browser }, info) => {
    if (!existsSync(resolve(DIST, 'index.html'))) throw new Error('dist/ is missing: run `npm run build` first');
    if (o.mllm) expect(hasMllm, 'the built manifest has the MLLM (npm run build with the models)').toBe(true);
    const server: Served = await startServer({ root: DIST, base: o.base ?? '/', isolate: o.isolate ?? true });
    const context = await browser.newContext();
    shared = { server, context, page: await context.newPage(), provider: info.project.metadata.provider as Shared['provider'] };
    Object.assign(app, shared);
    use(shared);
    if (o.open) await openApp(shared.page, server.url, shared.provider);
  });
  test.afterAll(async () => {
    await shared?.context.close();
    await shared?.server.close();
  });
  return app;
}

/** Opens the app unless an earlier test of the file has (with -g a later test runs alone). */
export async function openOnce(s: Shared) {
  if (!(await s.page.getByTestId('load-done').isVisible())) await openApp(s.page, s.server.url, s.provider);
}
