export function sourceUrl(env: Record<string, string | undefined>): string;
