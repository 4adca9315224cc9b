// An in-memory Storage for the history's tests: refuses a write past `quotaChars` characters as a
// browser's full localStorage does (QuotaExceededError).
import type { StorageLike } from '../src/resultHistory';

export class MemoryStorage implements StorageLike {
  map = new Map<string, string>();
  constructor(private quotaChars = Infinity) {}
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    if (v.length > this.quotaChars) throw Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}
