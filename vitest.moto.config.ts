import { defineConfig } from 'vitest/config';

/** `npm run test:moto`: the tests against moto's server (real S3 semantics, conditional writes). */
export default defineConfig({
  test: {
    include: ['test/moto/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    pool: 'forks',
    // Each file starts its own moto; two at a time is enough on a small machine.
    maxWorkers: 2,
  },
});
