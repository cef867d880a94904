import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { fakeStream } from '../support/streams.js';

const home = process.cwd();
afterEach(() => process.chdir(home));

/** Runs main() in a fresh directory without a terminal; returns the exit code and stderr. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}, prepare?: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-cli-state-'));
  prepare?.(dir);
  process.chdir(dir);
  const stdout = fakeStream(false);
  const stderr = fakeStream(false);
  const code = await main(['node', 'fixed-ip', ...argv, '--no-color'], {
    stdin: fakeStream(false).stream as unknown as NodeJS.ReadStream,
    stdout: stdout.stream as unknown as NodeJS.WriteStream,
    stderr: stderr.stream as unknown as NodeJS.WriteStream,
    env: { AWS_REGION: 'ap-northeast-1', XDG_STATE_HOME: join(dir, '.state'), ...env },
  });
  process.exitCode = 0;
  return { code, stderr: stderr.text(), dir };
}

describe('state settings through main()', () => {
  it('a bad s3:// URL is one line naming where it came from, exit 2, nothing made', async () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, ((dir: string) => void) | undefined, string]> = [
      [
        ['status', '--simulate', '--state', 's3://Bad_Bucket/x.json'],
        {},
        undefined,
        '--state "s3://Bad_Bucket/x.json"',
      ],
      [
        ['setup', '--simulate', '--yes'],
        { FIXED_IP_STATE: 's3://x/y.json' },
        undefined,
        'FIXED_IP_STATE "s3://x/y.json"',
      ],
      [
        ['teardown', '--simulate', '--yes'],
        {},
        (dir) => {
          mkdirSync(join(dir, '.fixed-ip'));
          writeFileSync(join(dir, '.fixed-ip', 'config.json'), '{ "state": "ftp://host/x.json" }');
        },
        '.fixed-ip/config.json "ftp://host/x.json"',
      ],
      [['state', 'move', '--simulate', '--to', 's3://ab'], {}, undefined, '--to "s3://ab"'],
    ];
    for (const [argv, env, prepare, named] of cases) {
      const result = await run(argv, env, prepare);
      expect(result.code, result.stderr).toBe(2);
      const lines = result.stderr
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('[simulated account]'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(named);
      expect(existsSync(join(result.dir, '.state'))).toBe(false);
    }
  });

  it('--simulate with an s3:// state and no local S3 endpoint is refused before anything is made', async () => {
    const result = await run(['setup', '--simulate', '--yes', '--state', 's3://team-state/x.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--simulate makes no AWS calls');
    expect(readdirSync(result.dir)).toEqual([]);
  });
});
