/**
 * Lived-in accounts at AWS's limits: a stack of many functions (more than one resource's 50 tags),
 * a function whose tags are nearly full, a foreign security group holding the stack's group name,
 * aliases serving published versions, and a stack of the first release that kept its functions'
 * previous settings on a subnet. plan predicts what would stop setup halfway, and setup stops
 * before creating anything (exit 6) where plan says no.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/commands/plan.js';
import { setup } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { ExitCode } from '../../src/errors.js';
import { rejection, useLivedIn } from './support.js';

const world = useLivedIn();
const { options, snap, fn, byHand } = world;
const ARN = (name: string) => `arn:aws:lambda:ap-northeast-1:123456789012:function:${name}`;
const tagsOf = async (name: string) =>
  (
    (await world.account.sim.handle('lambda', 'ListTags', { Resource: ARN(name) })) as {
      Tags: Record<string, string>;
    }
  ).Tags;

describe('many functions', () => {
  it('60 functions: each keeps its previous network in its own tags, and a lost state file loses none of them', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `fn-${String(i).padStart(2, '0')}`);
    for (const name of names)
      world.account.sim.addFunction({ name, runtime: 'nodejs20.x', roleHasVpcAccess: true });
    // A few were in a network of their own before.
    const subnet = world.account.sim.addSubnet({
      vpcId: world.vpcId,
      cidr: '10.0.200.0/24',
      az: 'ap-northeast-1a',
    });
    const group = world.account.sim.addSecurityGroup({ vpcId: world.vpcId, name: 'legacy-app' });
    const inVpc = names.slice(0, 5);
    for (const name of inVpc)
      await byHand('lambda', 'UpdateFunctionConfiguration', {
        FunctionName: name,
        VpcConfig: { SubnetIds: [subnet], SecurityGroupIds: [group] },
      });

    const result = await setup(options({ functions: names, azs: 2 }), world.account.deps());
    expect(Object.keys(result.state.functions)).toHaveLength(60);
    const stackSubnets = new Set(
      result.state.shape.zones.map((z) => result.state.resources[`privateSubnet@${z}`]?.id),
    );
    for (const name of names) expect(stackSubnets.has(fn(name)?.subnetIds[0] ?? '')).toBe(true);
    // No subnet carries the functions' settings: each function does.
    for (const s of snap().subnets)
      expect(Object.keys(s.tags).filter((k) => k.startsWith('fixed-ip:function:'))).toEqual([]);
    expect(await tagsOf('fn-00')).toMatchObject({
      'fixed-ip:stack': 'default',
      'fixed-ip:previous': `${subnet}/${group}`,
    });
    expect(await tagsOf('fn-59')).toMatchObject({ 'fixed-ip:stack': 'default', 'fixed-ip:previous': 'none' });

    rmSync(world.account.statePath(), { force: true });
    const deps = world.account.deps();
    const down = await teardown({ name: 'default', yes: true }, deps);
    expect(down.finished).toBe(true);
    for (const name of inVpc)
      expect(fn(name)).toMatchObject({ subnetIds: [subnet], securityGroupIds: [group] });
    for (const name of names.slice(5))
      expect(fn(name)).toMatchObject({ subnetIds: [], securityGroupIds: [] });
    expect(snap().natGateways.filter((n) => n.state !== 'deleted')).toEqual([]);
    // fixed-ip's tags leave with the stack.
    expect(Object.keys(await tagsOf('fn-00')).filter((k) => k.startsWith('fixed-ip:'))).toEqual([]);
  });

  it('a stack of the first release, whose subnet holds the previous settings, still restores its functions without a state file', async () => {
    const subnet = world.account.sim.addSubnet({
      vpcId: world.vpcId,
      cidr: '10.0.200.0/24',
      az: 'ap-northeast-1a',
    });
    const group = world.account.sim.addSecurityGroup({ vpcId: world.vpcId, name: 'legacy-app' });
    await byHand('lambda', 'UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [subnet], SecurityGroupIds: [group] },
    });
    const result = await setup(options(), world.account.deps());
    // As the first release left it: the setting on the private subnet, none on the function.
    const privateSubnet = result.state.resources[`privateSubnet@${result.state.shape.zones[0]}`]?.id;
    await byHand('ec2', 'CreateTags', {
      Resources: [privateSubnet],
      Tags: [{ Key: 'fixed-ip:function:orders-api', Value: `${subnet}/${group}` }],
    });
    await byHand('lambda', 'UntagResource', {
      Resource: ARN('orders-api'),
      TagKeys: ['fixed-ip:stack', 'fixed-ip:previous'],
    });
    rmSync(world.account.statePath(), { force: true });
    await teardown({ name: 'default', yes: true }, world.account.deps());
    expect(fn('orders-api')).toMatchObject({ subnetIds: [subnet], securityGroupIds: [group] });
  });
});

describe('plan predicts what would stop setup halfway; setup stops first (exit 6)', () => {
  it('a function with 49 tags has no room for fixed-ip’s two', async () => {
    const tags = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`team:${i}`, 'x']));
    await byHand('lambda', 'TagResource', { Resource: ARN('orders-api'), Tags: tags });
    const report = await plan({ ...options(), json: true }, world.account.deps());
    expect(report.wouldSucceed).toBe(false);
    expect(report.blockers.join('\n')).toMatch(/orders-api has 49 tags .* remove 1 of orders-api's tags/);

    const before = JSON.stringify(world.account.sim.snapshot());
    const error = await rejection(setup(options(), world.account.deps()));
    expect(error.exitCode).toBe(ExitCode.planBlocked);
    expect(error.line).toMatch(/remove 1 of orders-api's tags/);
    expect(JSON.stringify(world.account.sim.snapshot())).toBe(before);

    await byHand('lambda', 'UntagResource', { Resource: ARN('orders-api'), TagKeys: ['team:0'] });
    expect((await plan({ ...options(), json: true }, world.account.deps())).wouldSucceed).toBe(true);
  });

  it("a foreign security group holding the stack's group name: plan says pick another name, setup creates nothing", async () => {
    const foreign = world.account.sim.addSecurityGroup({ vpcId: world.vpcId, name: 'fixed-ip-default' });
    const report = await plan({ ...options(), json: true }, world.account.deps());
    expect(report.wouldSucceed).toBe(false);
    expect(report.blockers.join('\n')).toMatch(
      new RegExp(
        `security group named fixed-ip-default \\(${foreign}\\).*pick a free stack name with --name`,
      ),
    );
    const before = JSON.stringify(world.account.sim.snapshot());
    const error = await rejection(setup(options(), world.account.deps()));
    expect(error.exitCode).toBe(ExitCode.planBlocked);
    expect(JSON.stringify(world.account.sim.snapshot())).toBe(before);
    // The advice holds: another name is free.
    expect(
      (await plan({ ...options({ name: 'orders' }), json: true }, world.account.deps())).wouldSucceed,
    ).toBe(true);
    await setup(options({ name: 'orders' }), world.account.deps());
    expect(snap().natGateways.filter((n) => n.state === 'available')).toHaveLength(1);
  });

  it("the NAT instance's group name taken too is a blocker", async () => {
    world.account.sim.addSecurityGroup({ vpcId: world.vpcId, name: 'fixed-ip-nat-default' });
    const report = await plan({ ...options({ nat: 'instance' }), json: true }, world.account.deps());
    expect(report.blockers.join('\n')).toMatch(/security group named fixed-ip-nat-default/);
  });
});

describe('aliases serving published versions', () => {
  it('are warned about in plan, setup and status', async () => {
    await byHand('lambda', 'PublishVersion', { FunctionName: 'orders-api' });
    await byHand('lambda', 'CreateAlias', { FunctionName: 'orders-api', Name: 'prod', FunctionVersion: '1' });
    await byHand('lambda', 'CreateAlias', {
      FunctionName: 'orders-api',
      Name: 'dev',
      FunctionVersion: '$LATEST',
    });
    const warning = /orders-api's alias prod \(version 1\) serves a published version.*publish-version/;

    const planned = world.account.deps();
    const report = await plan(options(), planned);
    expect(report.functions[0]?.staleAliases).toEqual(['prod (version 1)']);
    expect(planned.recording.results.some((line) => warning.test(line))).toBe(true);

    const set = world.account.deps();
    await setup(options(), set);
    expect(
      set.recording.messages.some((m) => m.code === 'setup.function.aliases' && warning.test(m.text)),
    ).toBe(true);

    const seen = world.account.deps();
    const now = await status({ name: 'default' }, seen);
    expect(now.functions[0]?.staleAliases).toEqual(['prod (version 1)']);
    expect(seen.recording.results.some((line) => warning.test(line))).toBe(true);
    // A warning, not drift: the stack is healthy.
    expect(now.healthy).toBe(true);
  });

  it('a function without aliases on published versions is not warned about', async () => {
    const set = world.account.deps();
    await setup(options(), set);
    expect(set.recording.messages.some((m) => m.code === 'setup.function.aliases')).toBe(false);
    expect(
      (await status({ name: 'default', json: true }, world.account.deps())).functions[0],
    ).not.toHaveProperty('staleAliases');
  });
});
