#!/usr/bin/env node
// A tiny static server for the built site: COOP/COEP (cross-origin isolation -> threaded WASM),
// an optional sub-path (to prove the build works under one), and a request log the e2e tests
// read to check what really went over the network.
//   node e2e/static-server.mjs dist [--port 4173] [--base /puma/]
// PUMA_MODELS_DIR serves /models/ from another folder (dev exports); default dist/models.
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { CSP } from '../src/csp.mjs';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.onnx': 'application/octet-stream', '.svg': 'image/svg+xml', '.md': 'text/markdown' };

export function startServer({ root, port = 0, base = '/', modelsDir = process.env.PUMA_MODELS_DIR, isolate = true } = {}) {
  root = resolve(root);
  const log = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    log.push({ method: req.method, path: url.pathname, at: Date.now() });
    if (!url.pathname.startsWith(base)) {
      res.writeHead(404).end('not under base');
      return;
    }
    let rel = decodeURIComponent(url.pathname.slice(base.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    let dir = root;
    if (modelsDir && rel.startsWith('models/')) {
      dir = resolve(modelsDir);
      rel = rel.slice('models/'.length);
    }
    const file = normalize(join(dir, rel));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const st = statSync(file);
    // validators, as a static host sends them: a revalidation of an unchanged file (no-cache) is a 304,
    // not the whole file again (the runtime's .wasm is 14-28 MB)
    const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': st.size, 'Cache-Control': 'no-cache', ETag: etag, 'Last-Modified': st.mtime.toUTCString() };
    headers['Content-Security-Policy'] = CSP; // as a header it covers the workers too
    if (isolate) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' });
    if (req.headers['if-none-match'] === etag) {
      delete headers['Content-Length'];
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) =>
    server.listen(port, '127.0.0.1', () => {
      const p = server.address().port;
      ok({ server, log, port: p, url: `http://127.0.0.1:${p}${base}`, close: () => new Promise((r) => { server.close(r); server.closeAllConnections?.(); }) });
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
  const s = await startServer({ root: args[0] && !args[0].startsWith('--') ? args[0] : 'dist', port: Number(opt('--port', 4173)), base: opt('--base', '/'), isolate: !args.includes('--no-isolation') });
  console.log(`serving on ${s.url}`);
}
