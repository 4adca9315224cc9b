import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../workers/mllm/tokenizer';
import { checkGuidance, checkPrompt, type Checked, checkSeed, checkSteps, fixedStepsText, hasBidiControls, promptCounter, promptTokenBound, stripBidiControls, SEED_MAX } from '../src/inputValidation';
import { allowedSteps, nearestSteps, tokenBudgets } from '../workers/lib/manifest';

const manifest = JSON.parse(readFileSync(new URL('../public/models/manifest.json', import.meta.url), 'utf8'));
const tok = new Tokenizer(JSON.parse(readFileSync(new URL('../public/models/tokenizer.json', import.meta.url), 'utf8')));
const count = (t: string) => tok.encode(' ' + t).length;
const limit = tokenBudgets(manifest.mllm).prompt;
const sampler = manifest.sampler;

/** The check refused the value, saying `why`. */
function expectRefused(r: Checked<unknown>, why: string | RegExp) {
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.message).toMatch(why);
}

describe('prompt', () => {
  it('the budget is the context less the plan and the image the MLLM writes', () => {
    // <s> prompt [IMG] f4..f0, or with a plan <s> prompt <ans> plan [IMG] f4..f0, fills the context
    const plan = manifest.mllm.plan ? 1 + manifest.mllm.plan.max_tokens : 0;
    expect(1 + limit + plan + 1 + manifest.mllm.image_tokens).toBe(manifest.mllm.ctx);
    expect(limit).toBeGreaterThan(0);
  });

  it('a 5000-character paste is refused with a message, not cut', () => {
    const paste = 'a red apple on a table '.repeat(220).slice(0, 5000);
    for (const c of [checkPrompt(paste, limit, count), checkPrompt(paste, limit)]) {
      expect(c.message).toMatch(/too long.*at most \d+.*nothing was cut/);
      expect(c.count).toBeGreaterThan(limit);
      expect(c.text.length).toBeGreaterThan(4000); // the text is kept whole
    }
  });

  it('a short prompt passes and the counter says how much is used', () => {
    const c = checkPrompt('  A  Red Apple ', limit, count);
    expect(c).toMatchObject({ text: 'a red apple', message: null, exact: true });
    expect(c.count).toBe(count('a red apple'));
    expect(promptCounter(c)).toBe(`${c.count} / ${limit} tokens`);
    expect(promptCounter(checkPrompt('a red apple', limit))).toMatch(/^≤ \d+ \/ \d+ tokens$/);
  });

  it('empty or blank prompts ask for text', () => {
    expect(checkPrompt('   \n ', limit).message).toMatch(/Type a prompt/);
  });

  it('the byte bound is never below the real token count (so it never lets a long prompt through)', () => {
    for (const s of ['a red apple', 'ÄÖÜ émoji 🍎🍎🍎 字', 'x'.repeat(900), 'thumbs up sign with medium skin tone']) {
      expect(promptTokenBound(s)).toBeGreaterThanOrEqual(count(s.toLowerCase().normalize('NFC').split(/\s+/).filter(Boolean).join(' ')));
    }
  });

  it('at the limit exactly it passes, one over it fails', () => {
    const fits = (n: number) => checkPrompt('x'.repeat(n), limit, (t) => t.length).message === null;
    expect(fits(limit)).toBe(true);
    expect(fits(limit + 1)).toBe(false);
  });
});

describe('sampler settings', () => {
  it('steps come from the manifest', () => {
    expect(allowedSteps(sampler)).toEqual([...sampler.allowed_steps].sort((a: number, b: number) => a - b));
    expect(checkSteps(String(sampler.steps), sampler)).toEqual({ ok: true, value: sampler.steps });
    expectRefused(checkSteps('7', sampler), sampler.allowed_steps.join(', '));
    expect(checkSteps('', sampler).ok).toBe(false);
    // without allowed_steps, the schedules' keys
    expect(allowedSteps({ ...sampler, allowed_steps: undefined })).toEqual(Object.keys(sampler.schedules).map(Number).sort((a, b) => a - b));
  });

  it('a count the model does not offer moves to the nearest it does (the fewer on a tie)', () => {
    expect(nearestSteps(10, [5])).toBe(5);
    expect(nearestSteps(7, [4, 6, 8, 10])).toBe(6);
    expect(nearestSteps(13, [4, 6, 8, 10, 15, 20])).toBe(15);
    expect(nearestSteps(1000, [4, 6])).toBe(6);
  });

  it('one offered count is shown with why there is no choice', () => {
    expect(fixedStepsText(5, { from: 10, to: 5 })).toEqual({ label: '5 (distilled)', title: expect.stringMatching(/in 5 steps what they did in 10/) });
    // not step-distilled (or distilled to another count): the count alone
    expect(fixedStepsText(5, null).label).toBe('5');
    expect(fixedStepsText(5, { from: 8, to: 4 }).label).toBe('5');
  });

  it('empty guidance is refused, not read as 0', () => {
    expectRefused(checkGuidance('', sampler), /empty/);
    expect(checkGuidance('  ', sampler).ok).toBe(false);
  });

  it('guidance 1,000,000 is refused; the default and 0 pass', () => {
    expectRefused(checkGuidance('1000000', sampler), /outside/);
    expect(checkGuidance(String(sampler.guidance), sampler)).toEqual({ ok: true, value: sampler.guidance });
    expect(checkGuidance('0', sampler)).toEqual({ ok: true, value: 0 });
    expect(checkGuidance('abc', sampler).ok).toBe(false);
    expect(checkGuidance(NaN, sampler).ok).toBe(false);
    expect(checkGuidance('-1', sampler).ok).toBe(false);
  });

  it('a range in the manifest wins over the fallback', () => {
    expect(checkGuidance('15', { ...sampler, guidance_range: [0, 20] }).ok).toBe(true);
    expect(checkGuidance('15', sampler).ok).toBe(false);
  });

  it('seeds are whole 32-bit numbers', () => {
    expect(checkSeed('1234')).toEqual({ ok: true, value: 1234 });
    expect(checkSeed(String(SEED_MAX))).toEqual({ ok: true, value: SEED_MAX });
    for (const bad of ['', '1.5', '-1', String(SEED_MAX + 1), 'seed', '1e400']) expect(checkSeed(bad).ok, bad).toBe(false);
  });
});

describe('bidi controls in user text', () => {
  it('are found and stripped for status lines', () => {
    const evil = 'apple\u202Eelppa\u202C \u2066x\u2069 \u200F';
    expect(hasBidiControls(evil)).toBe(true);
    expect(stripBidiControls(evil)).toBe('appleelppa x ');
    expect(hasBidiControls(stripBidiControls(evil))).toBe(false);
    expect(stripBidiControls('عربى text')).toBe('عربى text'); // letters of RTL scripts stay
  });
});
