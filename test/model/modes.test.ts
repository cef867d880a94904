/**
 * Every NAT mode and zone count, end to end against the simulator: what setup builds, what status
 * says, that a re-run changes nothing, and that teardown leaves the account as it began. And a
 * change of mode or zones on a live stack: at every moment, every attached function's subnets
 * route to an available NAT.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { createTestAccount, mutatingCalls, type TestAccount } from '../support/env.js';

type Nat = NonNullable<SetupOptions['nat']>;

let account: TestAccount;
let vpcId: string;

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  ...extra,
});

interface Snap {
  subnets: Array<{ id: string; vpcId: string; az: string; tags: Record<string, string> }>;
  routeTables: Array<{
    id: string;
    vpcId: string;
    main: boolean;
    routes: Array<{ destination: string; target?: string }>;
    subnetIds: string[];
  }>;
  natGateways: Array<{
    id: string;
    state: string;
    allocationId?: string | null;
    regional?: { addresses: Array<{ az: string; allocationId: string }> };
  }>;
  addresses: Array<{ id: string; publicIp: string; tags: Record<string, string> }>;
  functions: Array<{ name: string; subnetIds: string[] }>;
}
const snap = (): Snap => account.sim.snapshot() as Snap;

/** Each function in a VPC: every one of its subnets routes 0.0.0.0/0 to an available NAT gateway. */
function egressProblems(): string[] {
  const s = snap();
  const problems: string[] = [];
  for (const fn of s.functions) {
    for (const subnetId of fn.subnetIds) {
      const subnet = s.subnets.find((x) => x.id === subnetId);
      const table =
        s.routeTables.find((t) => t.subnetIds.includes(subnetId)) ??
        s.routeTables.find((t) => t.main && t.vpcId === subnet?.vpcId);
      const target = table?.routes.find((r) => r.destination === '0.0.0.0/0')?.target;
      const nat = s.natGateways.find((n) => n.id === target);
      if (!nat || nat.state !== 'available')
        problems.push(
          `${fn.name} in ${subnetId}: 0.0.0.0/0 -> ${target ?? 'nothing'} (${nat?.state ?? 'no NAT'})`,
        );
    }
  }
  return problems;
}

/** Checks egress after every call the simulator answers while `run` runs. */
async function watchingEgress(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const original = account.sim.handle.bind(account.sim);
  account.sim.handle = async (...args: Parameters<typeof original>) => {
    const out = await original(...args);
    for (const problem of egressProblems()) seen.push(`after ${args[0]}:${args[1]}: ${problem}`);
    return out;
  };
  try {
    await run();
  } finally {
    account.sim.handle = original;
  }
  return seen;
}

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addInternetGateway({ vpcId });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

const shapes: Array<[Nat, number, { publicSubnets: number; nats: number; ips: number }]> = [
  ['gateway', 1, { publicSubnets: 1, nats: 1, ips: 1 }],
  ['gateway', 2, { publicSubnets: 1, nats: 1, ips: 1 }],
  ['gateway-per-az', 2, { publicSubnets: 2, nats: 2, ips: 2 }],
  ['gateway-per-az', 3, { publicSubnets: 3, nats: 3, ips: 3 }],
  ['regional', 2, { publicSubnets: 0, nats: 1, ips: 2 }],
  ['regional', 3, { publicSubnets: 0, nats: 1, ips: 3 }],
];

describe.each(shapes)('--nat %s with %i zone(s)', (nat, zones, want) => {
  it('builds the shape, status is healthy with every IP, a re-run changes nothing, teardown restores the account', async () => {
    const before = JSON.stringify(account.sim.snapshot());
    const result = await setup(options({ nat, azs: zones }), account.deps());
    const s = snap();
    const ours = (tags: Record<string, string>) => tags['fixed-ip:stack'] === 'default';
    const privateSubnets = s.subnets.filter(
      (x) => ours(x.tags) && x.tags['fixed-ip:role'] === 'private-subnet',
    );
    const publicSubnets = s.subnets.filter(
      (x) => ours(x.tags) && x.tags['fixed-ip:role'] === 'public-subnet',
    );
    expect(new Set(privateSubnets.map((x) => x.az)).size).toBe(zones);
    expect(publicSubnets).toHaveLength(want.publicSubnets);
    expect(s.natGateways.filter((n) => n.state === 'available')).toHaveLength(want.nats);
    expect(result.elasticIps).toHaveLength(want.ips);
    expect(new Set(result.elasticIps).size).toBe(want.ips);
    // The function runs in every zone's private subnet, and each of them has egress.
    expect(s.functions.find((f) => f.name === 'orders-api')?.subnetIds.sort()).toEqual(
      privateSubnets.map((x) => x.id).sort(),
    );
    expect(egressProblems()).toEqual([]);
    if (nat === 'gateway-per-az') {
      // Each zone routes to its own zone's NAT gateway.
      for (const subnet of privateSubnets) {
        const table = s.routeTables.find((t) => t.subnetIds.includes(subnet.id));
        const target = table?.routes.find((r) => r.destination === '0.0.0.0/0')?.target;
        const natSubnet = s.natGateways.find((n) => n.id === target) as { subnetId?: string } | undefined;
        expect(s.subnets.find((x) => x.id === natSubnet?.subnetId)?.az).toBe(subnet.az);
      }
    }
    if (nat === 'regional') {
      const gateway = s.natGateways[0];
      expect(gateway?.regional?.addresses.map((a) => a.az).sort()).toEqual(
        privateSubnets.map((x) => x.az).sort(),
      );
    }

    const deps = account.deps();
    const report = await status({ name: 'default', json: true }, deps);
    expect(report.problems).toEqual([]);
    expect(report.healthy).toBe(true);
    expect(report.natMode).toBe(nat);
    expect(report.zones).toHaveLength(zones);
    expect(report.elasticIps).toEqual(result.elasticIps);
    expect(report.elasticIp).toBe(result.elasticIps[0]);
    expect(
      report.resources
        .filter((r) => r.type === 'privateSubnet')
        .map((r) => r.zone)
        .sort(),
    ).toEqual(report.zones.slice().sort());

    const before2 = mutatingCalls(account.sim).length;
    const again = await setup(options({ nat, azs: zones }), account.deps());
    expect(mutatingCalls(account.sim).slice(before2), 'a re-run of a complete stack').toEqual([]);
    expect(again.changed).toBe(false);
    expect(again.elasticIps).toEqual(result.elasticIps);

    await teardown({ name: 'default', yes: true }, account.deps());
    expect(JSON.stringify(account.sim.snapshot())).toBe(before);
  });
});

describe('changing the shape of a live stack', () => {
  const steps: Array<[string, Partial<SetupOptions>]> = [
    ['gateway, 2 zones', { nat: 'gateway', azs: 2 }],
    ['gateway-per-az, 2 zones', { nat: 'gateway-per-az' }],
    ['gateway-per-az, 3 zones', { azs: 3 }],
    ['gateway, 3 zones', { nat: 'gateway' }],
    ['gateway, 1 zone', { azs: 1 }],
    ['gateway-per-az, 2 zones again', { nat: 'gateway-per-az', azs: 2 }],
  ];

  it('keeps egress at every moment, keeps the first IP, and leaves nothing behind', async () => {
    const first = await setup(options(steps[0]?.[1]), account.deps());
    const ip = first.elasticIps[0];
    for (const [label, change] of steps.slice(1)) {
      const deps = account.deps();
      const problems = await watchingEgress(() => setup(options(change), deps));
      expect(problems, `${label}: functions without egress`).toEqual([]);
      const report = await status({ name: 'default', json: true }, account.deps());
      expect(report.healthy, `${label}: ${report.problems.join('; ')}`).toBe(true);
      expect(report.elasticIps[0], `${label}: the allowlisted first IP stays`).toBe(ip);
    }
    // No Elastic IP was released by a change of shape.
    const s = snap();
    const ours = s.addresses.filter((a) => a.tags['fixed-ip:stack'] === 'default');
    expect(ours.length).toBeGreaterThanOrEqual(3);
    await teardown({ name: 'default', yes: true }, account.deps());
    expect(snap().addresses.filter((a) => a.tags['fixed-ip:stack'] === 'default')).toEqual([]);
  });
});

describe('changing to and from a regional NAT gateway', () => {
  it('with two zones: keeps egress at every moment and every allowlisted IP', async () => {
    const first = await setup(options({ nat: 'gateway-per-az', azs: 2 }), account.deps());
    expect(first.elasticIps).toHaveLength(2);
    for (const nat of ['regional', 'gateway-per-az', 'regional', 'gateway'] as const) {
      const deps = account.deps();
      const problems = await watchingEgress(() => setup(options({ nat }), deps));
      expect(problems, `to ${nat}: functions without egress`).toEqual([]);
      const report = await status({ name: 'default', json: true }, account.deps());
      expect(report.healthy, `to ${nat}: ${report.problems.join('; ')}`).toBe(true);
      expect(report.elasticIps, `to ${nat}`).toEqual(
        nat === 'gateway' ? first.elasticIps.slice(0, 1) : first.elasticIps,
      );
    }
    await teardown({ name: 'default', yes: true }, account.deps());
    expect(snap().addresses.filter((a) => a.tags['fixed-ip:stack'] === 'default')).toEqual([]);
  });

  it('grows from one zone to three: one address change at a time, as AWS takes them', async () => {
    const first = await setup(options({ nat: 'regional', azs: 1 }), account.deps());
    const problems = await watchingEgress(() => setup(options({ nat: 'regional', azs: 3 }), account.deps()));
    expect(problems).toEqual([]);
    // AWS refuses an association while another is in flight (OperationInProgress): setup waits.
    const changes = account.sim.calls.filter((c) => c.operation === 'AssociateNatGatewayAddress');
    expect(changes.map((c) => c.outcome)).toEqual(['ok', 'ok']);
    const report = await status({ name: 'default', json: true }, account.deps());
    expect(report.healthy, report.problems.join('; ')).toBe(true);
    expect(report.elasticIps).toHaveLength(3);
    expect(report.elasticIps[0]).toBe(first.elasticIps[0]);
  });

  it('with one zone: the IP moves to the new gateway, and setup says its zone pauses meanwhile', async () => {
    const first = await setup(options({ nat: 'gateway', azs: 1 }), account.deps());
    const deps = account.deps();
    const result = await setup(options({ nat: 'regional' }), deps);
    expect(result.elasticIps).toEqual(first.elasticIps);
    expect(deps.recording.messages.some((m) => m.code === 'setup.eip.moving')).toBe(true);
    expect(egressProblems()).toEqual([]);
    expect((await status({ name: 'default', json: true }, account.deps())).healthy).toBe(true);
  });
});
