import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/moto/**', 'node_modules/**'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 20_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // The pseudo-terminal test drives the built binary; everything else is in-process.
    pool: 'forks',
  },
});
