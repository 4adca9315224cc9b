// The history strip's Clear button: shown with entries, and with a message that clearing answers
// (the browser's quota, a newer page's history) when no entry is listed; not with one it cannot
// help (no storage at all). Rendered to HTML (react-dom/server) as the page renders it.
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { HistoryStrip } from '../src/newcomer/HistoryStrip';
import { ResultHistory, type StorageLike } from '../src/resultHistory';

const none = () => {};
const strip = (message: string | null, clearable: boolean) =>
  renderToString(createElement(HistoryStrip, { entries: [], message, clearable, onPick: none, onClear: none }));

/** a Storage holding only `value` under the history's key, and refusing every write past `quota` characters */
function storage(value: string | null, quota = Infinity): StorageLike {
  const map = new Map<string, string>(value == null ? [] : [['puma-web:history', value]]);
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => {
      if (v.length > quota) throw Object.assign(new Error('quota'), { name: 'QuotaExceededError' });
      map.set(k, v);
    },
    removeItem: (k) => void map.delete(k),
  };
}

const result = () => {
  const data = new Uint8ClampedArray(64 * 64 * 4).fill(200);
  return [{ scale: 'f0', image: { width: 64, height: 64, data } }];
};

describe('history strip: Clear', () => {
  it("is offered with a message that clearing answers, though no entry is listed; not with one it cannot", () => {
    const later = new ResultHistory(storage(JSON.stringify({ v: 4, entries: [] }))).add({ task: 'text-to-image', prompt: 'a cat', images: result() }, 64);
    const full = new ResultHistory(storage(null, 100)).add({ task: 'text-to-image', prompt: 'a cat', images: result() }, 64);
    const off = new ResultHistory(null).add({ task: 'text-to-image', prompt: 'a cat', images: result() }, 64);
    for (const r of [later, full]) {
      expect(r.ok).toBe(false);
      const html = strip(r.message, !!r.clearable);
      expect(html).toContain(r.message!);
      expect(html).toContain('data-testid="history-clear"');
    }
    expect(off.clearable).toBeUndefined();
    const html = strip(off.message, !!off.clearable);
    expect(html).toContain('History is off');
    expect(html).not.toContain('data-testid="history-clear"');
    expect(strip(null, false)).toBe('');
  });
});
