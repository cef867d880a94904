import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../e2e/build.js';
import { loadedHolding, runWatchingLoads } from '../support/loaded-modules.js';

beforeAll(ensureBuilt, 120_000);

describe('the S3 SDK is loaded only for an s3:// state', () => {
  it('a run with a local state never imports @aws-sdk/client-s3; an s3:// one does', () => {
    // Nothing listens there: the s3:// run fails at the bucket check, after loading the SDK.
    // The ES module build (dist/cli.js and its chunks), whose loads a module hook sees.
    const run = (args: string[]) =>
      runWatchingLoads(args, {
        FIXED_IP_NO_CODE_CACHE: '1',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
        NO_COLOR: '1',
      });
    // The modules a run loaded that hold the S3 SDK (in the bundle, or the package itself).
    const s3Modules = (stderr: string): string[] => loadedHolding(stderr, 'S3ServiceException', 'client-s3');
    const local = run(['status', '--simulate', '--name', 'web']);
    expect(local.stderr).toContain('no fixed-ip stack named "web"');
    expect(local.stderr).toContain('LOADED file:');
    expect(s3Modules(local.stderr)).toEqual([]);
    const remote = run(['status', '--simulate', '--name', 'web', '--state', 's3://team-state/web.json']);
    expect(s3Modules(remote.stderr).length).toBeGreaterThan(0);
    expect(remote.stderr).toContain('cannot reach the state bucket team-state');
  });
});
