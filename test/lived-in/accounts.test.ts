/**
 * Lived-in accounts: several stacks in one VPC, functions of other stacks, resources deleted or
 * edited by hand, foreign resources that look like ours. For each: nothing of anyone else's is
 * deleted, teardown always stops the charges, and every message is true.
 */
import { describe, expect, it } from 'vitest';
import { detach } from '../../src/commands/detach.js';
import { list } from '../../src/commands/list.js';
import { setup } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { ExitCode } from '../../src/errors.js';
import { rejection, useLivedIn } from './support.js';

const world = useLivedIn(['orders-api', 'billing']);
const { options, snap, fn } = world;
/** Calls Lambda as a person would by hand, outside fixed-ip. */
const byHand = (operation: string, input: Record<string, unknown>) =>
  world.byHand('lambda', operation, input);

describe('ownership', () => {
  it('a function already in stack a is refused by stack b, naming a and the way out', async () => {
    await setup(options({ name: 'a' }), world.account.deps());
    const before = JSON.stringify(world.account.sim.snapshot());
    const error = await rejection(setup(options({ name: 'b' }), world.account.deps()));
    expect(error.code).toBe('FUNCTION_IN_OTHER_STACK');
    expect(error.line).toMatch(/belongs to stack a/);
    expect(error.line).toMatch(/fixed-ip detach --name a --function orders-api/);
    expect(JSON.stringify(world.account.sim.snapshot())).toBe(before);
  });

  it('teardown keeps a subnet and security group another function still uses, names it, and still stops the charges', async () => {
    await setup(options(), world.account.deps());
    const ours = fn('orders-api');
    // Someone attaches another function to the stack's network by hand.
    await byHand('UpdateFunctionConfiguration', {
      FunctionName: 'billing',
      VpcConfig: { SubnetIds: ours?.subnetIds, SecurityGroupIds: ours?.securityGroupIds },
    });
    const deps = world.account.deps();
    // billing is left without internet access: named, with a non-zero exit (test/lived-in/workloads).
    expect((await rejection(teardown({ name: 'default', yes: true }, deps))).code).toBe('FUNCTION_STRANDED');
    const s = snap();
    expect(s.natGateways.filter((n) => n.state !== 'deleted')).toEqual([]);
    expect(s.addresses.filter((a) => a.tags['fixed-ip:stack'] === 'default')).toEqual([]);
    expect(s.subnets.map((x) => x.id)).toContain(ours?.subnetIds[0]);
    expect(s.securityGroups.map((g) => g.id)).toContain(ours?.securityGroupIds[0]);
    expect(fn('billing')?.subnetIds).toEqual(ours?.subnetIds);
    const kept = deps.recording.messages
      .filter((m) => m.code.startsWith('teardown.kept.'))
      .map((m) => m.text);
    expect(kept.some((t) => /in use by function billing/.test(t))).toBe(true);
    expect(world.account.readState()?.privateSubnet?.id).toBe(ours?.subnetIds[0]);
  });

  it('an internet gateway with some of our tags but not all is never taken for ours', async () => {
    const igw = world.account.sim.addInternetGateway({ vpcId: world.vpcId });
    await world.account.sim.handle('ec2', 'CreateTags', {
      Resources: [igw],
      Tags: [
        { Key: 'fixed-ip:stack', Value: 'default' },
        { Key: 'fixed-ip:role', Value: 'internet-gateway' },
      ],
    });
    await setup(options(), world.account.deps());
    expect(world.account.readState()?.internetGateway).toMatchObject({ id: igw, owned: false });
    await teardown({ name: 'default', yes: true }, world.account.deps());
    expect(snap().internetGateways.map((g) => g.id)).toContain(igw);
  });
});

describe('a shared internet gateway', () => {
  it('made by stack a and reused by b: it stays while b uses it, and the last stack to leave removes it', async () => {
    await setup(options({ name: 'a' }), world.account.deps());
    const igw = world.account.readState('a')?.internetGateway?.id;
    expect(world.account.readState('a')?.internetGateway?.owned).toBe(true);
    await setup(options({ name: 'b', functions: ['billing'] }), world.account.deps());
    expect(world.account.readState('b')?.internetGateway).toMatchObject({ id: igw, owned: false });

    const deps = world.account.deps();
    await teardown({ name: 'a', yes: true }, deps);
    expect(snap().internetGateways.map((g) => g.id)).toContain(igw);
    expect(deps.recording.messages.some((m) => /still used by stack b/.test(m.text))).toBe(true);
    expect((await status({ name: 'b', json: true }, world.account.deps())).healthy).toBe(true);

    await teardown({ name: 'b', yes: true }, world.account.deps());
    expect(snap().internetGateways.map((g) => g.id)).not.toContain(igw);
  });
});

describe('day-2: list', () => {
  it('finds every stack of the account and region by its tags, with its IPs, mode, zones, functions and cost', async () => {
    const a = await setup(options({ name: 'a' }), world.account.deps());
    const b = await setup(
      options({ name: 'b', functions: ['billing'], nat: 'gateway-per-az', azs: 2 }),
      world.account.deps(),
    );
    const report = await list({}, world.account.deps());
    expect(report.stacks.map((s) => s.name)).toEqual(['a', 'b']);
    expect(report.stacks[0]).toMatchObject({
      natMode: 'gateway',
      elasticIps: a.elasticIps,
      functions: ['orders-api'],
    });
    expect(report.stacks[1]).toMatchObject({ natMode: 'gateway-per-az', functions: ['billing'] });
    expect([...(report.stacks[1]?.elasticIps ?? [])].sort()).toEqual([...b.elasticIps].sort());
    expect(report.stacks[1]?.zones).toHaveLength(2);
    expect(report.stacks[0]?.monthlyCostUsd).toBeCloseTo(48.91);
  });
});

describe('a function another stack took since', () => {
  it("moved out of stack a by hand and set up by stack b: a's teardown leaves it, and b's tags, alone", async () => {
    await setup(options({ name: 'a' }), world.account.deps());
    await byHand('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
    });
    await setup(options({ name: 'b' }), world.account.deps());
    const inB = fn('orders-api');
    const arn = 'arn:aws:lambda:ap-northeast-1:123456789012:function:orders-api';
    const tagsOf = async () =>
      (
        (await world.account.sim.handle('lambda', 'ListTags', { Resource: arn })) as {
          Tags: Record<string, string>;
        }
      ).Tags;
    const tagsInB = await tagsOf();
    expect(tagsInB['fixed-ip:stack']).toBe('b');

    const deps = world.account.deps();
    await teardown({ name: 'a', yes: true }, deps);
    expect(deps.recording.messages.some((m) => m.code === 'teardown.function.moved')).toBe(true);
    expect(fn('orders-api')).toEqual(inB);
    expect(await tagsOf()).toEqual(tagsInB);
    expect((await status({ name: 'b', json: true }, world.account.deps())).healthy).toBe(true);
  });
});

describe('day-2: detach', () => {
  it("takes a function out of stack a (back to where it was), so stack b may take it; a's other function stays", async () => {
    await setup(options({ name: 'a', functions: ['orders-api', 'billing'] }), world.account.deps());
    const before = fn('orders-api');
    const deps = world.account.deps();
    await detach({ name: 'a', functions: ['orders-api'], yes: true }, deps);
    expect(fn('orders-api')).toMatchObject({ subnetIds: [], securityGroupIds: [] });
    expect(Object.keys(world.account.readState('a')?.functions ?? {})).toEqual(['billing']);
    expect(fn('billing')?.subnetIds).toEqual(before?.subnetIds);
    expect(deps.recording.messages.some((m) => m.code === 'detach.done')).toBe(true);
    await setup(options({ name: 'b', functions: ['orders-api'] }), world.account.deps());
    expect(fn('orders-api')?.subnetIds).not.toEqual(before?.subnetIds);
  });

  it('refuses a function the stack does not hold, and asks consent without a terminal, changing nothing', async () => {
    await setup(options({ name: 'a' }), world.account.deps());
    const before = JSON.stringify(world.account.sim.snapshot());
    expect(
      (await rejection(detach({ name: 'a', functions: ['billing'], yes: true }, world.account.deps()))).line,
    ).toMatch(/function billing is not in stack a/);
    expect(
      (await rejection(detach({ name: 'a', functions: ['orders-api'] }, world.account.deps()))).code,
    ).toBe('CONSENT_REQUIRED');
    expect(JSON.stringify(world.account.sim.snapshot())).toBe(before);
  });
});

describe('teardown always stops the charges', () => {
  it('a function whose previous security group was deleted is taken out of the VPC, and the NAT gateway still goes', async () => {
    const subnet = world.account.sim.addSubnet({
      vpcId: world.vpcId,
      cidr: '10.0.200.0/24',
      az: 'ap-northeast-1a',
    });
    const group = world.account.sim.addSecurityGroup({ vpcId: world.vpcId, name: 'old' });
    await byHand('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [subnet], SecurityGroupIds: [group] },
    });
    await setup(options(), world.account.deps());
    // Lambda's old interface is gone after a while; then the group can be deleted by hand.
    world.account.clock.advance(60 * 60_000);
    await world.account.sim.handle('ec2', 'DeleteSecurityGroup', { GroupId: group });
    const deps = world.account.deps();
    await teardown({ name: 'default', yes: true }, deps);
    expect(snap().natGateways.filter((n) => n.state !== 'deleted')).toEqual([]);
    expect(fn('orders-api')).toMatchObject({ subnetIds: [], securityGroupIds: [] });
    expect(
      deps.recording.messages.some(
        (m) => m.code === 'teardown.function.out-of-vpc' && m.text.includes(group),
      ),
    ).toBe(true);
  });

  it('a function deleted outside fixed-ip: status says it is gone (not drift), and teardown completes', async () => {
    await setup(options({ functions: ['orders-api', 'billing'] }), world.account.deps());
    await byHand('DeleteFunction', { FunctionName: 'billing' });
    const report = await status({ name: 'default', json: true }, world.account.deps());
    expect(report.functions.find((f) => f.name === 'billing')).toMatchObject({ gone: true });
    expect(report.healthy).toBe(true);
    const again = world.account.deps();
    await setup(options({ functions: [] }), again);
    expect(again.recording.messages.some((m) => m.code === 'setup.function.gone')).toBe(true);
    expect(Object.keys(world.account.readState()?.functions ?? {})).toEqual(['orders-api']);
    await teardown({ name: 'default', yes: true }, world.account.deps());
    expect(world.account.readState()).toBeUndefined();
  });
});

describe('inputs mean what they say', () => {
  it.each([
    [
      'arn:aws:lambda:us-east-1:123456789012:function:orders-api',
      /is in us-east-1, but this run is in ap-northeast-1/,
    ],
    ['arn:aws:lambda:ap-northeast-1:999999999999:function:orders-api', /belongs to account 999999999999/],
    ['orders-api:prod', /names a version or alias \(prod\)/],
    ['arn:aws:lambda:ap-northeast-1:123456789012:function:orders-api:7', /names a version or alias \(7\)/],
  ])('--function %s is one line, exit 2, nothing created', async (value, message) => {
    const before = JSON.stringify(world.account.sim.snapshot());
    const error = await rejection(setup(options({ functions: [value] }), world.account.deps()));
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.line).toMatch(message);
    expect(error.line).not.toContain('\n');
    expect(JSON.stringify(world.account.sim.snapshot())).toBe(before);
  });

  it('repeated --function values are one function', async () => {
    const result = await setup(
      options({
        functions: [
          'orders-api',
          'orders-api',
          'arn:aws:lambda:ap-northeast-1:123456789012:function:orders-api',
        ],
      }),
      world.account.deps(),
    );
    expect(Object.keys(result.state.functions)).toEqual(['orders-api']);
  });
});
