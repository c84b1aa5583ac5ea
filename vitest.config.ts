import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // onnxruntime-node and better-sqlite3 are native addons, which behave in child processes
    // and can misbehave in worker threads.
    pool: 'forks',
    maxWorkers: 2,
  },
});
