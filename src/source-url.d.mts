export function sourceUrl(env: Record<string, string | undefined>, pkg?: { repository?: string | { url?: string } }): string;
