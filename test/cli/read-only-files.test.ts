import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { inTempDirectory, runMain } from '../support/main.js';

const here = inTempDirectory('fixed-ip-read-only-');

/** Every file under the working directory, relative to it. */
const files = (): string[] =>
  existsSync(`${here.dir()}/.fixed-ip`)
    ? (readdirSync(`${here.dir()}/.fixed-ip`, { recursive: true }) as string[]).sort()
    : [];

describe('the simulated account and read-only commands', () => {
  it('status, plan and list in a fresh folder leave no file behind; setup then keeps the account', async () => {
    expect((await runMain(['status', '--simulate'])).code).toBe(ExitCode.noStack);
    expect((await runMain(['plan', '--simulate'])).code).toBe(ExitCode.ok);
    expect((await runMain(['list', '--simulate'])).code).toBe(ExitCode.ok);
    expect(files()).toEqual([]);
    const setup = await runMain(['setup', '--simulate', '--yes', '--azs', '1']);
    expect(setup.code, setup.stderr).toBe(ExitCode.ok);
    expect(files()).toEqual(
      expect.arrayContaining(['simulated/account-ap-northeast-1.json', 'simulated/default.json']) as unknown,
    );
    expect((await runMain(['status', '--simulate'])).code).toBe(ExitCode.ok);
  }, 120_000);
});
