// Why a model file could not be had, in the words the page shows: no network, a file that does
// not match the manifest's hash, storage that refused it, or the server's answer. Pure, so the
// page's message and the worker's classification cannot drift apart.
import { IntegrityError } from '../lib/modelstore';

export type LoadFailureReason = 'offline' | 'integrity' | 'quota' | 'http' | 'other';

export interface LoadFailure {
  reason: LoadFailureReason;
  message: string;
  /** the cached copy failed its hash check and a fresh one could not be fetched */
  cachedCopyDamaged: boolean;
}

/** An error thrown while reading one file -> its reason. `online` is navigator.onLine where known. */
export function classifyLoadFailure(e: unknown, online?: boolean): LoadFailure {
  const err = e as { name?: string; message?: string; cachedCopyDamaged?: boolean } | null;
  const message = (err?.message || String(e)).replace(/^Error:\s*/, '');
  const cachedCopyDamaged = err?.cachedCopyDamaged === true;
  let reason: LoadFailureReason = 'other';
  if (e instanceof IntegrityError) reason = 'integrity';
  else if (err?.name === 'QuotaExceededError' || /quota/i.test(message)) reason = 'quota';
  else if (/HTTP \d{3}/.test(message)) reason = 'http';
  // fetch rejects with a TypeError ("Failed to fetch", "NetworkError ...") when there is no answer
  else if (online === false || err?.name === 'TypeError' || /failed to fetch|network ?error|load failed|ERR_INTERNET|ERR_FAILED/i.test(message)) reason = 'offline';
  return { reason, message, cachedCopyDamaged };
}

const WHY: Record<LoadFailureReason, string> = {
  offline: 'the network is unreachable (offline?)',
  integrity: 'the download does not match the manifest’s checksum',
  quota: 'the browser refused to store it (storage quota)',
  http: 'the server refused it',
  other: 'it could not be read',
};

/** "decoder_f0.onnx: the network is unreachable (offline?) — Failed to fetch" */
export function describeLoadFailure(file: string, f: Pick<LoadFailure, 'reason' | 'message' | 'cachedCopyDamaged'>): string {
  const damaged = f.cachedCopyDamaged ? 'its cached copy was damaged and ' : '';
  return `${file}: ${damaged}${WHY[f.reason]} (${f.message})`;
}
