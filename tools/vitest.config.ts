import { dirname } from 'node:path';
import { defineConfig } from 'vitest/config';

/** The repository root: this file lives in tools/. */
const root = dirname(import.meta.dirname);

export default defineConfig({
  root,
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'tools/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 120_000, // generous: suites share 2 cores with PostgreSQL and Chromium
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
