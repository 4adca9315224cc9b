// workers/lib/sources.ts against training/transforms.py (golden file from tests/make_sources_golden.py),
// with the recipes parsed from the real manifest.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { maxAbsDiff } from './golden';
import { resolve } from 'node:path';
import { parseSourceRecipes, grayscaleSource, maskedSource, sketchSource, SourceError, makeSource } from '../workers/lib/sources';

const root = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(resolve(root, 'public/models/manifest.json'), 'utf8'));
const gold = JSON.parse(readFileSync(resolve(root, 'tests/fixtures/sources_golden.json'), 'utf8'));
const r = parseSourceRecipes(manifest.mllm.sources);
const x = Float32Array.from(gold.x);

describe('conditional sources', () => {
  it('reads the recipes from the manifest', () => {
    expect(r.luma.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(r.sobelClip).toBeGreaterThan(0);
    expect(r.maskFill).toBe(1);
  });
  it('grayscale matches Python', () => expect(maxAbsDiff(grayscaleSource(x, r), gold.gray)).toBeLessThan(1e-5));
  it('masked matches Python', () => expect(maxAbsDiff(maskedSource(x, Float32Array.from(gold.mask), r), gold.masked)).toBeLessThan(1e-6));
  it('Sobel edges match Python', () => expect(maxAbsDiff(sketchSource(x, r), gold.edges)).toBeLessThan(1e-5));
  it('rejects what it cannot read or use', () => {
    expect(() => parseSourceRecipes(undefined)).toThrow(SourceError);
    expect(() => parseSourceRecipes({ ...manifest.mllm.sources, sketch: 'canny' })).toThrow(/sketch recipe/);
    expect(() => maskedSource(x, new Float32Array(3), r)).toThrow(/mask/);
    expect(() => makeSource('inpaint', x, r)).toThrow(/mask/);
    expect(() => grayscaleSource(new Float32Array(10), r)).toThrow(SourceError);
  });
});

describe('pasteUnmasked', () => {
  it('keeps the original outside the hole and the decode inside it', async () => {
    const { pasteUnmasked } = await import('../workers/lib/sources');
    const s = 4;
    const n = s * s;
    const decoded = new Float32Array(3 * n).map((_, i) => i / 100);
    const original = new Float32Array(3 * n).fill(-1);
    const mask = new Float32Array(n);
    mask[5] = 1;
    mask[10] = 1;
    const out = pasteUnmasked(decoded, original, mask);
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < n; i++) expect(out[c * n + i]).toBe(mask[i] ? decoded[c * n + i] : -1);
    expect(() => pasteUnmasked(decoded, original, new Float32Array(3))).toThrow(/mask/);
  });
});
