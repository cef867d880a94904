import { defineConfig } from 'vitest/config';
import { SLOW_TESTS } from './vitest.slow.config.js';

/**
 * `npm test`'s tests: everything in-process and quick. The slow tier (`npm run test:slow`,
 * vitest.slow.config.ts) and the moto suite (`npm run test:moto`, vitest.moto.config.ts) run on
 * their own; CI runs all three.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    exclude: ['test/moto/**', ...SLOW_TESTS, 'node_modules/**'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 20_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // A few tests run the built binary and some chdir, so processes, not threads. Every core (vitest
    // takes one fewer by default: half the machine on two), and one module cache per worker for
    // all its files (isolate: false): importing the SDK and src/ afresh for each of 55 files cost
    // more than the tests. Each file restores what it changes (SDK mocks, cwd, env, timers).
    pool: 'forks',
    maxWorkers: '100%',
    isolate: false,
  },
});
