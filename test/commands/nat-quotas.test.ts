import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plan } from '../../src/commands/plan.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { policyFor } from '../../src/engine/iam-policy.js';
import { FixedIpError } from '../../src/errors.js';
import { recordsOf } from '../../src/state/schema.js';
import { createTestAccount, type TestAccount } from '../support/env.js';

/**
 * Issue 27: the NAT gateway quotas, read from Service Quotas where the user may read them, and only
 * where AWS's default would refuse: "NAT gateways per Availability Zone" and "Elastic IP addresses
 * per public NAT gateway" (a regional gateway: per zone). The simulator enforces both with the
 * account's value, so a plan that passes here is one AWS accepts.
 */

let account: TestAccount;
let vpcId: string;
const A = 'ap-northeast-1a';
const C = 'ap-northeast-1c';
const D = 'ap-northeast-1d';

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  ...extra,
});
const snapshot = (): string => JSON.stringify(account.sim.snapshot());
const quotaCalls = () =>
  account.sim.calls.filter((c) => c.service === 'servicequotas' && c.operation === 'GetServiceQuota');

interface NatView {
  NatGatewayId: string;
  State: string;
  SubnetId?: string;
  NatGatewayAddresses?: Array<{
    AllocationId?: string;
    AssociationId?: string;
    AvailabilityZone?: string;
    PublicIp?: string;
    Status?: string;
  }>;
}
async function natGateways(): Promise<NatView[]> {
  const out = (await account.sim.handle('ec2', 'DescribeNatGateways', {})) as { NatGateways: NatView[] };
  return out.NatGateways.filter((n) => n.State !== 'deleted' && n.State !== 'deleting');
}

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16' });
  account.sim.addInternetGateway({ vpcId });
  account.sim.addFunction({ name: 'orders-api', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

describe('NAT gateways per Availability Zone', () => {
  /** Zone a holding `count` NAT gateways of someone else's, in a subnet of theirs (of `inVpc`). */
  async function crowd(count: number, inVpc = vpcId): Promise<void> {
    // Their gateways need addresses of their own: the account's Elastic IP quota is raised for them.
    account.sim.setQuota('ec2', 'L-0263D0A3', count + 2);
    const cidr = inVpc === vpcId ? '10.0.200.0/24' : '10.9.0.0/24';
    const subnetId = account.sim.addSubnet({ vpcId: inVpc, cidr, az: A, name: 'theirs' });
    for (let i = 0; i < count; i += 1) {
      const { allocationId } = account.sim.addAddress();
      await account.sim.handle('ec2', 'CreateNatGateway', { SubnetId: subnetId, AllocationId: allocationId });
    }
  }

  it('within the default, plan makes no Service Quotas call', async () => {
    await crowd(4);
    const report = await plan(options({ az: [A], nat: 'gateway' }), account.deps());
    expect(report.blockers).toEqual([]);
    expect(quotaCalls()).toEqual([]);
  });

  it("a zone holding 5 is checked against the account's value: refused at 5 with how to raise it, made once it is 6", async () => {
    await crowd(5);
    const before = snapshot();
    const report = await plan(options({ az: [A], nat: 'gateway' }), account.deps());
    expect(report.blockers).toEqual([
      `${A} already has 5 NAT gateways (of every VPC) and "NAT gateways per Availability Zone" is 5: pick other zones (--az), delete one, or raise the quota (aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-FE5A380F --desired-value 6)`,
    ]);
    expect(quotaCalls()).toHaveLength(1);
    const refused = await setup(options({ az: [A], nat: 'gateway' }), account.deps()).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(FixedIpError);
    expect((refused as FixedIpError).code).toBe('PLAN_BLOCKED');
    expect(snapshot()).toBe(before);

    account.sim.setQuota('vpc', 'L-FE5A380F', 6);
    const raised = await plan(options({ az: [A], nat: 'gateway' }), account.deps());
    expect(raised.blockers).toEqual([]);
    expect(raised.quotas).toContainEqual({
      name: `NAT gateways in ${A}`,
      used: 5,
      limit: 6,
      ok: true,
    });
    await setup(options({ az: [A], nat: 'gateway' }), account.deps());
    expect(await natGateways()).toHaveLength(6);
  });

  it("counts every VPC's: a new VPC's stack is refused in a zone where other VPCs hold 5", async () => {
    await crowd(5, account.sim.addVpc({ cidr: '10.9.0.0/16', name: 'theirs' }));
    const newVpc = (zone: string): SetupOptions => ({
      functions: ['orders-api'],
      newVpc: true,
      name: 'default',
      yes: true,
      az: [zone],
      nat: 'gateway',
    });
    const report = await plan(newVpc(A), account.deps());
    expect(report.blockers).toContainEqual(
      expect.stringContaining(`${A} already has 5 NAT gateways (of every VPC)`),
    );
    // Another zone has room.
    expect((await plan(newVpc(C), account.deps())).blockers).toEqual([]);
  });

  it('without servicequotas:GetServiceQuota, AWS’s default stands and the blocker says why', async () => {
    await crowd(5);
    account.sim.setQuota('vpc', 'L-FE5A380F', 6);
    const policy = policyFor(['setup', 'status', 'teardown']);
    account.sim.useCallerPolicy({
      ...policy,
      Statement: policy.Statement.filter((s) => s.Sid !== 'FixedIpQuotaRead'),
    });
    const report = await plan(options({ az: [A], nat: 'gateway' }), account.deps());
    expect(report.blockers).toEqual([
      expect.stringContaining(
        `"NAT gateways per Availability Zone" is 5 (AWS's default; servicequotas:GetServiceQuota is not allowed)`,
      ),
    ]);
    // With the policy iam-policy prints, the account's value is read.
    account.sim.useCallerPolicy(policy);
    expect((await plan(options({ az: [A], nat: 'gateway' }), account.deps())).blockers).toEqual([]);
  });
});

describe('Elastic IP addresses per public NAT gateway (a regional gateway: per zone)', () => {
  /** A regional stack in zones a and c, whose gateway someone also put `count` addresses on in zone d. */
  async function regionalWithStrangers(count: number): Promise<{ natId: string; ips: string[] }> {
    await setup(options({ az: [A, C], nat: 'regional' }), account.deps());
    const natId = recordsOf(account.readState()!, 'regionalNatGateway')[0].id;
    const strangers = Array.from({ length: count }, () => account.sim.addAddress());
    await account.sim.handle('ec2', 'AssociateNatGatewayAddress', {
      NatGatewayId: natId,
      AllocationIds: strangers.map((s) => s.allocationId),
      AvailabilityZone: D,
    });
    // AWS takes minutes to associate them.
    account.clock.advance(10 * 60_000);
    return { natId, ips: strangers.map((s) => s.publicIp) };
  }

  it('a new regional gateway with one address in each of three zones fits the default (per zone, not in all)', async () => {
    account.sim.setQuota('ec2', 'L-0263D0A3', 6);
    const report = await plan(options({ az: [A, C, D], nat: 'regional' }), account.deps());
    expect(report.blockers).toEqual([]);
    await setup(options({ az: [A, C, D], nat: 'regional' }), account.deps());
    const [nat] = await natGateways();
    expect(new Set(nat.NatGatewayAddresses?.map((a) => a.AvailabilityZone))).toEqual(new Set([A, C, D]));
    expect(quotaCalls()).toEqual([]);
  });

  it("a zone already holding 2 others' addresses: refused with the addresses and how to raise it, nothing changed; made once the quota is 3", async () => {
    account.sim.setQuota('ec2', 'L-0263D0A3', 6);
    const { natId, ips } = await regionalWithStrangers(2);
    const before = snapshot();
    const report = await plan(options({ az: [A, C, D], nat: 'regional' }), account.deps());
    expect(report.blockers).toHaveLength(1);
    expect(report.blockers[0]).toContain(
      `regional NAT gateway ${natId} holds 2 addresses in ${D} that are not the stack's (${ips.join(', ')})`,
    );
    expect(report.blockers[0]).toContain(`"Elastic IP addresses per public NAT gateway" is 2 per zone`);
    expect(report.blockers[0]).toContain(
      'aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-5F53652F --desired-value 3',
    );
    expect(report.blockers[0]).toContain(
      `aws ec2 disassociate-nat-gateway-address --nat-gateway-id ${natId}`,
    );
    const refused = await setup(options({ az: [A, C, D], nat: 'regional' }), account.deps()).catch(
      (e: unknown) => e,
    );
    expect((refused as FixedIpError).code).toBe('PLAN_BLOCKED');
    expect(snapshot()).toBe(before);

    account.sim.setQuota('vpc', 'L-5F53652F', 3);
    expect((await plan(options({ az: [A, C, D], nat: 'regional' }), account.deps())).blockers).toEqual([]);
    await setup(options({ az: [A, C, D], nat: 'regional' }), account.deps());
    const [nat] = await natGateways();
    const own = recordsOf(account.readState()!, 'elasticIp').find((r) => r.zone === D);
    expect(
      nat.NatGatewayAddresses?.filter((a) => a.AvailabilityZone === D && a.Status === 'succeeded'),
    ).toEqual([expect.objectContaining({ AllocationId: own?.id })]);
  });

  it('one of them draining: gone before setup adds the stack’s, so within the default', async () => {
    account.sim.setQuota('ec2', 'L-0263D0A3', 6);
    const { natId, ips } = await regionalWithStrangers(2);
    const [nat] = await natGateways();
    const leaving = nat.NatGatewayAddresses?.find((a) => a.PublicIp === ips[0]);
    await account.sim.handle('ec2', 'DisassociateNatGatewayAddress', {
      NatGatewayId: natId,
      AssociationIds: [leaving?.AssociationId],
    });
    const report = await plan(options({ az: [A, C, D], nat: 'regional' }), account.deps());
    expect(report.blockers).toEqual([]);
    expect(quotaCalls()).toEqual([]);
    await setup(options({ az: [A, C, D], nat: 'regional' }), account.deps());
    const own = recordsOf(account.readState()!, 'elasticIp').find((r) => r.zone === D);
    const [after] = await natGateways();
    expect(
      after.NatGatewayAddresses?.filter((a) => a.AvailabilityZone === D && a.Status === 'succeeded'),
    ).toEqual([expect.objectContaining({ AllocationId: own?.id })]);
  });

  it('one address of someone else in the zone: within the default, no Service Quotas call', async () => {
    account.sim.setQuota('ec2', 'L-0263D0A3', 6);
    await regionalWithStrangers(1);
    const report = await plan(options({ az: [A, C, D], nat: 'regional' }), account.deps());
    expect(report.blockers).toEqual([]);
    expect(quotaCalls()).toEqual([]);
  });
});

describe('iam-policy', () => {
  it('grants the quota read to setup (plan) only, in one statement', () => {
    const setupPolicy = policyFor(['setup']);
    const reads = setupPolicy.Statement.filter((s) => s.Sid === 'FixedIpQuotaRead');
    expect(reads).toEqual([
      { Sid: 'FixedIpQuotaRead', Effect: 'Allow', Action: ['servicequotas:GetServiceQuota'], Resource: '*' },
    ]);
    for (const scope of ['status', 'teardown', 'verify', 'forget'] as const)
      expect(JSON.stringify(policyFor([scope]))).not.toContain('servicequotas');
  });
});
