import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsSimulator } from '@fixed-ip/simulator';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { realClock } from '../../src/ports/clock.js';
import { accountPath, DEMO_TIMINGS } from '../../src/simulate.js';
import { cliNow, inTempDirectory, runMain, type Outcome } from '../support/main.js';

/**
 * `--json` on every command: exactly one JSON object on stdout (parsed here, so anything else on
 * stdout fails the test), progress on stderr; a failure is an `{ error }` object with the exit code.
 */

const cli = runMain;

/** The one object on stdout: one line, one JSON value. */
function only(run: Outcome): Record<string, unknown> {
  const lines = run.stdout.split('\n').filter((line) => line !== '');
  expect(lines, run.stdout).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as Record<string, unknown>;
}

// The simulated account and the state files live under ./.fixed-ip of a temporary directory.
inTempDirectory('fixed-ip-json-');

describe('--json', () => {
  it('plan, setup --yes --verify (no terminal, no --function: the demo default), status, verify and teardown each print one object; shared fields share names', async () => {
    const region = ['--simulate', '--region', 'eu-west-1', '--json'];
    const plan = await cli(['plan', ...region]);
    expect(plan.code, plan.stderr).toBe(ExitCode.ok);
    const planned = only(plan);
    expect(planned).toMatchObject({ name: 'default', region: 'eu-west-1', wouldSucceed: true });
    expect(planned.monthlyCostUsd).toBe((planned.cost as { monthlyUsd: number }).monthlyUsd);

    const setup = await cli(['setup', '--yes', '--verify', ...region]);
    expect(setup.code, setup.stderr).toBe(ExitCode.ok);
    const made = only(setup);
    expect(made).toMatchObject({ name: 'default', region: 'eu-west-1', changed: true, natMode: 'gateway' });
    expect(made.elasticIps).toEqual([made.elasticIp]);
    expect(made.monthlyCostUsd).toBe(planned.monthlyCostUsd);
    expect((made.verify as { ok: boolean }).ok).toBe(true);
    // Progress went to stderr.
    expect(setup.stderr).toMatch(/NAT gateway/);

    const status = only(await cli(['status', ...region]));
    expect(status).toMatchObject({ healthy: true, elasticIp: made.elasticIp, elasticIps: made.elasticIps });
    expect(status.monthlyCostUsd).toBe(made.monthlyCostUsd);

    const verify = await cli(['verify', ...region]);
    expect(verify.code).toBe(ExitCode.ok);
    const verified = only(verify);
    expect(verified).toMatchObject({ ok: true, elasticIps: made.elasticIps, leftover: [] });

    const teardown = await cli(['teardown', '--yes', '--keep-eip', ...region]);
    expect(teardown.code, teardown.stderr).toBe(ExitCode.ok);
    const down = only(teardown);
    expect(down).toMatchObject({ name: 'default', region: 'eu-west-1', elasticIps: made.elasticIps });
    expect(down.monthlyCostUsd).toBeGreaterThan(0);
    expect(down.monthlyCostUsd).toBeLessThan(made.monthlyCostUsd as number);

    // After teardown --keep-eip, status reports a parked stack with exit 0, not drift.
    const parked = await cli(['status', ...region]);
    expect(parked.code).toBe(ExitCode.ok);
    expect(only(parked)).toMatchObject({ parked: true, elasticIps: made.elasticIps, problems: [] });
  }, 120_000);

  it('a failure is one error object with the documented exit code', async () => {
    const missing = await cli(['status', '--simulate', '--region', 'us-west-2', '--name', 'nope', '--json']);
    expect(missing.code).toBe(ExitCode.noStack);
    expect(only(missing)).toEqual({
      error: expect.objectContaining({ code: 'NO_STACK', exitCode: ExitCode.noStack }) as unknown,
    });
    expect(missing.stderr).toMatch(/no fixed-ip stack named "nope"/);

    const usage = await cli(['teardown', '--json', '--wat']);
    expect(usage.code).toBe(ExitCode.usage);
    expect(only(usage)).toEqual({
      error: {
        code: 'USAGE',
        message: "unknown option '--wat' (did you mean --wait?)",
        hint: 'see fixed-ip teardown --help',
        exitCode: 2,
      },
    });

    const bad = await cli(['setup', '--simulate', '--json', '--azs', 'x']);
    expect(bad.code).toBe(ExitCode.usage);
    expect((only(bad).error as { code: string }).code).toBe('BAD_OPTION');
  });

  it("an error's message and hint carry the run's flags, word for word as the text line on stderr", async () => {
    const run = await cli(['status', '--simulate', '--region', 'eu-west-2', '--name', 'billing', '--json']);
    expect(run.code).toBe(ExitCode.noStack);
    const { error } = only(run) as { error: { message: string; hint?: string } };
    const line = `${error.message}${error.hint ? `; ${error.hint}` : ''}`;
    expect(line).toContain(
      'fixed-ip setup --name billing --function <name> --vpc <vpc-id> --region eu-west-2 --simulate',
    );
    expect(run.stderr).toContain(`error: ${line}\n`);
  });

  it('for each error, `message; hint` in JSON is the line on stderr, flags and help included', async () => {
    const flags = ['--simulate', '--region', 'eu-west-2', '--name', 'billing', '--json'];
    const runs = [
      await cli(['teardown', '--wat', ...flags]),
      await cli(['nope', '--json']),
      await cli(['state', 'move', ...flags]),
      await cli(['setup', '--azs', 'x', ...flags]),
      await cli(['status', ...flags]),
      await cli(['state', 'move', '--to', 'elsewhere.json', ...flags]),
      await cli(['verify', '--expect-ips', 'x', ...flags]),
    ];
    const hints: string[] = [];
    for (const run of runs) {
      const { error } = only(run) as { error: { message: string; hint?: string; exitCode: number } };
      expect(error.exitCode).toBe(run.code);
      const line = `${error.message}${error.hint ? `; ${error.hint}` : ''}`;
      expect(run.stderr).toContain(`error: ${line}\n`);
      hints.push(error.hint ?? '');
    }
    expect(hints.slice(0, 3)).toEqual([
      'see fixed-ip teardown --help',
      'see fixed-ip --help',
      'see fixed-ip state move --help',
    ]);
    // The hints that name a command repeat this run's flags.
    expect(hints[4]).toContain('--name billing');
    expect(hints[4]).toContain('--region eu-west-2 --simulate');
  });

  it('a setup stopped by Ctrl-C: the JSON hint says how to resume, as the line on stderr does', async () => {
    const before = process.listenerCount('SIGINT');
    const running = cli([
      'setup',
      '--simulate',
      '--region',
      'sa-east-1',
      '--name',
      'stopped',
      '--function',
      'orders-api',
      '--yes',
      '--json',
    ]);
    // Ctrl-C as soon as the run listens for it (a Ctrl-C stops it as one that may have changed something).
    while (process.listenerCount('SIGINT') === before) await new Promise((wake) => setImmediate(wake));
    process.emit('SIGINT');
    const run = await running;
    expect(run.code, run.stderr).toBe(ExitCode.cancelled);
    const { error } = only(run) as { error: { code: string; message: string; hint?: string } };
    expect(error).toMatchObject({ code: 'ABORTED', message: 'Stopped' });
    const line = `${error.message}; ${error.hint ?? ''}`;
    expect(line).toBe(
      'Stopped; run `fixed-ip setup --name stopped --region sa-east-1 --simulate` again to resume or `fixed-ip teardown --name stopped --region sa-east-1 --simulate` to remove what was made',
    );
    expect(run.stderr).toContain(`${line}\n`);
  }, 60_000);

  it('attach, detach, unlock and state move print one object too', async () => {
    const region = ['--simulate', '--region', 'us-east-2', '--name', 'day2', '--json'];
    const setup = await cli(['setup', '--yes', '--function', 'orders-api', '--azs', '1', ...region]);
    expect(setup.code, setup.stderr).toBe(0);
    const attach = await cli(['attach', '--yes', '--function', 'billing-webhook', ...region]);
    expect(attach.code, attach.stderr).toBe(ExitCode.ok);
    expect(only(attach)).toMatchObject({ name: 'day2', functions: ['orders-api', 'billing-webhook'] });
    const detach = await cli(['detach', '--yes', '--function', 'billing-webhook', ...region]);
    expect(detach.code, detach.stderr).toBe(ExitCode.ok);
    expect(only(detach)).toEqual({ name: 'day2', detached: ['billing-webhook'] });
    const unlock = await cli(['unlock', '--yes', ...region]);
    expect(unlock.code, unlock.stderr).toBe(ExitCode.ok);
    expect(only(unlock)).toEqual({ name: 'day2', removed: false });
    const moved = await cli(['state', 'move', '--to', 'elsewhere/day2.json', ...region]);
    expect(moved.code, moved.stderr).toBe(ExitCode.ok);
    expect(only(moved)).toMatchObject({
      name: 'day2',
      to: expect.stringMatching(/elsewhere\/day2\.json$/) as unknown,
    });
  }, 120_000);

  it('forget prints one object; teardown of the stack it handed over too, and status, setup and forget again fail with theirs', async () => {
    const region = ['--simulate', '--region', 'eu-central-1', '--name', 'handover', '--json'];
    const setup = await cli(['setup', '--yes', '--function', 'orders-api', '--azs', '1', ...region]);
    expect(setup.code, setup.stderr).toBe(ExitCode.ok);
    const made = only(setup) as { resources: Array<{ type: string; id: string; zone: string | null }> };
    const forgot = await cli(['forget', '--yes', ...region]);
    expect(forgot.code, forgot.stderr).toBe(ExitCode.ok);
    expect(only(forgot)).toEqual({
      name: 'handover',
      stack: 'handover',
      forgotten: true,
      tags: 'removed',
      resources: made.resources.map((r) => ({ kind: r.type, id: r.id, ...(r.zone ? { zone: r.zone } : {}) })),
    });
    // Progress went to stderr; stdout held the one object (only() checks it).
    expect(forgot.stderr).toMatch(/Took fixed-ip's tags off/);

    const teardown = await cli(['teardown', '--yes', ...region]);
    expect(teardown.code, teardown.stderr).toBe(ExitCode.ok);
    expect(only(teardown)).toMatchObject({ name: 'handover', forgotten: true, finished: false, removed: [] });
    const status = await cli(['status', ...region]);
    expect(status.code).toBe(ExitCode.noStack);
    expect((only(status).error as { message: string }).message).toMatch(/handed over on/);
    const again = await cli(['setup', '--yes', '--function', 'orders-api', ...region]);
    expect(again.code).toBe(ExitCode.usage);
    expect((only(again).error as { code: string }).code).toBe('BAD_OPTION');
    const twice = await cli(['forget', '--yes', ...region]);
    expect(twice.code).toBe(ExitCode.noStack);
  }, 120_000);

  it("teardown's resources are objects: deleted, restored, the kept Elastic IP (--keep-eip) and a security group another function uses, each with why", async () => {
    const region = ['--simulate', '--region', 'ca-central-1', '--name', 'kept', '--json'];
    const setup = await cli(['setup', '--yes', '--function', 'orders-api', '--azs', '1', ...region]);
    expect(setup.code, setup.stderr).toBe(ExitCode.ok);
    const made = only(setup) as { elasticIp: string; resources: Array<{ type: string; id: string }> };
    const idOf = (type: string): string => made.resources.find((r) => r.type === type)?.id ?? '';
    // Someone puts billing-webhook in a default subnet of the same VPC, with the stack's security group.
    const path = accountPath('ca-central-1', { XDG_STATE_HOME: join(process.cwd(), '.state') });
    const clock = { ...realClock, now: cliNow };
    const sim = AwsSimulator.fromJSON(JSON.parse(readFileSync(path, 'utf8')), {
      clock,
      timings: DEMO_TIMINGS,
    });
    const subnets = (await sim.handle('ec2', 'DescribeSubnets', {
      Filters: [{ Name: 'default-for-az', Values: ['true'] }],
    })) as { Subnets: Array<{ SubnetId: string }> };
    await sim.handle('lambda', 'UpdateFunctionConfiguration', {
      FunctionName: 'billing-webhook',
      VpcConfig: { SubnetIds: [subnets.Subnets[0]?.SubnetId], SecurityGroupIds: [idOf('securityGroup')] },
    });
    writeFileSync(path, JSON.stringify(sim.toJSON()));

    const teardown = await cli(['teardown', '--yes', '--keep-eip', ...region]);
    expect(teardown.code, teardown.stderr).toBe(ExitCode.ok);
    const down = only(teardown) as { resources: Array<Record<string, unknown>>; kept: string[] };
    expect(down.resources).toEqual(
      expect.arrayContaining([
        { kind: 'functions', id: 'orders-api', action: 'restored' },
        {
          kind: 'natGateway',
          id: idOf('natGateway'),
          zone: expect.any(String) as unknown,
          action: 'deleted',
        },
        {
          kind: 'elasticIp',
          id: idOf('elasticIp'),
          zone: expect.any(String) as unknown,
          publicIp: made.elasticIp,
          action: 'kept',
          reason: '--keep-eip: the next setup reuses it',
        },
        {
          kind: 'securityGroup',
          id: idOf('securityGroup'),
          action: 'kept',
          reason: 'in use by function billing-webhook',
        },
        { kind: 'vpc', id: idOf('vpc'), action: 'kept', reason: 'not made by fixed-ip' },
      ]),
    );
    // One object per resource the stack had, and the text lines still there beside them.
    expect(down.resources).toHaveLength(made.resources.length + 1);
    expect(down.resources.filter((r) => r.action === 'kept')).toHaveLength(down.kept.length);
  }, 120_000);

  it('iam-policy --json is the policy document', async () => {
    const run = await cli(['iam-policy', '--for', 'verify', '--json']);
    const policy = JSON.parse(run.stdout) as { Statement: Array<{ Action: string[] }> };
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'lambda:CreateFunction',
        'lambda:InvokeFunction',
        'lambda:DeleteFunction',
        'lambda:GetFunctionConfiguration',
        'iam:PassRole',
      ]),
    );
  });
});
