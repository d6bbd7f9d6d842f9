import { defineConfig } from 'vitest/config';

// Shared by every project's vitest.config.ts. Training tests on the pure-JS
// backends are slow on CI's 2 cores, hence the generous timeouts.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
