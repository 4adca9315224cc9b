import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import examples from '../src/newcomer/examplePrompts.json';
import { pageFacts } from '../src/newcomer/pageFacts';
import { checkPrompt, guidanceNote } from '../src/inputValidation';
import { decoderKey, tokenBudgets } from '../workers/lib/manifest';
import { normalizeText, Tokenizer } from '../workers/mllm/tokenizer';

const json = (p: string) => JSON.parse(readFileSync(new URL(`../${p}`, import.meta.url), 'utf8'));
const manifest = json('public/models/manifest.json');

describe('example prompts', () => {
  const heldOut = new Set((json('training/splits/heldout_concept.json') as { name: string }[]).map((c) => c.name.toLowerCase()));
  const names = (pkg: string) => new Set((json(`node_modules/${pkg}/emoji.json`) as { name: string | null }[]).map((e) => (e.name ?? '').toLowerCase()));
  const google = names('emoji-datasource-google');
  const twitter = names('emoji-datasource-twitter');
  const tok = new Tokenizer(json('public/models/tokenizer.json'));
  const styles = Object.values(manifest.mllm.prompts.styles as Record<string, string>);
  const tones = manifest.mllm.prompts.skin_tones as string[];

  it('are a handful', () => {
    expect(examples.examples.length).toBeGreaterThanOrEqual(4);
    expect(examples.examples.length).toBeLessThanOrEqual(10);
  });

  it.each(examples.examples)('"$prompt" names a trained concept the model can read', ({ prompt, concept }) => {
    expect(google.has(concept) && twitter.has(concept), `${concept} in both training vendors`).toBe(true);
    expect(heldOut.has(concept), `${concept} is a held-out concept`).toBe(false);
    expect(prompt).toContain(concept);
    expect(normalizeText(prompt)).toBe(prompt); // already in the form the model reads
    expect(checkPrompt(prompt, tokenBudgets(manifest.mllm).prompt, (t) => tok.encode(' ' + t).length).message).toBeNull();
    // style and skin-tone words are the manifest's
    const style = prompt.match(/(\w+) style$/)?.[1];
    if (style) expect(styles).toContain(style);
    const tone = prompt.match(/with ([\w-]+) skin tone/)?.[1];
    if (tone) expect(tones).toContain(tone);
  });
});

describe('page facts from the manifest', () => {
  it('reads the shipped manifest', () => {
    const f = pageFacts(manifest);
    expect(f.family).toBe(manifest.family);
    expect(f.imageSize).toBe(manifest.image.size);
    expect(f.sampler.allowed_steps).toEqual(manifest.sampler.allowed_steps);
    expect(f.mllm?.ctx).toBe(manifest.mllm.ctx);
    expect(f.mllm?.prompts.caption).toBe(manifest.mllm.prompts.caption);
    // the shipped decoders are guidance-distilled at the default guidance
    expect(f.distilledGuidance).toBe(manifest.sampler.guidance);
    expect(pageFacts({ ...manifest, models: { encoder: manifest.models.encoder } }).distilledGuidance).toBeNull();
    // the shipped decoders are step-distilled: the count they were distilled to is the only one the sampler offers
    const sd = manifest.models[decoderKey(manifest, 'f0')].step_distilled!;
    expect(f.stepDistilled).toEqual({ from: sd.from, to: sd.to });
    expect(manifest.sampler.allowed_steps).toEqual([sd.to]);
    expect(pageFacts({ ...manifest, models: { encoder: manifest.models.encoder } }).stepDistilled).toBeNull();
  });

  it('notes a guidance below the distilled one, and nothing at or above it', () => {
    const w = pageFacts(manifest).distilledGuidance!;
    expect(guidanceNote(w - 1, w)).toMatch(/less detail/);
    expect(guidanceNote(w, w)).toBeNull();
    expect(guidanceNote(w + 1, w)).toBeNull();
    expect(guidanceNote(0.5, null)).toBeNull();
  });
});
