// What the bench scripts share on the command line: the repository root and `--flag value` options.
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const args = process.argv.slice(2);
/** The value after flag `k` on the command line, or `d`. */
export const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
