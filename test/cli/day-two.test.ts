import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { inTempDirectory, runMain } from '../support/main.js';

/** The day-2 commands through main(), in the simulated account: attach, list, detach. */

const cli = (args: string[]) => runMain(args);
inTempDirectory('fixed-ip-day2-');

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
