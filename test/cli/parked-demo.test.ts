import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { inTempDirectory, runMain } from '../support/main.js';

inTempDirectory('fixed-ip-parked-demo-');

const ip = (text: string): string | undefined => /Allowlist this IP: (\S+)/.exec(text)?.[1];

describe('a parked stack in the simulated account', () => {
  it('comes back with the same IP from the command status names, as the demo came up the first time', async () => {
    const first = await runMain(['setup', '--simulate', '--yes']);
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    const kept = ip(first.stdout);
    expect(kept).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((await runMain(['teardown', '--simulate', '--yes', '--keep-eip'])).code).toBe(ExitCode.ok);

    const parked = await runMain(['status', '--simulate']);
    expect(parked.stdout).toMatch(/is parked: .*fixed-ip setup --name default --simulate brings it back/);
    const plan = await runMain(['plan', '--simulate', '--json']);
    expect(plan.code, plan.stderr).toBe(ExitCode.ok);
    expect(plan.stdout).toContain('orders-api');

    const back = await runMain(['setup', '--simulate', '--yes']);
    expect(back.code, back.stderr).toBe(ExitCode.ok);
    expect(ip(back.stdout)).toBe(kept);
    const status = await runMain(['status', '--simulate', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ healthy: true, elasticIp: kept });
  }, 120_000);
});
