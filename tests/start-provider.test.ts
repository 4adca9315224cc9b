// The page starts the provider and its runtime once per worker while it boots (load-in-browser.ts
// startProvider, called by the page's `prepare` and again by the load, which reuses it); a start that
// failed is forgotten, so the next load tries again instead of failing on a stale promise.
import { describe, expect, it } from 'vitest';
import { startProvider } from '../workers/engine/load-in-browser';

describe('startProvider', () => {
  it('is begun once per provider choice and reused; a failed runtime start is forgotten', async () => {
    // the runtime's files are not where this base URL says: its start fails (as a broken deploy's would)
    const broken = { ep: 'wasm' as const, baseUrl: 'http://127.0.0.1:9/nowhere/' };
    const first = startProvider(broken);
    expect(startProvider(broken)).toBe(first); // the load reuses what prepare began
    const s = await first;
    expect(s.choice.provider).toBe('wasm');
    expect(s.choice.reason).toMatch(/ep=wasm/);
    await expect(s.runtime).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 0)); // the failure's own handler runs
    const again = startProvider(broken);
    expect(again).not.toBe(first); // forgotten: a retry starts afresh
    await (await again).runtime.catch(() => undefined);
  });
});
