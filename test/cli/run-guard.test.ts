import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AwsSimulator, seedDemoAccount } from '@fixed-ip/simulator';
import { realClock } from '../../src/ports/clock.js';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { accountPath, DEMO_TIMINGS } from '../../src/simulate.js';
import { cliNow, inTempDirectory, runMain } from '../support/main.js';

/** The run guard through main(), in the simulated account: exit 7, one line, and unlock. */

const cli = (args: string[]) => runMain(args);
inTempDirectory('fixed-ip-guard-');

/** Another run, on another machine, holds the stack's guard right now. */
function holdGuard(): void {
  const path = accountPath('ap-northeast-1', { XDG_STATE_HOME: join(process.cwd(), '.state') });
  // A read-only command leaves no account file: the demo account, as --simulate starts it.
  if (!existsSync(path)) {
    // Made at the CLI's time (support/main.ts): at the real time, made after a worker's virtual
    // clock fell behind it, the demo VPC would not be there yet for the CLI.
    const clock = { ...realClock, now: cliNow };
    const sim = new AwsSimulator({ clock, region: 'ap-northeast-1', timings: DEMO_TIMINGS });
    seedDemoAccount(sim);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(sim.toJSON()));
  }
  const document = JSON.parse(readFileSync(path, 'utf8')) as {
    account: { parameters: Record<string, unknown> };
  };
  const now = cliNow();
  document.account.parameters['/fixed-ip/default/run-lock'] = {
    name: '/fixed-ip/default/run-lock',
    type: 'String',
    value: JSON.stringify({
      host: 'ci-7',
      pid: 4242,
      cwd: '/home/bob/app',
      state: '/home/bob/app/.fixed-ip/default.json',
      command: 'setup',
      startedAt: new Date(now).toISOString(),
      heartbeatAt: new Date(now).toISOString(),
      nonce: 'bob',
    }),
    version: 1,
    lastModified: now,
    tier: 'Standard',
  };
  writeFileSync(path, JSON.stringify(document));
}

describe('a stack another run is changing', () => {
  it('setup from another state file stops with exit 7 and one line; unlock --yes clears it; setup then runs', async () => {
    const plan = await cli(['plan', '--simulate', '--function', 'orders-api', '--azs', '1']);
    expect(plan.code, plan.stderr).toBe(0);
    holdGuard();

    const args = ['setup', '--simulate', '--yes', '--function', 'orders-api', '--azs', '1'];
    const blocked = await cli([...args, '--state', 'elsewhere/default.json']);
    expect(blocked.code, blocked.stderr).toBe(ExitCode.locked);
    const errors = blocked.stderr.split('\n').filter((line) => line.startsWith('error'));
    expect(errors).toEqual([
      expect.stringMatching(
        /^error: stack default is in use by pid 4242 on ci-7 in \/home\/bob\/app \(setup, state .*\) since .*; wait for it to finish; if that run is gone: fixed-ip unlock --name default/,
      ),
    ]);
    expect(blocked.stdout).not.toMatch(/Allowlist/);

    // status and plan never need the guard.
    expect((await cli(['plan', '--simulate', '--function', 'orders-api', '--azs', '1'])).code).toBe(0);

    const asked = await cli(['unlock', '--simulate']);
    expect(asked.code).toBe(ExitCode.usage);
    expect(asked.stderr).toMatch(/unlock removes the run guard of stack default held by pid 4242 on ci-7/);
    const unlocked = await cli(['unlock', '--simulate', '--yes']);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stderr).toMatch(/Removed the run guard of stack default/);

    const built = await cli(args);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/Allowlist this IP: \d+\.\d+\.\d+\.\d+/);
    expect((await cli(['unlock', '--simulate', '--yes'])).stderr).toMatch(/stack default is not locked/);
  });
});
