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
    // Unasked, attach says what it would do (move the function; nothing billable) and changes nothing.
    const unasked = await cli(['attach', '--simulate', '--function', 'billing-webhook']);
    expect(unasked.code).toBe(ExitCode.usage);
    expect(unasked.stderr).toMatch(
      /error: move billing-webhook into the private subnets of stack default needs your consent \(it creates nothing billable\)/,
    );
    const attach = await cli(['attach', '--simulate', '--function', 'billing-webhook', '--yes']);
    expect(attach.code, attach.stderr).toBe(0);
    // Only what attach adds: the function's move, not the steps already done, nor the stack's cost.
    const planned = attach.stderr.split('\n').filter((line) => line.startsWith('  '));
    expect(planned).toEqual([
      expect.stringMatching(/^ +→ +Functions: move billing-webhook into the private subnets/),
    ]);
    expect(attach.stderr + attach.stdout).not.toMatch(/USD a month|done subnet-|reuse igw-/);
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

describe('the demo defaults of the simulated account', () => {
  it("plan and setup without --function keep an existing stack's functions (the sample function is only for a new stack)", async () => {
    // The simulated account of this file may hold the stack of the test before.
    const cleared = await cli(['teardown', '--simulate', '--yes']);
    expect([ExitCode.ok, ExitCode.noStack], cleared.stderr).toContain(cleared.code);
    const setup = await cli(['setup', '--simulate', '--yes', '--function', 'billing-webhook', '--azs', '1']);
    expect(setup.code, setup.stderr).toBe(0);
    const planned = JSON.parse((await cli(['plan', '--simulate', '--json'])).stdout) as {
      functions: Array<{ name: string }>;
      changes: { add: number; change: number; remove: number };
    };
    expect(planned.functions.map((f) => f.name)).toEqual(['billing-webhook']);
    expect(planned.changes).toEqual({ add: 0, change: 0, remove: 0 });
    const again = await cli(['setup', '--simulate', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr + again.stdout).toContain('No changes');
    const status = JSON.parse((await cli(['status', '--simulate', '--json'])).stdout) as {
      functions: Array<{ name: string }>;
    };
    expect(status.functions.map((f) => f.name)).toEqual(['billing-webhook']);
  }, 180_000);
});

describe('list', () => {
  it('a table with a header and aligned columns; a parked stack with its mode and kept IP', async () => {
    expect(
      (
        await cli([
          'setup',
          '--simulate',
          '--yes',
          '--name',
          'shop',
          '--function',
          'report-builder',
          '--fix-role',
          '--azs',
          '1',
        ])
      ).code,
    ).toBe(0);
    // Live: its NAT gateway's first started hour so far (0.062 in Tokyo), its address's seconds.
    const live = JSON.parse((await cli(['list', '--simulate', '--json'])).stdout) as {
      stacks: Array<{ name: string; costSoFarUsd: number | null }>;
    };
    expect(live.stacks.find((s) => s.name === 'shop')?.costSoFarUsd).toBe(0.06);
    const down = await cli(['teardown', '--simulate', '--yes', '--name', 'shop', '--keep-eip']);
    expect(down.code, down.stderr).toBe(0);
    const listed = await cli(['list', '--simulate']);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +NAT MODE +ZONES +IPS +FUNCTIONS +USD\/MONTH +USD SO FAR$/);
    const shop = lines.find((line) => line.startsWith('shop '));
    // A parked stack's addresses say nothing of when they were allocated: no cost so far to give.
    expect(shop).toMatch(/^shop +parked \(gateway\) +- +\d+\.\d+\.\d+\.\d+ +\(none\) +about \d+\.\d\d +-$/);
    // Aligned: every row's IP column starts where the header's does.
    const at = lines[0]?.indexOf('IPS') ?? -1;
    for (const line of lines.slice(1)) expect(line.slice(at)).toMatch(/^(\d+\.\d+\.\d+\.\d+|\(none\))/);
    const json = JSON.parse((await cli(['list', '--simulate', '--json'])).stdout) as {
      stacks: Array<{ name: string; parked: boolean; elasticIps: string[]; costSoFarUsd: number | null }>;
    };
    expect(json.stacks.find((s) => s.name === 'shop')).toMatchObject({ parked: true, costSoFarUsd: null });
    expect(json.stacks.find((s) => s.name === 'shop')?.elasticIps).toHaveLength(1);
  }, 180_000);
});
