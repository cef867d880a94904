import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FixedIpError } from '../../src/errors.js';
import { defaultStateSetting, parseStateLocation } from '../../src/state/location.js';
import { storeFactory, type StoreFactoryOptions } from '../../src/state/open.js';
import { s3StatePolicy } from '../../src/state/s3-policy.js';
import { FileStateStore } from '../../src/state/store.js';

function thrown(run: () => unknown): FixedIpError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FixedIpError);
    return error as FixedIpError;
  }
  throw new Error('expected an error');
}

describe('state locations', () => {
  it('reads s3:// URLs, and a trailing "/" as one object per stack', () => {
    expect(parseStateLocation('s3://team-state/fixed-ip/prod.json', 'web')).toMatchObject({
      kind: 's3',
      bucket: 'team-state',
      key: 'fixed-ip/prod.json',
      perStack: false,
    });
    expect(parseStateLocation('s3://team-state/fixed-ip/', 'web')).toMatchObject({
      key: 'fixed-ip/web.json',
      perStack: true,
    });
    expect(parseStateLocation('s3://team-state', 'web')).toMatchObject({ key: 'web.json' });
    expect(parseStateLocation('states/', 'web')).toEqual({ kind: 'file', path: resolve('states/web.json') });
  });

  it('refuses what is not a bucket or a usable key, naming where the setting came from (exit 2)', () => {
    for (const bad of [
      's3://A/x.json',
      's3://ab/x.json',
      's3://my..bucket/x',
      's3://bucket//x.json',
      'https://bucket/x.json',
    ]) {
      const error = thrown(() => parseStateLocation(bad, 'web', 'FIXED_IP_STATE'));
      expect(error.exitCode).toBe(2);
      expect(error.line).toContain(`FIXED_IP_STATE "${bad}"`);
      expect(error.line).not.toContain('\n');
    }
  });

  it('takes FIXED_IP_STATE over the project file, and the project file otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-config-'));
    expect(defaultStateSetting({}, dir)).toBeUndefined();
    mkdirSync(join(dir, '.fixed-ip'));
    writeFileSync(join(dir, '.fixed-ip', 'config.json'), '{ "state": "s3://team-state/fixed-ip/" }');
    expect(defaultStateSetting({}, dir)).toEqual({
      value: 's3://team-state/fixed-ip/',
      source: '.fixed-ip/config.json',
    });
    expect(defaultStateSetting({ FIXED_IP_STATE: 's3://other-bucket/x.json' }, dir)).toEqual({
      value: 's3://other-bucket/x.json',
      source: 'FIXED_IP_STATE',
    });
    writeFileSync(join(dir, '.fixed-ip', 'config.json'), '{ "state": ');
    expect(thrown(() => defaultStateSetting({}, dir)).exitCode).toBe(2);
    writeFileSync(join(dir, '.fixed-ip', 'config.json'), '{ "state": 3 }');
    expect(thrown(() => defaultStateSetting({}, dir)).exitCode).toBe(2);
  });
});

describe('the store factory', () => {
  const base = (overrides: Partial<StoreFactoryOptions>): StoreFactoryOptions => ({
    fallback: undefined,
    settings: [],
    stackName: 'web',
    simulate: false,
    env: {},
    command: 'setup',
    notify: () => undefined,
    s3: () => Promise.reject(new Error('the S3 client must not be built')),
    whoAmI: () => Promise.resolve(undefined),
    ...overrides,
  });

  it('a flag wins over the fallback; local states never build an S3 client', async () => {
    const open = await storeFactory(
      base({ fallback: { value: 's3://team-state/fixed-ip/', source: 'FIXED_IP_STATE' } }),
    );
    const local = open('web', 'mine.json');
    expect(local).toBeInstanceOf(FileStateStore);
    expect(local.path).toBe(resolve('mine.json'));
    expect(open('web', undefined).path).toBe('s3://team-state/fixed-ip/web.json');
  });

  it('--simulate refuses an S3 state unless S3 is a local endpoint', async () => {
    const settings = [{ value: 's3://team-state/x.json', source: '--state' }];
    const error = await storeFactory(base({ settings, simulate: true })).then(
      () => undefined,
      (caught: unknown) => caught as FixedIpError,
    );
    expect(error?.exitCode).toBe(2);
    expect(error?.line).toContain('AWS_ENDPOINT_URL_S3');
    const open = await storeFactory(
      base({ settings, simulate: true, env: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:5000' } }),
    );
    expect(open('web', 's3://team-state/x.json').path).toBe('s3://team-state/x.json');
  });
});

describe('iam-policy --state', () => {
  it('scopes the S3 actions to the bucket and to the state, its lock, its backup and its tombstone', () => {
    const location = parseStateLocation('s3://team-state/fixed-ip/prod.json', 'web');
    if (location.kind !== 's3') throw new Error('not s3');
    const [bucket, objects] = s3StatePolicy(location);
    expect(bucket?.Resource).toBe('arn:aws:s3:::team-state');
    expect(objects?.Resource).toEqual([
      'arn:aws:s3:::team-state/fixed-ip/prod.json',
      'arn:aws:s3:::team-state/fixed-ip/prod.json.lock',
      'arn:aws:s3:::team-state/fixed-ip/prod.json.bak',
      'arn:aws:s3:::team-state/fixed-ip/prod.json.forgotten.json',
    ]);
    const prefix = parseStateLocation('s3://team-state/fixed-ip/', '<stack>');
    if (prefix.kind !== 's3') throw new Error('not s3');
    expect(s3StatePolicy(prefix)[1]?.Resource).toEqual(['arn:aws:s3:::team-state/fixed-ip/*']);
  });
});
