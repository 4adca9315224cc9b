// Runs the MLLM worker tests: npx vitest run --config workers/mllm/vitest.config.ts
// (the root vitest.config.ts includes tests/** only).
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['workers/mllm/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 300_000, // hooks create real sessions; not a perf limit
    pool: 'forks',
    fileParallelism: false,
  },
});
