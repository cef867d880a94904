import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { simulatedDir } from '../../src/state/store.js';
import { inTempDirectory, runMain } from '../support/main.js';

const here = inTempDirectory('fixed-ip-read-only-');

/** Every file under a folder, relative to it. */
const filesIn = (dir: string): string[] =>
  existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).sort() : [];

describe('the simulated account lives in one place per user, and read-only commands create nothing', () => {
  it("status, plan, list, iam-policy, cost and verify in a fresh folder leave no file behind; setup keeps the account in the user's state folder, and status from another folder finds the stack", async () => {
    const env = { XDG_STATE_HOME: join(here.dir(), 'home', '.local', 'state') };
    const app = join(here.dir(), 'app');
    const elsewhere = join(here.dir(), 'elsewhere');
    mkdirSync(app);
    mkdirSync(elsewhere);
    process.chdir(app);
    const run = (args: string[]) => runMain([...args, '--simulate'], { env });
    expect((await run(['status'])).code).toBe(ExitCode.noStack);
    expect((await run(['plan'])).code).toBe(ExitCode.ok);
    expect((await run(['list'])).code).toBe(ExitCode.ok);
    expect((await runMain(['iam-policy'], { env })).code).toBe(ExitCode.ok);
    expect((await run(['cost'])).code).toBe(ExitCode.noStack);
    expect((await run(['verify'])).code).toBe(ExitCode.noStack);
    expect(filesIn(here.dir())).toEqual(['app', 'elsewhere']);

    const setup = await run(['setup', '--yes', '--azs', '1']);
    expect(setup.code, setup.stderr).toBe(ExitCode.ok);
    expect(filesIn(app)).toEqual([]);
    expect(simulatedDir(env)).toBe(join(env.XDG_STATE_HOME, 'fixed-ip', 'simulated'));
    expect(filesIn(simulatedDir(env))).toEqual(
      expect.arrayContaining(['account-ap-northeast-1.json', 'default.json']) as unknown,
    );

    process.chdir(elsewhere);
    const status = await run(['status']);
    expect(status.code, status.stderr).toBe(ExitCode.ok);
    expect(filesIn(elsewhere)).toEqual([]);
    process.chdir(here.dir());
  }, 120_000);

  it('is under $XDG_STATE_HOME when it is absolute, else ~/.local/state', () => {
    expect(simulatedDir({ XDG_STATE_HOME: '/var/state', HOME: '/home/ann' })).toBe(
      '/var/state/fixed-ip/simulated',
    );
    expect(simulatedDir({ XDG_STATE_HOME: 'relative', HOME: '/home/ann' })).toBe(
      '/home/ann/.local/state/fixed-ip/simulated',
    );
    expect(simulatedDir({ HOME: '/home/ann' })).toBe('/home/ann/.local/state/fixed-ip/simulated');
  });
});
