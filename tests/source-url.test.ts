import { describe, expect, it } from 'vitest';
import { sourceUrl } from '../src/source-url.mjs';

describe('the Source link chosen at build time', () => {
  it('a GitHub Actions build links to its own repository', () => {
    expect(sourceUrl({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'someone/puma-web' })).toBe('https://github.com/someone/puma-web');
  });
  it('PUMA_SOURCE_URL wins over the Actions variables', () => {
    expect(sourceUrl({ PUMA_SOURCE_URL: 'https://example.org/puma/', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'a/b' })).toBe('https://example.org/puma');
  });
  it('no address, or not http(s): no link (a bad PUMA_SOURCE_URL falls through to the Actions repository)', () => {
    expect(sourceUrl({})).toBe('');
    expect(sourceUrl({ PUMA_SOURCE_URL: 'javascript:alert(1)' })).toBe('');
    expect(sourceUrl({ PUMA_SOURCE_URL: 'not a url' })).toBe('');
    expect(sourceUrl({ PUMA_SOURCE_URL: 'not a url', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'a/b' })).toBe('https://github.com/a/b');
  });
});
