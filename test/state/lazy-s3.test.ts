import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../e2e/build.js';

/** A module hook that reports on stderr every import of the S3 SDK. */
const HOOK = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
port1.on('message', (specifier) => process.stderr.write('LOADED ' + specifier + '\\n'));
port1.unref();
const hooks = 'let port; export function initialize(data) { port = data.port; }' +
  'export async function resolve(specifier, context, next) {' +
  "  if (specifier.includes('client-s3')) port.postMessage(specifier);" +
  '  return next(specifier, context); }';
register('data:text/javascript,' + encodeURIComponent(hooks), {
  parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
`;

beforeAll(ensureBuilt, 120_000);

describe('the S3 SDK is loaded only for an s3:// state', () => {
  it('a run with a local state never imports @aws-sdk/client-s3; an s3:// one does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-lazy-'));
    const hook = join(dir, 'hook.mjs');
    writeFileSync(hook, HOOK);
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', hook, BIN, ...args], {
        cwd: dir,
        encoding: 'utf8',
        // Nothing listens there: the s3:// run fails at the bucket check, after loading the SDK.
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_REGION: 'us-east-1',
          NO_COLOR: '1',
        },
      });
    const local = run(['status', '--simulate', '--name', 'web']);
    expect(local.stderr).toContain('no fixed-ip stack named "web"');
    expect(local.stderr).not.toContain('LOADED');
    const remote = run(['status', '--simulate', '--name', 'web', '--state', 's3://team-state/web.json']);
    expect(remote.stderr).toContain('LOADED @aws-sdk/client-s3');
    expect(remote.stderr).toContain('cannot reach the state bucket team-state');
  });
});
