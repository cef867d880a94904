import { defineConfig } from 'vitest/config';

/**
 * `npm run test:moto`: the built CLI and the S3 state against a moto server (see test/moto/README.md).
 * Apart from `npm test` because it needs moto (`pip install "moto[server]"`) and runs real processes.
 */
export default defineConfig({
  test: {
    include: ['test/moto/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 90_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    pool: 'forks',
    // Each file starts its own moto; two at a time is enough on a small machine.
    maxWorkers: 2,
  },
});
