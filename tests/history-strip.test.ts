// The history strip's Clear button: shown with entries, and with a message that clearing answers
// (the browser's quota, a newer page's history) when no entry is listed; not with one it cannot
// help (no storage at all). Rendered to HTML (react-dom/server) as the page renders it.
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { HistoryStrip } from '../src/newcomer/HistoryStrip';
import { noticeOf, ResultHistory, type AddResult } from '../src/resultHistory';
import { MemoryStorage } from './memory-storage';

const none = () => {};
/** the strip with no entry listed and the notice the store keeps of an add's result */
const strip = (r: AddResult | null) =>
  renderToString(createElement(HistoryStrip, { entries: [], notice: r && noticeOf(r), onPick: none, onClear: none }));

/** a Storage holding `value` under the history's key */
function holding(value: string): MemoryStorage {
  const st = new MemoryStorage();
  st.setItem('puma-web:history', value);
  return st;
}

const result = () => {
  const data = new Uint8ClampedArray(64 * 64 * 4).fill(200);
  return [{ scale: 'f0', image: { width: 64, height: 64, data } }];
};

describe('history strip: Clear', () => {
  it("is offered with a message that clearing answers, though no entry is listed; not with one it cannot", () => {
    const later = new ResultHistory(holding(JSON.stringify({ v: 4, entries: [] }))).add({ task: 'text-to-image', prompt: 'a cat', images: result() }, 64);
    const full = new ResultHistory(new MemoryStorage(100)).add({ task: 'text-to-image', prompt: 'a cat', images: result() }, 64);
    const off = new ResultHistory(null).add({ task: 'text-to-image', prompt: 'a cat', images: result() }, 64);
    for (const r of [later, full]) {
      expect(r.ok).toBe(false);
      const html = strip(r);
      expect(html).toContain(r.message!);
      expect(html).toContain('data-testid="history-clear"');
    }
    expect(off.clearable).toBeUndefined();
    const html = strip(off);
    expect(html).toContain('History is off');
    expect(html).not.toContain('data-testid="history-clear"');
    expect(strip(null)).toBe('');
  });
});
