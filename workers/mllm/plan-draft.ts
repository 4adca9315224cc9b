// Guesses of what a plan (or an answer) goes on to say, for verified-draft.ts: the model checks every
// guess, so a guess only decides how many graph calls the text costs, never what it says. The plan is
// " concept | style | tone" (the manifest's mllm.plan). Styles and tones come from the manifest;
// concept names from the trained concepts (words.json `concepts`, when the engine has them).
// Preference: the words the prompt says (a concept whose words it uses, a style or tone it names),
// then the shortest concept and the manifest's first style and tone.
import type { PlanSpec } from '../lib/manifest';
import { normalizeText, type Tokenizer } from './tokenizer';

export class PlanDrafter {
  private readonly sep: string;
  private readonly concepts: string[];
  private readonly end: number;

  constructor(
    private readonly spec: PlanSpec,
    private readonly tok: Tokenizer,
    concepts: Iterable<string> = [],
  ) {
    this.sep = spec.separator.trim();
    // shortest first: a name that is a prefix of another ("cat" / "cat face") is the likelier stop
    this.concepts = [...new Set([...concepts].map((c) => normalizeText(c)).filter((c) => c && !c.includes(this.sep)))].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    this.end = tok.id(spec.end);
  }

  /**
   * The tokens expected after the plan's `written` ids for this prompt (instruction), ending with
   * the plan's end token when the whole plan is guessed: at most `room` plan tokens. [] when no
   * guess continues what was written.
   */
  plan(prompt: string, written: number[], room: number): number[] {
    return this.first(written, this.guesses(prompt, written), room, this.end);
  }

  /** The rest of an answer begun by `written` (a caption is a concept's name; a question about style or tone
   * names one), ending with the end-of-answer token `eos` when it fits `room`; the shortest name first. */
  answer(written: number[], room: number, eos: number): number[] {
    const begun = normalizeText(this.tok.decode(written));
    const words = [...Object.values(this.spec.styles), ...this.spec.tones].filter((v) => v.startsWith(begun));
    return this.first(written, [...this.conceptGuesses('', begun), ...words], room, eos);
  }

  /** The rest of the concept begun by `written`, up to and including the separator. */
  concept(prompt: string, written: number[], room: number): number[] {
    const text = this.tok.decode(written);
    return this.first(written, this.conceptGuesses(normalizeText(prompt), text).map((c) => `${c} ${this.sep}`), room, null);
  }

  /** The rest of the first text that continues `written` token for token, at most `room` tokens, then `end`
   * (the text's end token; null: none) where the whole rest fits. */
  private first(written: number[], texts: string[], room: number, end: number | null): number[] {
    for (const t of texts) {
      const ids = this.tok.encode(` ${normalizeText(t)}`);
      if (ids.length <= written.length || written.some((x, i) => ids[i] !== x)) continue;
      const rest = ids.slice(written.length);
      return end !== null && rest.length <= room ? [...rest, end] : rest.slice(0, room);
    }
    return [];
  }

  /** Whole plans that may continue `written`, best first. */
  private guesses(prompt: string, written: number[]): string[] {
    const p = normalizeText(prompt);
    const text = this.tok.decode(written);
    const fields = text.split(this.sep);
    const concepts = fields.length > 1 ? [fields[0].trim()] : this.conceptGuesses(p, text);
    const styles = fields.length > 2 ? [fields[1].trim()] : this.named(p, Object.values(this.spec.styles), this.spec.styles);
    const tones = this.named(p, this.spec.tones, {});
    const out: string[] = [];
    for (const c of concepts.slice(0, 3)) for (const s of styles) for (const t of tones) out.push([c, s, t].join(this.spec.separator));
    return out;
  }

  /** Concept names that continue the text written so far: those whose words the prompt uses first. */
  private conceptGuesses(prompt: string, text: string): string[] {
    const begun = normalizeText(text);
    const said = new Set(prompt.split(/[^\p{L}\p{N}'-]+/u).filter(Boolean));
    const fits = this.concepts.filter((c) => c.startsWith(begun));
    const score = (c: string) => c.split(' ').filter((w) => said.has(w)).length;
    return fits
      .map((c, i) => ({ c, i, s: score(c) }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .map((x) => x.c)
      .slice(0, 3);
  }

  /** The values the prompt names (a value, or a key that maps to it), longest name first; else all, in order. */
  private named(prompt: string, values: string[], aliases: Record<string, string>): string[] {
    const words = ` ${prompt.replace(/[^\p{L}\p{N}'-]+/gu, ' ')} `;
    const names: [string, string][] = [...values.map((v): [string, string] => [v, v]), ...Object.entries(aliases)];
    names.sort((a, b) => b[0].length - a[0].length);
    const hit = names.find(([n]) => words.includes(` ${n} `));
    return hit ? [hit[1], ...values.filter((v) => v !== hit[1])] : values;
  }
}
