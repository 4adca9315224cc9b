// PUMA Web service worker. Two jobs, kept small:
// 1. Cross-origin isolation on static hosts: add COOP/COEP to our own responses (the same
//    trick as coi-serviceworker), so onnxruntime-web can use SharedArrayBuffer threads.
// 2. Offline app shell: same-origin files are fetched network-first and kept for offline use.
//    Model files are not touched here: the app verifies and caches them itself (Cache API).
const SHELL = 'puma-shell-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

function withIsolation(res) {
  if (res.status === 0) return res; // opaque: cannot be rewritten
  const headers = new Headers(res.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

// The offline copy is written only when the file changed: every page load fetches the runtime's
// .wasm (14-28 MB) network-first, and wrote the same bytes into the cache again while the runtime compiled them.
// Unchanged = the same validator (ETag, else Last-Modified) as the copy kept; without either, kept again.
// `copy` is a clone taken before the page reads the response; a copy not kept is cancelled, so its
// half of the stream is not buffered.
async function keep(cache, req, copy) {
  const old = await cache.match(req);
  const same = (h) => copy.headers.get(h) !== null && old?.headers.get(h) === copy.headers.get(h);
  if (old && (same('etag') || (!copy.headers.get('etag') && same('last-modified')))) return copy.body?.cancel();
  await cache.put(req, copy);
}

self.addEventListener('fetch', (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.includes('/models/')) return;
  if (req.cache === 'only-if-cached' && req.mode !== 'same-origin') return;
  e.respondWith(
    (async () => {
      const cache = await caches.open(SHELL).catch(() => null);
      try {
        const res = await fetch(req);
        if (res.ok && cache) keep(cache, req, res.clone()).catch(() => {});
        return withIsolation(res);
      } catch (err) {
        const hit = cache && (await cache.match(req, { ignoreSearch: req.mode === 'navigate' }));
        if (hit) return withIsolation(hit);
        throw err;
      }
    })(),
  );
});
