// workers/mllm/plan-draft.ts with the shipped tokenizer and plan spec: what it guesses comes from the
// prompt's words, the trained concepts' names and the manifest's styles and tones, and a guess always
// continues exactly what was written (token for token) or is no guess at all.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadManifest, requireFile } from './models';
import { PlanDrafter } from '../workers/mllm/plan-draft';
import { Tokenizer, type TokenizerJson } from '../workers/mllm/tokenizer';

const man = loadManifest();
const spec = man.mllm!.plan!;
const tok = new Tokenizer(JSON.parse(readFileSync(requireFile(man.models.tokenizer.file!), 'utf8')) as TokenizerJson);
const END = tok.id(spec.end);
const concepts = ['red apple', 'red heart', 'apple', 'rocket', 'thumbs up sign', 'cat', 'cat face'];
const ids = (text: string) => tok.encode(` ${text}`);
const said = (d: number[]) => [tok.decode(d.filter((t) => t !== END)).trim(), d.at(-1) === END];

describe('PlanDrafter', () => {
  const drafter = new PlanDrafter(spec, tok, concepts);

  it('completes a concept the prompt names, then the style and tone it names', () => {
    expect(said(drafter.plan('a red apple in twitter style', ids('red'), 24))).toEqual(['apple | twemoji | none', true]);
    expect(said(drafter.plan('thumbs up, dark skin tone', ids('thumbs'), 24))).toEqual(['up sign | noto | dark', true]);
  });

  it('without a named concept: the shortest name that continues; after the concept, the manifest first style and tone', () => {
    expect(said(drafter.plan('something round', ids('cat'), 24))).toEqual(['| noto | none', true]);
    expect(said(drafter.plan('x', ids('rocket |'), 24))).toEqual(['noto | none', true]);
    // the written style is kept; the tone guessed
    expect(said(drafter.plan('x', ids('rocket | twemoji |'), 24))).toEqual(['none', true]);
  });

  it('no guess where nothing continues what was written; a guess never passes the room left', () => {
    expect(drafter.plan('a red apple', ids('zebra'), 24)).toEqual([]);
    const d = drafter.plan('a red apple', ids('red'), 2);
    expect(d.length).toBe(2);
    expect(d).not.toContain(END);
    // concept names only: the rest of the concept and the separator
    expect(tok.decode(drafter.concept('a red apple', ids('red'), 10)).trim()).toBe('apple |');
    expect(new PlanDrafter(spec, tok).plan('a red apple', ids('red'), 24)).toEqual([]); // no names: no concept guess
  });
});
