/**
 * A state record decides nothing on its own: whatever the state file (or an S3 state object) says,
 * nothing is deleted unless the live resource's complete tag set proves this stack's fixed-ip made
 * it. Records added by hand for resources in another VPC or of another stack, and resources that
 * only look like the stack's, are kept, named, and a teardown that leaves one that still bills
 * says so and exits non-zero. What teardown's confirmation says it keeps or deletes is what it does.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { setup } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { ExitCode } from '../../src/errors.js';
import { rejection, useLivedIn } from './support.js';

const world = useLivedIn(['orders-api', 'billing']);
const { options, snap } = world;

type Records = Record<string, Record<string, unknown>>;

function addRecords(records: Records, name = 'default'): void {
  const path = world.account.statePath(name);
  const state = JSON.parse(readFileSync(path, 'utf8')) as { resources: Records };
  Object.assign(state.resources, records);
  writeFileSync(path, JSON.stringify(state));
}

/** Made by hand in another VPC of the account: a VPC with an internet gateway, a subnet, an IP and a NAT gateway. */
async function foreignNat(): Promise<{ vpcId: string; subnetId: string; natId: string }> {
  const { sim } = world.account;
  const vpcId = sim.addVpc({ cidr: '10.9.0.0/16', name: 'legacy' });
  sim.addInternetGateway({ vpcId });
  const subnetId = sim.addSubnet({ vpcId, cidr: '10.9.1.0/24', az: 'ap-northeast-1c', name: 'legacy' });
  const { allocationId } = sim.addAddress();
  const out = (await world.byHand('ec2', 'CreateNatGateway', {
    SubnetId: subnetId,
    AllocationId: allocationId,
  })) as { NatGateway: { NatGatewayId: string } };
  return { vpcId, subnetId, natId: out.NatGateway.NatGatewayId };
}

/** Describe calls since `from` that name resources by id (the proof's look beyond the loaded world). */
function byIdLooks(from: number): string[] {
  return world.account.sim.calls
    .slice(from)
    .filter((call) => {
      const input = call.input as { Filters?: Array<{ Name?: string }>; Filter?: Array<{ Name?: string }> };
      return [...(input.Filters ?? []), ...(input.Filter ?? [])].some((f) =>
        ['subnet-id', 'nat-gateway-id'].includes(f.Name ?? ''),
      );
    })
    .map((call) => call.operation);
}

const natState = (id: string): string | undefined => snap().natGateways.find((n) => n.id === id)?.state;
const subnetIds = (): string[] => snap().subnets.map((s) => s.id);

describe('records added to the state file by hand', () => {
  it('naming a NAT gateway and a subnet in another VPC: setup re-run and teardown keep both, say so, and teardown exits 3', async () => {
    await setup(options(), world.account.deps());
    const foreign = await foreignNat();
    expect(natState(foreign.natId)).toBe('available');
    const forged: Records = {
      'natGateway@ap-northeast-1c': {
        kind: 'natGateway',
        id: foreign.natId,
        owned: true,
        zone: 'ap-northeast-1c',
      },
      'publicSubnet@ap-northeast-1c': {
        kind: 'publicSubnet',
        id: foreign.subnetId,
        owned: true,
        zone: 'ap-northeast-1c',
        cidr: '10.9.1.0/24',
      },
    };

    // A plain re-run: "the new shape does not use them".
    addRecords(forged);
    const again = world.account.deps();
    await setup(options(), again);
    expect(natState(foreign.natId)).toBe('available');
    expect(subnetIds()).toContain(foreign.subnetId);
    const warned = again.recording.messages.filter((m) => m.code === 'removal.unproven');
    expect(warned.map((m) => (m.data as { id: string }).id).sort()).toEqual(
      [foreign.natId, foreign.subnetId].sort(),
    );
    expect(again.recording.codes().filter((c) => c.startsWith('setup.retired.'))).toEqual([]);
    // Not the stack's: the records go, and the stack is as healthy as before.
    expect(world.account.readState()?.resources['natGateway@ap-northeast-1c']).toBeUndefined();
    expect((await status({ name: 'default', json: true }, world.account.deps())).healthy).toBe(true);

    // Teardown: the stack goes, the foreign NAT gateway and subnet stay, and the run says so.
    addRecords(forged);
    const down = world.account.deps();
    const from = world.account.sim.calls.length;
    const error = await rejection(teardown({ name: 'default', yes: true }, down));
    // One look by id per kind of resource the loaded world lacks (the NAT's own waits aside).
    expect(byIdLooks(from).filter((op) => op === 'DescribeSubnets')).toHaveLength(1);
    expect(error.code).toBe('UNPROVEN_KEPT');
    expect(error.exitCode).toBe(ExitCode.drifted);
    expect(error.message).toContain(foreign.natId);
    expect(error.message).toMatch(/still bills/);
    expect(natState(foreign.natId)).toBe('available');
    expect(subnetIds()).toContain(foreign.subnetId);
    expect(down.recording.codes()).toContain('removal.unproven');
    expect(down.recording.results.join('\n')).not.toMatch(/is gone|nothing is billed/);
    // The stack's own resources are gone.
    expect(snap().natGateways.filter((n) => n.id !== foreign.natId && n.state !== 'deleted')).toEqual([]);
    expect(snap().subnets.filter((s) => s.tags['fixed-ip:stack'] === 'default')).toEqual([]);
  });

  it("naming another stack's NAT gateway and subnet in the same VPC: kept, and that stack stays healthy", async () => {
    await setup(options({ name: 'a' }), world.account.deps());
    const b = await setup(options({ name: 'b', functions: ['billing'] }), world.account.deps());
    const zone = b.state.shape.zones[0] ?? '';
    const bNat = b.state.resources[`natGateway@${zone}`]?.id ?? '';
    const bSubnet = b.state.resources[`privateSubnet@${zone}`]?.id ?? '';
    addRecords(
      {
        'natGateway@ap-northeast-1c': { kind: 'natGateway', id: bNat, owned: true, zone: 'ap-northeast-1c' },
        'privateSubnet@ap-northeast-1c': {
          kind: 'privateSubnet',
          id: bSubnet,
          owned: true,
          zone: 'ap-northeast-1c',
          cidr: '10.0.99.0/24',
        },
      },
      'a',
    );
    const deps = world.account.deps();
    const error = await rejection(teardown({ name: 'a', yes: true }, deps));
    expect(error.code).toBe('UNPROVEN_KEPT');
    const kept = deps.recording.messages.filter((m) => m.code === 'removal.unproven');
    expect(kept.map((m) => m.text).join('\n')).toMatch(/its tags name stack b/);
    expect(natState(bNat)).toBe('available');
    expect(subnetIds()).toContain(bSubnet);
    expect((await status({ name: 'b', json: true }, world.account.deps())).healthy).toBe(true);
  });
});

describe('deletes in passing', () => {
  it("a change to a NAT instance never deletes a NAT gateway whose tags do not prove it is the stack's", async () => {
    const first = await setup(options(), world.account.deps());
    const nat = Object.values(first.state.resources).find((r) => r.kind === 'natGateway')?.id ?? '';
    await world.byHand('ec2', 'DeleteTags', { Resources: [nat], Tags: [{ Key: 'fixed-ip:role' }] });
    const error = await rejection(setup(options({ nat: 'instance' }), world.account.deps()));
    expect(error.code).toBe('EIP_IN_USE');
    expect(error.message).toContain(nat);
    expect(natState(nat)).toBe('available');
  });
});

describe('what only looks like the stack', () => {
  it("the state file lost and the NAT gateway's role tag removed: teardown never says its charge stopped, names it as still billed, and exits non-zero", async () => {
    const first = await setup(options(), world.account.deps());
    const nat = Object.values(first.state.resources).find((r) => r.kind === 'natGateway')?.id ?? '';
    rmSync(world.account.statePath());
    await world.byHand('ec2', 'DeleteTags', { Resources: [nat], Tags: [{ Key: 'fixed-ip:role' }] });

    const deps = world.account.deps();
    const error = await rejection(teardown({ name: 'default', yes: true, wait: '1' }, deps));
    expect(error.exitCode).not.toBe(ExitCode.ok);
    expect(error.message).not.toMatch(/charge has stopped|nothing is billed/);
    expect(error.message).toMatch(new RegExp(`Still billed.*NAT gateway ${nat}`));
    expect(error.hint).toMatch(/delete what still bills yourself/);
    expect(natState(nat)).toBe('available');
    // Named before consent, among what is kept.
    const keep = deps.recording.messages.find((m) => m.code === 'teardown.plan.keep');
    expect(keep?.data).toContain(nat);
    expect(deps.recording.codes()).toContain('teardown.unproven');
  });

  it("a security group made by hand with only the stack's name tag: kept, and among teardown's resources with why", async () => {
    const first = await setup(options(), world.account.deps());
    const vpcId = first.state.resources.vpc?.id ?? '';
    const made = (await world.byHand('ec2', 'CreateSecurityGroup', {
      GroupName: 'looks-like-fixed-ip',
      Description: 'made by hand',
      VpcId: vpcId,
      TagSpecifications: [
        { ResourceType: 'security-group', Tags: [{ Key: 'fixed-ip:stack', Value: 'default' }] },
      ],
    })) as { GroupId: string };

    const result = await teardown({ name: 'default', yes: true }, world.account.deps());
    expect(result.resources).toContainEqual({
      kind: 'securityGroup',
      id: made.GroupId,
      action: 'kept',
      reason: expect.stringMatching(/^fixed-ip cannot prove it made it: /) as unknown,
    });
    const groups = (await world.byHand('ec2', 'DescribeSecurityGroups', { GroupIds: [made.GroupId] })) as {
      SecurityGroups: unknown[];
    };
    expect(groups.SecurityGroups).toHaveLength(1);
  });

  it("an Elastic IP allocated by hand with only the stack's name tag: kept, and teardown says what still bills (exit 3)", async () => {
    await setup(options(), world.account.deps());
    const { allocationId, publicIp } = world.account.sim.addAddress({
      tags: { 'fixed-ip:stack': 'default' },
    });

    const deps = world.account.deps();
    const error = await rejection(teardown({ name: 'default', yes: true }, deps));
    expect(error.code).toBe('UNPROVEN_KEPT');
    expect(error.exitCode).toBe(ExitCode.drifted);
    expect(error.message).toMatch(new RegExp(`Elastic IP ${allocationId}.*still bills`));
    expect(error.message).not.toMatch(/nothing is billed/);
    expect(deps.recording.results.join('\n')).not.toMatch(/is gone/);
    expect(snap().addresses.map((a) => a.id)).toContain(allocationId);
    expect(publicIp).toBeTruthy();
    // Everything the stack made is gone.
    expect(snap().natGateways.filter((n) => n.state !== 'deleted')).toEqual([]);
    expect(snap().subnets.filter((s) => s.tags['fixed-ip:stack'] === 'default')).toEqual([]);
  });
});

describe("teardown's confirmation is what happens", () => {
  const listed = (deps: ReturnType<typeof world.account.deps>, code: string): unknown =>
    deps.recording.messages.find((m) => m.code === code)?.data;
  const igwIds = (): string[] => snap().internetGateways.map((g) => g.id);

  it('an internet gateway that was there before: listed as kept, and still there afterwards', async () => {
    const igw = world.account.sim.addInternetGateway({ vpcId: world.vpcId });
    await setup(options(), world.account.deps());
    const deps = world.account.deps();
    const from = world.account.sim.calls.length;
    await teardown({ name: 'default', yes: true }, deps);
    // Everything recorded is in the loaded world with its tags: no look by id for the proof.
    expect(byIdLooks(from).filter((op) => op === 'DescribeSubnets')).toEqual([]);
    expect(listed(deps, 'teardown.plan.keep')).toContain('internetGateway');
    expect(listed(deps, 'teardown.plan.delete')).not.toContain('internetGateway');
    expect(igwIds()).toContain(igw);
  });

  it("stack a's gateway while stack b uses it: listed as kept, and kept; b's teardown lists it as deleted, and deletes it", async () => {
    await setup(options({ name: 'a' }), world.account.deps());
    const igw = world.account.readState('a')?.internetGateway?.id ?? '';
    await setup(options({ name: 'b', functions: ['billing'] }), world.account.deps());

    const first = world.account.deps();
    await teardown({ name: 'a', yes: true }, first);
    expect(listed(first, 'teardown.plan.keep')).toContain('internetGateway');
    expect(listed(first, 'teardown.plan.delete')).not.toContain('internetGateway');
    expect(igwIds()).toContain(igw);

    const last = world.account.deps();
    await teardown({ name: 'b', yes: true }, last);
    expect(listed(last, 'teardown.plan.delete')).toContain('internetGateway');
    expect(listed(last, 'teardown.plan.keep') ?? []).not.toContain('internetGateway');
    expect(igwIds()).not.toContain(igw);
  });
});
