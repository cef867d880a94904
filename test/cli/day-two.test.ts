import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli.js';
import { ExitCode } from '../../src/errors.js';
import { fakeStream } from '../support/streams.js';

/** The day-2 commands through main(), in the simulated account: attach, list, detach. */

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdin = fakeStream(false);
  const stdout = fakeStream(false);
  const stderr = fakeStream(false);
  const io: Io = {
    stdin: stdin.stream as unknown as NodeJS.ReadStream,
    stdout: stdout.stream as unknown as NodeJS.WriteStream,
    stderr: stderr.stream as unknown as NodeJS.WriteStream,
    env: {},
  };
  const code = await main(['node', 'fixed-ip', ...args], io);
  await new Promise((wake) => setImmediate(wake));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

let cwd: string;
let home: string;
let exitCodeBefore: typeof process.exitCode;
beforeAll(() => {
  home = process.cwd();
  exitCodeBefore = process.exitCode;
  cwd = mkdtempSync(join(tmpdir(), 'fixed-ip-day2-'));
  process.chdir(cwd);
});
afterAll(() => {
  process.chdir(home);
  process.exitCode = exitCodeBefore;
  rmSync(cwd, { recursive: true, force: true });
});

describe('attach, list and detach', () => {
  it('attach adds a function to the stack, list shows it, detach takes it out again; attach never makes a stack', async () => {
    const none = await cli([
      'attach',
      '--simulate',
      '--name',
      'nothing',
      '--function',
      'orders-api',
      '--yes',
    ]);
    expect(none.code, none.stderr).toBe(ExitCode.noStack);

    expect((await cli(['setup', '--simulate', '--yes', '--function', 'orders-api', '--azs', '1'])).code).toBe(
      0,
    );
    const attach = await cli(['attach', '--simulate', '--function', 'billing-webhook', '--yes']);
    expect(attach.code, attach.stderr).toBe(0);
    const listed = JSON.parse((await cli(['list', '--simulate', '--json'])).stdout) as {
      stacks: Array<{ name: string; functions: string[] }>;
    };
    expect(listed.stacks.find((s) => s.name === 'default')?.functions).toEqual([
      'billing-webhook',
      'orders-api',
    ]);

    const detach = await cli(['detach', '--simulate', '--function', 'billing-webhook', '--yes']);
    expect(detach.code, detach.stderr).toBe(0);
    const status = JSON.parse((await cli(['status', '--simulate', '--json'])).stdout) as {
      functions: Array<{ name: string }>;
      healthy: boolean;
    };
    expect(status.functions.map((f) => f.name)).toEqual(['orders-api']);
    expect(status.healthy).toBe(true);
  }, 180_000);
});
