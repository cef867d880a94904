import { rmSync, writeFileSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown, type TeardownOptions } from '../../src/commands/teardown.js';
import { ExitCode, FixedIpError } from '../../src/errors.js';
import { createTestAccount, mutatingCalls, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;

const setupOptions = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  ...extra,
});
const down = (extra: Partial<TeardownOptions> = {}): TeardownOptions => ({
  name: 'default',
  yes: true,
  ...extra,
});
const snapshot = (): string => JSON.stringify(account.sim.snapshot());

beforeEach(() => {
  account = createTestAccount({ timings: { eniReleaseMs: 5 * 60_000 } });
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
});

afterEach(() => account.restore());

describe('teardown', () => {
  it('leaves the account exactly as it was before setup, and removes the state file', async () => {
    const before = snapshot();
    await setup(setupOptions(), account.deps());
    const deps = account.deps();
    const result = await teardown(down(), deps);
    expect(result.finished).toBe(true);
    expect(snapshot()).toBe(before);
    expect(account.readState()).toBeUndefined();
    // The NAT gateway goes right after the functions leave, before the slow subnet clean-up.
    const calls = account.sim.calls.filter((c) => c.mutated || c.outcome !== 'ok');
    const moved = calls.map((c) => c.operation).lastIndexOf('UpdateFunctionConfiguration');
    // The function's tags go while Lambda applies the restore: not part of the clean-up.
    const after = calls.slice(moved + 1).filter((c) => c.operation !== 'UntagResource');
    const nat = after.find((c) => c.operation === 'DeleteNatGateway');
    // Started at the same moment as the first clean-up call, without waiting for anything slower.
    expect(nat?.at).toBe(after[0]?.at);
    expect(
      after
        .slice(0, after.indexOf(nat!))
        .every(
          (c) =>
            c.outcome !== 'ok' || c.operation.startsWith('Disassociate') || c.operation.startsWith('Delete'),
        ),
    ).toBe(true);
    expect(deps.recording.messages.some((m) => /hourly charge has stopped/.test(m.text))).toBe(true);
  });

  it('keeps a reused internet gateway', async () => {
    const igw = account.sim.addInternetGateway({ vpcId });
    const before = snapshot();
    await setup(setupOptions(), account.deps());
    await teardown(down(), account.deps());
    expect(snapshot()).toBe(before);
    expect(
      account.sim.calls.some(
        (c) => c.operation === 'DetachInternetGateway' || c.operation === 'DeleteInternetGateway',
      ),
    ).toBe(false);
    expect(JSON.stringify(account.sim.snapshot())).toContain(igw);
  });

  it('--keep-eip keeps the address, and the next setup gets the same IP back', async () => {
    const first = await setup(setupOptions(), account.deps());
    const result = await teardown(down({ keepEip: true }), account.deps());
    expect(result.finished).toBe(false);
    expect(account.readState()?.elasticIp?.publicIp).toBe(first.elasticIp);
    expect(account.readState()?.natGateway).toBeUndefined();
    // status: a parked stack (only the IP kept, its idle cost), not drift.
    const parked = await status({ name: 'default' }, account.deps());
    expect(parked).toMatchObject({ parked: true, problems: [], elasticIps: [first.elasticIp] });
    expect(parked.monthlyCostUsd).toBeCloseTo(0.005 * 730, 2);
    const second = await setup(setupOptions(), account.deps());
    expect(second.elasticIp).toBe(first.elasticIp);
    expect(mutatingCalls(account.sim).filter((op) => op === 'AllocateAddress')).toHaveLength(1);
  });

  it('refuses without --yes when no one can answer, changing nothing', async () => {
    await setup(setupOptions(), account.deps());
    const before = snapshot();
    const stateBefore = readFileSync(account.statePath(), 'utf8');
    const error = await teardown(down({ yes: false }), account.deps()).catch((e: unknown) => e);
    expect((error as FixedIpError).code).toBe('CONSENT_REQUIRED');
    expect((error as FixedIpError).line).toContain('--keep-eip');
    expect(snapshot()).toBe(before);
    expect(readFileSync(account.statePath(), 'utf8')).toBe(stateBefore);
  });

  it("a NAT gateway still deleting after its wait is the same wait-expired exit (5) as Lambda's interfaces", async () => {
    account.sim.timings.natDeletingMs = 20 * 60_000;
    await setup(setupOptions(), account.deps());
    const error = await teardown(down(), account.deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FixedIpError);
    expect((error as FixedIpError).code).toBe('WAIT_EXPIRED');
    expect((error as FixedIpError).exitCode).toBe(ExitCode.waitExpired);
  });

  it('stops waiting at --wait with its own exit code, and a later run finishes', async () => {
    account.sim.timings.eniReleaseMs = 40 * 60_000;
    const before = snapshot();
    await setup(setupOptions(), account.deps());
    const error = await teardown(down({ wait: '5' }), account.deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FixedIpError);
    expect((error as FixedIpError).exitCode).toBe(ExitCode.waitExpired);
    expect((error as FixedIpError).message).toMatch(/hourly charge has stopped/);
    const left = account.readState();
    expect(left?.natGateway).toBeUndefined();
    expect(left?.privateSubnet).toBeDefined();
    account.clock.advance(40 * 60_000);
    await teardown(down(), account.deps());
    expect(snapshot()).toBe(before);
  });

  it('finds the stack by its tags when the state file is lost', async () => {
    const before = snapshot();
    await setup(setupOptions(), account.deps());
    rmSync(account.statePath());
    const report = await status({ name: 'default' }, account.deps());
    expect(report.healthy).toBe(true);
    expect(report.foundByTags).toBe(true);
    await teardown(down(), account.deps());
    expect(snapshot()).toBe(before);
  });

  it('Ctrl-C while a function is restored says one thing: stopped, run teardown again (not "goes on", not "keeps its subnets")', async () => {
    await setup(setupOptions(), account.deps());
    const controller = new AbortController();
    const handle = account.sim.handle.bind(account.sim);
    account.sim.handle = async (service, operation, input) => {
      const out = await handle(service, operation, input);
      if (operation === 'UpdateFunctionConfiguration') controller.abort();
      return out;
    };
    const deps = account.deps({ signal: controller.signal });
    const error = await teardown(down(), deps).catch((e: unknown) => e);
    account.sim.handle = handle;
    expect((error as Error).name).toBe('AbortError');
    const said = deps.recording.messages.map((m) => m.text).join('\n');
    expect(said).not.toMatch(/goes on|keeps its subnets/);
    expect(deps.recording.messages.map((m) => m.code)).not.toContain('teardown.function.failed');
    // Nothing past the functions was deleted: the NAT gateway still stands, and a re-run finishes.
    expect(account.sim.calls.some((c) => c.operation === 'DeleteNatGateway')).toBe(false);
    const again = await teardown(down(), account.deps());
    expect(again.finished).toBe(true);
    expect(account.readState()).toBeUndefined();
  });

  it('says there is no stack, with its own exit code', async () => {
    const error = await teardown(down({ name: 'ghost' }), account.deps()).catch((e: unknown) => e);
    expect((error as FixedIpError).code).toBe('NO_STACK');
    expect((error as FixedIpError).exitCode).toBe(ExitCode.noStack);
    expect((error as FixedIpError).line).toContain('fixed-ip setup');
  });

  it('refuses a corrupt state file, naming it and leaving it untouched', async () => {
    writeFileSync(account.statePath(), '{"version": 1, "name": ');
    const error = await teardown(down(), account.deps()).catch((e: unknown) => e);
    expect((error as FixedIpError).code).toBe('STATE_INVALID');
    expect((error as FixedIpError).line).toContain(account.statePath());
    expect(readFileSync(account.statePath(), 'utf8')).toBe('{"version": 1, "name": ');
  });
});

describe('status', () => {
  it('reports a healthy stack with the IP first and the stable JSON shape', async () => {
    const { elasticIp } = await setup(setupOptions(), account.deps());
    const callsBefore = account.sim.calls.length;
    const deps = account.deps();
    const report = await status({ name: 'default', json: true }, deps);
    expect(account.sim.calls.length - callsBefore).toBeLessThanOrEqual(6);
    expect(account.sim.calls.slice(callsBefore).some((c) => c.mutated)).toBe(false);
    expect(deps.recording.results).toHaveLength(1);
    const json = JSON.parse(deps.recording.results[0] ?? '{}');
    expect(json).toMatchObject({
      name: 'default',
      region: account.sim.region,
      accountId: account.sim.accountId,
      elasticIp,
      healthy: true,
      natGateway: { state: 'available' },
      functions: [{ name: 'orders-api', attached: true }],
    });
    expect(json.resources.length).toBeGreaterThanOrEqual(8);
    expect(typeof json.monthlyCostUsd).toBe('number');
    expect(report.healthy).toBe(true);
  });

  it('prints the Elastic IP alone on the first line', async () => {
    const { elasticIp } = await setup(setupOptions(), account.deps());
    const deps = account.deps();
    await status({ name: 'default' }, deps);
    expect(deps.recording.results[0]).toBe(elasticIp);
  });

  it('names what drifted: a function moved out, a route pointing elsewhere', async () => {
    await setup(setupOptions(), account.deps());
    const state = account.readState();
    // Someone moved the function back out of the VPC by hand.
    await account.sim.handle('lambda', 'UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
    });
    account.clock.advance(120_000);
    await account.sim.handle('ec2', 'DeleteRoute', {
      RouteTableId: state?.privateRouteTable?.id,
      DestinationCidrBlock: '0.0.0.0/0',
    });
    const report = await status({ name: 'default' }, account.deps());
    expect(report.healthy).toBe(false);
    expect(report.functions).toEqual([{ name: 'orders-api', attached: false }]);
    expect(report.problems.join('\n')).toMatch(/orders-api/);
    expect(report.problems.join('\n')).toMatch(/0\.0\.0\.0\/0/);
  });

  it('says there is no stack', async () => {
    const error = await status({ name: 'nothing' }, account.deps()).catch((e: unknown) => e);
    expect((error as FixedIpError).exitCode).toBe(ExitCode.noStack);
  });
});

describe("Lambda's network interfaces", () => {
  const refusedDeletes = () =>
    account.sim.calls.filter(
      (c) => ['DeleteSubnet', 'DeleteSecurityGroup'].includes(c.operation) && c.outcome !== 'ok',
    );

  it('are watched, not tried: no delete is refused, and each subnet and the group go once theirs are gone', async () => {
    // Lambda lets go well after every wait has begun (the NAT's deletion takes minutes first), so
    // each subnet and the group are seen waiting, however the run's real time falls.
    account.sim.timings.eniReleaseMs = 10 * 60_000;
    const before = snapshot();
    await setup(setupOptions({ azs: 2 }), account.deps());
    const held = Object.values(account.readState()?.resources ?? {})
      .filter((r) => r.kind === 'privateSubnet' || r.kind === 'securityGroup')
      .map((r) => r.id);
    const from = account.sim.calls.length;
    const deps = account.deps();
    await teardown(down(), deps);
    expect(snapshot()).toBe(before);
    expect(refusedDeletes()).toEqual([]);
    const watched = account.sim.calls.slice(from).filter((c) => c.operation === 'DescribeNetworkInterfaces');
    // Watching for 5 minutes takes many looks, all with managed resources and the stack's filters.
    expect(watched.length).toBeGreaterThan(10);
    const inputs = watched.map(
      (c) => c.input as { IncludeManagedResources?: boolean; Filters?: Array<{ Name: string }> },
    );
    expect(inputs.every((input) => input.IncludeManagedResources === true)).toBe(true);
    // By the waiting subnets and the waiting group: both kinds were watched, by nothing else.
    const names = inputs.map((input) => input.Filters?.map((f) => f.Name) ?? []);
    expect(new Set(names.flat())).toEqual(new Set(['subnet-id', 'group-id']));
    // The deletes came once Lambda let go (10 minutes after the functions left), not before.
    const teardownCalls = account.sim.calls.slice(from);
    const left = Math.max(
      ...teardownCalls.filter((c) => c.operation === 'UpdateFunctionConfiguration').map((c) => c.at),
    );
    const deletes = teardownCalls.filter((c) => {
      const input = c.input as { SubnetId?: string; GroupId?: string };
      return c.operation.startsWith('Delete') && held.includes(input.SubnetId ?? input.GroupId ?? '');
    });
    expect(deletes.map((c) => c.operation).sort()).toEqual([
      'DeleteSecurityGroup',
      'DeleteSubnet',
      'DeleteSubnet',
    ]);
    expect(deletes.every((d) => d.at >= left + 10 * 60_000)).toBe(true);
    // The user saw how many remained, and since when.
    const waits = deps.recording.messages.filter((m) => m.code.startsWith('teardown.wait:'));
    expect(
      waits.some((m) =>
        /private subnet subnet-\w+: 1 of Lambda's network interfaces remains \(waiting since \d\d:\d\d:\d\d/.test(
          m.text,
        ),
      ),
    ).toBe(true);
    expect(
      waits.some((m) => /security group sg-\w+: 2 of Lambda's network interfaces remain/.test(m.text)),
    ).toBe(true);
    expect(waits.filter((m) => m.code === 'teardown.wait:succeed')).toHaveLength(3);
  });

  it('a teardown that finds none waits for nothing: one look, then the deletes', async () => {
    await setup(setupOptions(), account.deps());
    account.sim.timings.eniReleaseMs = 0;
    const from = account.sim.calls.length;
    await teardown(down(), account.deps());
    const watched = account.sim.calls.slice(from).filter((c) => c.operation === 'DescribeNetworkInterfaces');
    expect(watched.length).toBeLessThanOrEqual(2);
    expect(refusedDeletes()).toEqual([]);
  });

  it('without permission to look, falls back to retrying the deletes, and still finishes', async () => {
    const before = snapshot();
    await setup(setupOptions(), account.deps());
    account.sim.inject({ kind: 'deny', action: 'ec2:DescribeNetworkInterfaces' });
    await teardown(down(), account.deps());
    expect(snapshot()).toBe(before);
    expect(refusedDeletes().length).toBeGreaterThan(0);
  });
});
