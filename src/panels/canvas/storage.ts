// The canvas drawings, one per mode, kept in IndexedDB so they survive a reload. Failures
// (private mode, storage refused) are reported to the caller and the canvas keeps working.
import type { Drawing } from './history';

const DB = 'puma-canvas';
const STORE = 'drawings';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB unavailable'));
  });
}

let dbp: Promise<IDBDatabase> | null = null;
function db() {
  dbp ??= open();
  dbp.catch(() => (dbp = null));
  return dbp;
}

export async function loadDrawing(key: string): Promise<Drawing | null> {
  const d = await db();
  return new Promise((resolve, reject) => {
    const req = d.transaction(STORE, 'readonly').objectStore(STORE).get(key);
    req.onsuccess = () => resolve((req.result as Drawing | undefined) ?? null);
    req.onerror = () => reject(req.error);
  });
}

export async function saveDrawing(key: string, drawing: Drawing): Promise<void> {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(drawing, key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}
