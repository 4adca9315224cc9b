// Where the page's "Source" link points, decided at build time: PUMA_SOURCE_URL when set, else
// the repository a GitHub Actions build runs in (GITHUB_SERVER_URL/GITHUB_REPOSITORY, set by
// Actions itself: the Pages workflow needs no setting). Only an http(s) address is used; without
// one the page shows no Source link.

/** @param {Record<string, string | undefined>} env */
export function sourceUrl(env) {
  const candidates = [env.PUMA_SOURCE_URL, env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : undefined];
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
