// Fetching model files: streamed with byte progress, verified against the manifest's sha256,
// kept in the Cache API so a second visit needs no network. A cached file whose hash no longer
// matches (corrupt, or stale from an older manifest) is deleted and fetched again.

export interface FileProgress {
  file: string;
  loaded: number;
  total: number;
  source: 'network' | 'cache';
  /** the bytes are in; their sha256 is being checked */
  verifying?: boolean;
}

export interface StoreStatus {
  cache: 'ok' | 'unavailable';
  reason?: string;
}

export async function sha256Hex(buf: ArrayBuffer | Uint8Array): Promise<string> {
  const view = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  const d = await crypto.subtle.digest('SHA-256', view as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export class IntegrityError extends Error {}

/** Minimal part of the Cache API we use (so tests can pass an in-memory one). */
export interface CacheLike {
  match(key: string): Promise<Response | undefined>;
  put(key: string, res: Response): Promise<void>;
  delete(key: string): Promise<boolean>;
}

export interface ModelStoreOptions {
  cacheName?: string;
  /** Test hook: a cache to use instead of the Cache API. */
  cache?: CacheLike | null;
  fetchImpl?: typeof fetch;
}

export class ModelStore {
  status: StoreStatus = { cache: 'ok' };
  private cache: CacheLike | null = null;
  private ready: Promise<void>;
  private fetchImpl: typeof fetch;

  constructor(opts: ModelStoreOptions = {}) {
    this.fetchImpl = opts.fetchImpl ?? fetch.bind(globalThis);
    if (opts.cache !== undefined) {
      this.cache = opts.cache;
      if (!this.cache) this.status = { cache: 'unavailable', reason: 'disabled' };
      this.ready = Promise.resolve();
    } else {
      this.ready = this.openCache(opts.cacheName ?? 'puma-models-v1');
    }
  }

  private async openCache(name: string) {
    try {
      if (typeof caches === 'undefined') throw new Error('Cache API not available in this context');
      this.cache = await caches.open(name);
    } catch (e) {
      this.cache = null;
      this.status = { cache: 'unavailable', reason: (e as Error).message || String(e) };
    }
  }

  /** Cache key carries the hash, so a new manifest never reads an old file as current. */
  private key(url: string, sha: string) {
    return `${url}${url.includes('?') ? '&' : '?'}sha256=${sha}`;
  }

  async getStatus(): Promise<StoreStatus> {
    await this.ready;
    return this.status;
  }

  /** Returns the verified bytes of one file. */
  async load(url: string, sha256: string, bytes: number, onProgress?: (p: FileProgress) => void, signal?: AbortSignal): Promise<Uint8Array> {
    await this.ready;
    const file = url.split('/').pop() ?? url;
    const key = this.key(url, sha256);
    let damaged = false;
    if (this.cache) {
      try {
        const hit = await this.cache.match(key);
        if (hit) {
          const buf = new Uint8Array(await hit.arrayBuffer());
          if ((await sha256Hex(buf)) === sha256) {
            onProgress?.({ file, loaded: buf.byteLength, total: buf.byteLength, source: 'cache' });
            return buf;
          }
          damaged = true;
          await this.cache.delete(key); // corrupt or stale: drop and refetch
        }
      } catch (e) {
        this.disableCache(e);
      }
    }
    let buf: Uint8Array;
    try {
      buf = await this.download(url, file, bytes, onProgress, signal);
    } catch (e) {
      // the page says so: offline with a damaged cached copy is not the same as never cached
      if (damaged && e && typeof e === 'object') Object.assign(e, { cachedCopyDamaged: true });
      throw e;
    }
    onProgress?.({ file, loaded: buf.byteLength, total: buf.byteLength, source: 'network', verifying: true });
    const got = await sha256Hex(buf);
    if (got !== sha256) throw new IntegrityError(`${file}: sha256 ${got.slice(0, 12)}… does not match the manifest's ${sha256.slice(0, 12)}…`);
    if (this.cache) {
      try {
        await this.cache.put(key, new Response(buf as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } }));
      } catch (e) {
        this.disableCache(e); // e.g. QuotaExceededError: keep running, say so
      }
    }
    return buf;
  }

  private disableCache(e: unknown) {
    this.cache = null;
    this.status = { cache: 'unavailable', reason: (e as Error)?.message || String(e) };
  }

  private async download(url: string, file: string, bytes: number, onProgress?: (p: FileProgress) => void, signal?: AbortSignal) {
    // no-store: the HTTP cache must not hand us a stale copy behind the manifest's back
    const res = await this.fetchImpl(url, { cache: 'no-store', signal });
    if (!res.ok) throw new Error(`${file}: HTTP ${res.status}`);
    const total = Number(res.headers.get('content-length')) || bytes;
    if (!res.body) {
      const b = new Uint8Array(await res.arrayBuffer());
      onProgress?.({ file, loaded: b.byteLength, total, source: 'network' });
      return b;
    }
    const reader = res.body.getReader();
    const out = new Uint8Array(Math.max(total, bytes));
    let chunks: Uint8Array[] | null = null;
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!chunks && loaded + value.byteLength <= out.length) out.set(value, loaded);
      else {
        // larger than announced: fall back to collecting chunks (the hash check decides)
        if (!chunks) chunks = [out.slice(0, loaded)];
        chunks.push(value);
      }
      loaded += value.byteLength;
      onProgress?.({ file, loaded, total, source: 'network' });
    }
    if (!chunks) return out.byteLength === loaded ? out : out.slice(0, loaded);
    const all = new Uint8Array(loaded);
    let o = 0;
    for (const c of chunks) {
      all.set(c, o);
      o += c.byteLength;
    }
    return all;
  }
}
