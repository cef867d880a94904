import { defineConfig } from 'vitest/config';

/** The simulator's own tests, on their own (`npm test` in this folder); the CLI's `npm test` runs them too. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    isolate: false,
  },
});
