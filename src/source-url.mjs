// Where the page's "Source" link points, decided at build time: PUMA_SOURCE_URL when set, else
// the repository a GitHub Actions build runs in (GITHUB_SERVER_URL/GITHUB_REPOSITORY, set by
// Actions itself: the Pages workflow needs no setting), else package.json's `repository`.
// Only an http(s) address is used; without one the page shows no Source link.

/** @param {Record<string, string | undefined>} env @param {{ repository?: string | { url?: string } }} pkg */
export function sourceUrl(env, pkg = {}) {
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const candidates = [
    env.PUMA_SOURCE_URL,
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : undefined,
    repo?.replace(/^git\+/, '').replace(/\.git$/, ''),
  ];
  for (const c of candidates) {
    if (!c) continue;
    try {
      const u = new URL(c);
      if (u.protocol === 'https:' || u.protocol === 'http:') return u.href.replace(/\/$/, '');
    } catch {
      // not an address: try the next
    }
  }
  return '';
}
