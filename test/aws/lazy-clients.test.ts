import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../e2e/build.js';
import { loadedHolding, runWatchingLoads } from '../support/loaded-modules.js';

beforeAll(ensureBuilt, 120_000);

describe('IAM and SSM clients are loaded on their first call only', () => {
  it('status loads the EC2 client but neither the IAM nor the SSM one', () => {
    // Against an endpoint where nothing listens: status builds its AWS port, then fails at the
    // first call. The simulated account (--simulate) is a bundle of its own, so it is not used.
    // The ES module build (dist/cli.js and its chunks, as on a Node version other than the
    // build's), whose loads a module hook sees.
    const run = runWatchingLoads(['status', '--name', 'web'], {
      FIXED_IP_NO_CODE_CACHE: '1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      NO_COLOR: '1',
    });
    // The bundle's chunks are found by the SDK's exception class each client package defines.
    expect(run.status).not.toBe(0);
    expect(loadedHolding(run.stderr, 'EC2ServiceException').length).toBeGreaterThan(0);
    expect(loadedHolding(run.stderr, 'IAMServiceException')).toEqual([]);
    expect(loadedHolding(run.stderr, 'SSMServiceException')).toEqual([]);
  });
});
