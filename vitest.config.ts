import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'packages/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: two test files at a time, each with its own PGlite and PostgreSQL database.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
})
