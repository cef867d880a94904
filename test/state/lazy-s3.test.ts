import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../e2e/build.js';

/**
 * A module hook that reports on stderr every module the CLI loads. The CLI is a bundle: the S3 SDK
 * is inside chunks, found by what they hold (the SDK's S3ServiceException class).
 */
const HOOK = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => process.stderr.write('LOADED ' + url + '\\n'));
port1.unref();
const hooks = 'let port; export function initialize(data) { port = data.port; }' +
  'export async function resolve(specifier, context, next) {' +
  '  const resolved = await next(specifier, context);' +
  '  port.postMessage(resolved.url);' +
  '  return resolved; }';
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
    // The modules a run loaded that hold the S3 SDK (in the bundle, or the package itself).
    const s3Modules = (stderr: string): string[] =>
      [...stderr.matchAll(/^LOADED (\S+)$/gm)]
        .map((m) => m[1] ?? '')
        .filter((url) => url.startsWith('file:'))
        .filter(
          (url) =>
            url.includes('client-s3') ||
            readFileSync(fileURLToPath(url), 'utf8').includes('S3ServiceException'),
        );
    const local = run(['status', '--simulate', '--name', 'web']);
    expect(local.stderr).toContain('no fixed-ip stack named "web"');
    expect(local.stderr).toContain('LOADED file:');
    expect(s3Modules(local.stderr)).toEqual([]);
    const remote = run(['status', '--simulate', '--name', 'web', '--state', 's3://team-state/web.json']);
    expect(s3Modules(remote.stderr).length).toBeGreaterThan(0);
    expect(remote.stderr).toContain('cannot reach the state bucket team-state');
  });
});
