import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkImageBytes, crc32 } from '../workers/lib/imageBytes';

const file = (p: string) => new Uint8Array(readFileSync(new URL(`../${p}`, import.meta.url)));

// real files of each format: emoji samples the page offers, the e2e fixtures, and a WebP and a
// progressive JPEG written by PIL from a sample (tests/fixtures)
const WHOLE: [string, string][] = [
  ['public/samples/google-1f319.png', 'png'],
  ['public/samples/twitter-1f412.png', 'png'],
  ['e2e/fixtures/transparent.png', 'png'],
  ['e2e/fixtures/cmyk.jpg', 'jpeg'],
  ['tests/fixtures/twitter-1f412-progressive.jpg', 'jpeg'],
  ['e2e/fixtures/animated.gif', 'gif'],
  ['tests/fixtures/twitter-1f412.webp', 'webp'],
];

describe('image bytes: whole files pass', () => {
  it.each(WHOLE)('%s is a whole %s', (p, fmt) => {
    expect(checkImageBytes(file(p))).toEqual({ format: fmt, problem: null });
  });

  it('trailing bytes after the end marker are tolerated (some tools append metadata)', () => {
    const b = file('public/samples/google-1f319.png');
    const padded = new Uint8Array(b.length + 10);
    padded.set(b);
    expect(checkImageBytes(padded).problem).toBeNull();
  });

  it('formats not checked here are left to the decoder', () => {
    expect(checkImageBytes(file('e2e/fixtures/drawing.svg'))).toEqual({ format: null, problem: null });
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('image bytes: truncated files are refused', () => {
  // cut each file at several points: just after the header, the middle, one byte short
  it.each(WHOLE)('%s cut anywhere is refused', (p) => {
    const b = file(p);
    for (const n of [16, Math.floor(b.length / 3), Math.floor(b.length / 2), b.length - 20, b.length - 1]) {
      const r = checkImageBytes(b.subarray(0, n));
      expect(r.problem, `${p} cut to ${n} of ${b.length} bytes`).toMatch(/cut short|damaged/);
    }
  });

  it('a truncated PNG says it was cut short', () => {
    const b = file('public/samples/google-1f604.png');
    expect(checkImageBytes(b.subarray(0, b.length >> 1)).problem).toMatch(/^is cut short/);
  });

  it('a flipped byte inside a PNG chunk fails its checksum', () => {
    const b = file('public/samples/google-1f604.png').slice();
    b[60] ^= 0x55;
    expect(checkImageBytes(b).problem).toMatch(/checksum/);
  });
});
