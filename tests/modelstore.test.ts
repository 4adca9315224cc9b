// ModelStore logic: verified downloads, cache hits, corrupt-cache recovery, storage refused.
// The cache here is an in-memory Cache-API stand-in and fetch serves real bytes from memory;
// the browser path (real Cache API) is covered by the e2e second-visit test.
import { describe, expect, it } from 'vitest';
import { IntegrityError, ModelStore, sha256Hex, type CacheLike } from '../workers/lib/modelstore';

class MemoryCache implements CacheLike {
  map = new Map<string, Uint8Array>();
  failPut = false;
  async match(k: string) {
    const v = this.map.get(k);
    return v ? new Response(v as Uint8Array<ArrayBuffer>) : undefined;
  }
  async put(k: string, r: Response) {
    if (this.failPut) throw new DOMException('quota', 'QuotaExceededError');
    this.map.set(k, new Uint8Array(await r.arrayBuffer()));
  }
  async delete(k: string) {
    return this.map.delete(k);
  }
}

const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 255);
function server(body: Uint8Array) {
  const calls: string[] = [];
  const fetchImpl = (async (url: string) => {
    calls.push(url);
    // stream in chunks so progress has several steps
    const stream = new ReadableStream({
      start(c) {
        for (let o = 0; o < body.length; o += 16384) c.enqueue(body.slice(o, o + 16384));
        c.close();
      },
    });
    return new Response(stream, { headers: { 'content-length': String(body.length) } });
  }) as unknown as typeof fetch;
  return { calls, fetchImpl };
}

/** An empty cache, a server of `bytes` and a store over both. */
function fresh() {
  const cache = new MemoryCache();
  const s = server(bytes);
  return { cache, s, store: new ModelStore({ cache, fetchImpl: s.fetchImpl }) };
}

describe('ModelStore', async () => {
  const sha = await sha256Hex(bytes);

  it('downloads with byte progress, verifies, caches, then serves from cache', async () => {
    const { s, store } = fresh();
    const seen: number[] = [];
    const got = await store.load('http://x/models/a.onnx', sha, bytes.length, (p) => seen.push(p.loaded));
    expect(got).toEqual(bytes);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toBe(bytes.length);
    let source = '';
    await store.load('http://x/models/a.onnx', sha, bytes.length, (p) => (source = p.source));
    expect(source).toBe('cache');
    expect(s.calls.length).toBe(1);
  });

  it('refetches a corrupt cached file', async () => {
    const { cache, s, store } = fresh();
    await store.load('http://x/m.onnx', sha, bytes.length);
    const [k] = [...cache.map.keys()];
    cache.map.set(k, bytes.slice(0, 500)); // truncated
    const got = await store.load('http://x/m.onnx', sha, bytes.length);
    expect(got).toEqual(bytes);
    expect(s.calls.length).toBe(2);
    expect(cache.map.get(k)).toEqual(bytes);
  });

  it('rejects a download whose hash does not match the manifest', async () => {
    const s = server(bytes.map((b) => b ^ 1));
    const store = new ModelStore({ cache: new MemoryCache(), fetchImpl: s.fetchImpl });
    await expect(store.load('http://x/m.onnx', sha, bytes.length)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('keeps working without storage and says so', async () => {
    const cache = new MemoryCache();
    cache.failPut = true;
    const s = server(bytes);
    const store = new ModelStore({ cache, fetchImpl: s.fetchImpl });
    expect(await store.load('http://x/m.onnx', sha, bytes.length)).toEqual(bytes);
    const st = await store.getStatus();
    expect(st.cache).toBe('unavailable');
    expect(st.reason).toMatch(/quota/);
    const noCache = new ModelStore({ cache: null, fetchImpl: s.fetchImpl });
    expect(await noCache.load('http://x/m.onnx', sha, bytes.length)).toEqual(bytes);
  });
});
