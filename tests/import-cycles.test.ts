// No file of the page or the engine imports one that imports it back, directly or around a
// longer circle, `import type` included (a circle closed by types still ties the files' changes
// together). A circle is reported with its files in order.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SOURCE = /\.(ts|tsx)$/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' || d.name === 'fixtures' ? [] : files(p);
    return SOURCE.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

function imports(file: string, known: Set<string>): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
    const base = resolve(dirname(file), m[1]);
    const hit = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((c) => known.has(c));
    if (hit) out.push(hit);
  }
  return out;
}

it('src/ and workers/ have no import circle', () => {
  const all = [...files(join(ROOT, 'src')), ...files(join(ROOT, 'workers'))];
  const known = new Set(all);
  const graph = new Map(all.map((f) => [f, imports(f, known)]));
  const circles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    path.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') circles.push([...path.slice(path.indexOf(g)), g].map((p) => relative(ROOT, p)).join(' -> '));
      else if (!state.has(g)) visit(g);
    }
    path.pop();
    state.set(f, 'done');
  };
  for (const f of all) if (!state.has(f)) visit(f);
  expect(graph.size).toBeGreaterThan(50);
  expect(circles).toEqual([]);
});
