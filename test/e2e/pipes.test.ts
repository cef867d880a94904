import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../support/main.js';
import { expectPlain } from '../support/plain.js';
import { BIN, ensureBuilt } from './build.js';

/**
 * What scripts and logs see from the built binary through real pipes: plain lines only, the result
 * on stdout, progress on stderr (the same through main() in-process: test/cli/plain-output.test.ts).
 * A real process waits the simulated account's real seconds, hence the slow tier.
 */

/** The built binary (rebuilt first if src/ changed) with real pipes for stdin, stdout and stderr. */
async function binary(
  args: string[],
  cwd: string,
  options: { closeStdout?: boolean } = {},
): Promise<Outcome> {
  await ensureBuilt();
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('AWS_') && key !== 'FORCE_COLOR') env[key] = value;
  }
  // The simulated account and states: under the test's folder, not the real home.
  env.XDG_STATE_HOME = join(cwd, '.state');
  return new Promise<Outcome>((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
    // The reader is gone before the CLI writes, as with `fixed-ip iam-policy | head -0`.
    if (options.closeStdout === true) child.stdout.destroy();
  });
}

describe.concurrent('plain output (the built binary, real pipes)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fixed-ip-pipes-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('setup --simulate through pipes: exit 0, the IP line on stdout, plain progress on stderr', async () => {
    const run = await binary(['setup', '--simulate'], dir);
    expect(run.code, run.stderr).toBe(0);
    expectPlain(run);
    expect(run.stdout).toMatch(/^Allowlist this IP: \d+\.\d+\.\d+\.\d+\n$/);
    expect(run.stderr).toMatch(/^✔ .*Public subnet/m);
    // The SDK's Node-version warning never reaches the user.
    expect(run.stderr).not.toMatch(/NodeVersionSupportWarning|DeprecationWarning/);
  }, 240_000);

  it('writing into a closed pipe ends quietly: the exit code of the command, no stack trace', async () => {
    const run = await binary(['iam-policy'], dir, { closeStdout: true });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  }, 240_000);

  it("setup --help lists every question's flag", async () => {
    const run = await binary(['setup', '--help'], dir);
    expect(run.code).toBe(0);
    for (const flag of [
      '--function',
      '--vpc',
      '--new-vpc',
      '--az',
      '--public-cidr',
      '--private-cidr',
      '--eip',
      '--fix-role',
      '--yes',
      '--no-color',
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expectPlain(run);
  }, 240_000);

  it.each([[['setup', '--bogus']], [['teardown', '--simulate', '--zzz']], [['status', '--qqqqqq']]])(
    'an unknown option of a command (%j) is one line on stderr and exit 2',
    async (args) => {
      const run = await binary(args, dir);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^error: unknown option '--(bogus|zzz|qqqqqq)'; see fixed-ip \w+ --help\n$/);
    },
    240_000,
  );

  it('a bad --region with --simulate is the bad option it is (exit 2), not "AWS said FixedIpError" (exit 1)', async () => {
    const run = await binary(['status', '--simulate', '--region', 'mars-1'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: --region "mars-1" is not an AWS region name; use a name like ap-northeast-1\n',
    );
    expect(run.stderr).not.toContain('AWS said');
  }, 240_000);
});
