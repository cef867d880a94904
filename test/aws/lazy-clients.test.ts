import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../e2e/build.js';

/** Reports on stderr every module the CLI loads (as in test/state/lazy-s3.test.ts). */
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

describe('IAM and SSM clients are loaded on their first call only', () => {
  it('status loads the EC2 client but neither the IAM nor the SSM one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-lazy-'));
    const hook = join(dir, 'hook.mjs');
    writeFileSync(hook, HOOK);
    // Against an endpoint where nothing listens: status builds its AWS port, then fails at the
    // first call. The simulated account (--simulate) is a bundle of its own, so it is not used.
    const run = spawnSync(process.execPath, ['--import', hook, BIN, 'status', '--name', 'web'], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
        AWS_MAX_ATTEMPTS: '1',
        NO_COLOR: '1',
      },
    });
    // The bundle's chunks are found by the SDK's exception class each client package defines.
    const holding = (marker: string): string[] =>
      [...run.stderr.matchAll(/^LOADED (file:\S+)$/gm)]
        .map((m) => m[1] ?? '')
        .filter((url) => readFileSync(fileURLToPath(url), 'utf8').includes(marker));
    expect(run.status).not.toBe(0);
    expect(holding('EC2ServiceException').length).toBeGreaterThan(0);
    expect(holding('IAMServiceException')).toEqual([]);
    expect(holding('SSMServiceException')).toEqual([]);
  });
});
