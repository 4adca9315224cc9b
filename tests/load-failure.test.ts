import { describe, expect, it } from 'vitest';
import { classifyLoadFailure, describeLoadFailure } from '../workers/engine/load-failure';
import { IntegrityError } from '../workers/lib/modelstore';
import { checkPrompt } from '../src/inputValidation';
import { runTimeLine } from '../src/newcomer/runSummary';

describe('classifyLoadFailure', () => {
  it('tells offline, integrity, quota and HTTP apart', () => {
    expect(classifyLoadFailure(new TypeError('Failed to fetch')).reason).toBe('offline');
    expect(classifyLoadFailure(new Error('anything'), false).reason).toBe('offline');
    expect(classifyLoadFailure(new IntegrityError('x.onnx: sha256 abc does not match')).reason).toBe('integrity');
    expect(classifyLoadFailure(Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' })).reason).toBe('quota');
    expect(classifyLoadFailure(new Error('mllm_step.onnx: HTTP 404')).reason).toBe('http');
    expect(classifyLoadFailure(new Error('weird')).reason).toBe('other');
  });

  it('names the file, the reason and a damaged cached copy', () => {
    const e = Object.assign(new TypeError('Failed to fetch'), { cachedCopyDamaged: true });
    const f = classifyLoadFailure(e, true);
    expect(f.cachedCopyDamaged).toBe(true);
    const text = describeLoadFailure('decoder_f0.onnx', f);
    expect(text).toContain('decoder_f0.onnx');
    expect(text).toContain('cached copy was damaged');
    expect(text).toContain('offline');
  });
});

describe('checkPrompt for instructions and questions', () => {
  it('names what is too long or missing', () => {
    expect(checkPrompt('', 10, undefined, 'instruction').message).toContain('an instruction');
    expect(checkPrompt('a b c d e f', 3, (t) => t.split(' ').length, 'question').message).toContain('The question is too long: 6 tokens');
    expect(checkPrompt('a b', 3, (t) => t.split(' ').length, 'question').message).toBeNull();
  });
});

describe('runTimeLine', () => {
  it('says "All five" only when all five were made', () => {
    expect(runTimeLine(['f4', 'f3', 'f2', 'f1', 'f0'], 5, 3200)).toBe('All five in 3.20 s.');
    expect(runTimeLine(['f4'], 5, 400)).toBe('f4 in 0.40 s.');
    expect(runTimeLine(['f4', 'f3'], 5, 1100)).toBe('2 scales in 1.10 s.');
  });
});

describe('ModelStore: a damaged cached copy while offline', () => {
  it('fails with the reason offline and says the cached copy was damaged', async () => {
    const { ModelStore, sha256Hex } = await import('../workers/lib/modelstore');
    const good = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 255);
    const sha = await sha256Hex(good);
    const url = 'https://example.test/models/decoder_f0.onnx';
    const damaged = good.slice();
    damaged[100] ^= 0xff;
    const map = new Map<string, Uint8Array>([[`${url}?sha256=${sha}`, damaged]]);
    const cache = {
      match: async (k: string) => (map.has(k) ? new Response(map.get(k)! as Uint8Array<ArrayBuffer>) : undefined),
      put: async () => undefined,
      delete: async (k: string) => map.delete(k),
    };
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    const store = new ModelStore({ cache, fetchImpl: offline });
    const err = await store.load(url, sha, good.length).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    const f = classifyLoadFailure(err, false);
    expect(f).toMatchObject({ reason: 'offline', cachedCopyDamaged: true });
    expect(describeLoadFailure('decoder_f0.onnx', f)).toContain('cached copy was damaged');
  });
});
