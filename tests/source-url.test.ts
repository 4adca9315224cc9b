import { describe, expect, it } from 'vitest';
import { sourceUrl } from '../src/source-url.mjs';

describe('the Source link chosen at build time', () => {
  it('a GitHub Actions build links to its own repository', () => {
    expect(sourceUrl({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'someone/puma-web' })).toBe('https://github.com/someone/puma-web');
  });
  it('PUMA_SOURCE_URL wins over the Actions variables and package.json', () => {
    expect(sourceUrl({ PUMA_SOURCE_URL: 'https://example.org/puma/', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'a/b' }, { repository: 'https://x.y/z' })).toBe('https://example.org/puma');
  });
  it("package.json's repository, git+ and .git stripped", () => {
    expect(sourceUrl({}, { repository: { url: 'git+https://github.com/o/r.git' } })).toBe('https://github.com/o/r');
  });
  it('no address, or not http(s): no link', () => {
    expect(sourceUrl({})).toBe('');
    expect(sourceUrl({ PUMA_SOURCE_URL: 'javascript:alert(1)' })).toBe('');
    expect(sourceUrl({ PUMA_SOURCE_URL: 'not a url' }, { repository: 'github:o/r' })).toBe('');
  });
});
