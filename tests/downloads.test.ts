import { describe, expect, it } from 'vitest';
import { composeStrip, resultFileName, slugify, stripLayout, type StripItem } from '../src/downloads';
import type { RGBAImage } from '../workers/lib/image';

function img(side: number, fill: (x: number, y: number) => [number, number, number, number]): RGBAImage {
  const data = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) data.set(fill(x, y), (y * side + x) * 4);
  return { width: side, height: side, data };
}

describe('file names', () => {
  it('slugs are safe ASCII and capped at a word boundary', () => {
    expect(slugify('A Red Apple!')).toBe('a-red-apple');
    expect(slugify('Café crème brûlée')).toBe('cafe-creme-brulee');
    expect(slugify('../../etc/passwd')).toBe('etc-passwd');
    expect(slugify('🍎\u202E<script>')).toBe('script');
    expect(slugify('CON')).toBe('con');
    const long = slugify('thumbs up sign with medium dark skin tone in twemoji style please', 40);
    expect(long.length).toBeLessThanOrEqual(40);
    expect(long).toBe('thumbs-up-sign-with-medium-dark-skin');
    expect(slugify('🍎🍎')).toBe('');
  });

  it('names say the task, what was asked and the scale', () => {
    expect(resultFileName({ task: 't2i', prompt: 'A red apple', scale: 'f2' })).toBe('puma-t2i-a-red-apple-f2.png');
    expect(resultFileName({ task: 't2i', prompt: 'A red apple', seed: 1234 })).toBe('puma-t2i-a-red-apple-all-scales-seed1234.png');
    expect(resultFileName({ task: 'reconstruct', inputName: 'google-1f319.png', scale: 'f0' })).toBe('puma-reconstruct-google-1f319-f0.png');
    expect(resultFileName({ task: 'edit', prompt: 'make it dark skin tone', inputName: 'x.png', scale: 'f1' })).toBe('puma-edit-make-it-dark-skin-tone-f1.png');
    // nothing usable in the text: still a valid name
    expect(resultFileName({ task: 't2i', prompt: '🍎', scale: 'f4' })).toBe('puma-t2i-f4.png');
    for (const n of [resultFileName({ task: '../x', prompt: '/\\:*?"<>|', scale: '../f0' })]) expect(n).toMatch(/^[a-z0-9-]+\.png$/);
  });
});

describe('download-all strip', () => {
  const five: StripItem[] = ['f4', 'f3', 'f2', 'f1', 'f0'].map((label, i) => ({ label, image: img(64, (x, y) => [i * 50, x * 4, y * 4, 255]) }));

  it('lays five 64x64 images in one row at an integer zoom with room for labels', () => {
    const l = stripLayout(five, 128, 8, 20);
    expect(l.zoom).toBe(2);
    expect(l.cells).toHaveLength(5);
    expect(l.width).toBe(8 + 5 * (128 + 8));
    expect(l.height).toBe(8 + 128 + 20 + 8);
    for (let i = 1; i < 5; i++) expect(l.cells[i].x - l.cells[i - 1].x).toBe(136);
    expect(l.cells[0].labelY).toBeGreaterThan(l.cells[0].y + l.cells[0].h);
  });

  it('each cell holds its image, pixel for pixel (nearest zoom), on white', () => {
    const l = stripLayout(five);
    const s = composeStrip(five, l);
    expect(s.data.length).toBe(l.width * l.height * 4);
    const at = (x: number, y: number) => [...s.data.slice((y * s.width + x) * 4, (y * s.width + x) * 4 + 4)];
    five.forEach((it, i) => {
      const c = l.cells[i];
      for (const [sx, sy] of [[0, 0], [63, 0], [10, 37], [63, 63]]) {
        const src = [...it.image.data.slice((sy * 64 + sx) * 4, (sy * 64 + sx) * 4 + 4)];
        expect(at(c.x + sx * l.zoom, c.y + sy * l.zoom)).toEqual(src);
        expect(at(c.x + sx * l.zoom + l.zoom - 1, c.y + sy * l.zoom + l.zoom - 1)).toEqual(src);
      }
    });
    expect(at(2, 2)).toEqual([255, 255, 255, 255]); // margin
    expect(at(l.cells[0].x + 5, l.cells[0].y + l.cells[0].h + 3)).toEqual([255, 255, 255, 255]); // label band
  });

  it('transparent pixels come out white, as the page shows them', () => {
    const s = composeStrip([{ label: 'x', image: img(8, () => [0, 0, 0, 0]) }]);
    const l = stripLayout([{ label: 'x', image: img(8, () => [0, 0, 0, 0]) }]);
    const o = (l.cells[0].y * s.width + l.cells[0].x) * 4;
    expect([...s.data.slice(o, o + 4)]).toEqual([255, 255, 255, 255]);
  });

  it('refuses an empty strip', () => {
    expect(() => stripLayout([])).toThrow(/nothing/);
  });
});
