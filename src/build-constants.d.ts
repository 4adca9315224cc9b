/** The repository's address for the Source link, or '' (set by vite.config.ts from src/source-url.mjs). */
declare const __PUMA_SOURCE_URL__: string;
