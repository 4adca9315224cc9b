import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000, // parity tests run real models on the WASM backend; not a perf limit
    hookTimeout: 120_000, // their beforeAll creates every session: on 2 busy cores that passes 10 s
    pool: 'forks',
    fileParallelism: false, // 2 shared cores: one test file at a time
  },
});
