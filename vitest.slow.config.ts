import { defineConfig } from 'vitest/config';

/**
 * `npm run test:slow`: the tests that take minutes or need the machine's tools, apart from
 * `npm test` (the contributor's two-minute gate) and run in CI on every Node version (.ci/run):
 * - the fault-injection matrices (every AWS call of setup and teardown interrupted, then run
 *   again) and the soak, on the simulator's virtual clock, one file per shape so they share the cores;
 * - the built CLI as a user runs it: a pseudo-terminal, real pipes, the packed tarball;
 * - the NAT instance's user data under shellcheck and in network namespaces (CI installs the
 *   tools, and there a missing one fails the test; elsewhere it skips, saying why).
 */
export const SLOW_TESTS = [
  'test/reliability/faults/**/*.test.ts',
  'test/reliability/soak.test.ts',
  'test/e2e/**/*.test.ts',
  'test/kinds/nat-instance-user-data.test.ts',
];

export default defineConfig({
  test: {
    include: SLOW_TESTS,
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    pool: 'forks',
    // Every core, and one module cache per worker for all its files (see vitest.config.ts). The
    // matrices are one file per shape, so they spread over the workers.
    maxWorkers: '100%',
    isolate: false,
  },
});
