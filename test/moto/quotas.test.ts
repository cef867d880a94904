import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AllocateAddressCommand, CreateNatGatewayCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { ExitCode } from '../../src/errors.js';
import { inventory, REGION, seedFunction, seedUserVpc, startAccount, type MotoAccount } from './harness.js';

/**
 * Issue 27 against moto: a NAT gateway quota read from Service Quotas over the wire. moto answers
 * GetServiceQuota for "NAT gateways per Availability Zone" (vpc / L-FE5A380F, 5) and not for "Elastic
 * IP addresses per public NAT gateway" (L-5F53652F: NoSuchResourceException); moto has no regional
 * NAT gateways, so the per-zone address check is proved in the simulator (test/commands/nat-quotas.test.ts).
 */

let account: MotoAccount;
const A = `${REGION}a`;

beforeAll(async () => {
  account = await startAccount();
});
afterAll(async () => {
  await account?.close();
});
beforeEach(async () => {
  await account.reset();
});

interface PlanJson {
  code?: string;
  blockers: string[];
  quotas: Array<{ name: string; used: number; limit: number; ok: boolean }>;
}

describe('NAT gateways per Availability Zone, read from Service Quotas', () => {
  it("a zone of the user's VPC holding 5 NAT gateways: plan reads the account's value and stops, nothing made", async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    const subnets = await account.ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    const subnetId = subnets.Subnets![0].SubnetId!;
    for (let i = 0; i < 5; i += 1) {
      const address = await account.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
      await account.ec2.send(
        new CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId: address.AllocationId! }),
      );
    }
    const before = await inventory(account);
    account.bridge.calls.length = 0;

    const run = await account.cli(
      'plan',
      '--function',
      'orders-api',
      '--vpc',
      vpcId,
      '--az',
      A,
      '--nat',
      'gateway',
      '--json',
    );
    expect(run.code, run.stderr).toBe(ExitCode.planBlocked);
    const report = JSON.parse(run.stdout) as PlanJson;
    // The value moto gave, not a default stood in for it.
    expect(report.blockers).toContain(
      `${A} already has 5 NAT gateways (of every VPC) and "NAT gateways per Availability Zone" is 5: pick other zones (--az), delete one, or raise the quota (aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-FE5A380F --desired-value 6)`,
    );
    expect(report.quotas).toContainEqual({
      name: `NAT gateways in ${A}`,
      used: 5,
      limit: 5,
      ok: false,
    });
    const quotaCalls = account.bridge.calls.filter((c) => c.service === 'servicequotas');
    expect(quotaCalls.map((c) => c.action)).toEqual(['GetServiceQuota']);
    expect(quotaCalls[0].body).toContain('L-FE5A380F');
    expect(await inventory(account)).toEqual(before);
  });

  it("counts another VPC's gateways in the zone: a stack in a new VPC is refused there before anything is made", async () => {
    await seedFunction(account, 'orders-api');
    // Someone else's VPC holds 5 NAT gateways in zone a.
    const theirs = await seedUserVpc(account);
    const subnets = await account.ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [theirs] }] }),
    );
    for (let i = 0; i < 5; i += 1) {
      const address = await account.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
      await account.ec2.send(
        new CreateNatGatewayCommand({
          SubnetId: subnets.Subnets![0].SubnetId!,
          AllocationId: address.AllocationId!,
        }),
      );
    }
    const before = await inventory(account);
    account.bridge.calls.length = 0;

    const run = await account.cli(
      'plan',
      '--function',
      'orders-api',
      '--new-vpc',
      '--az',
      A,
      '--nat',
      'gateway',
      '--json',
    );
    expect(run.code, run.stderr).toBe(ExitCode.planBlocked);
    const report = JSON.parse(run.stdout) as PlanJson;
    expect(report.blockers).toContainEqual(
      expect.stringContaining(`${A} already has 5 NAT gateways (of every VPC)`),
    );
    // Their subnets' zones were read (the stack's own VPC does not exist yet).
    expect(
      account.bridge.calls.filter((c) => c.service === 'ec2' && c.action === 'DescribeSubnets').length,
    ).toBeGreaterThan(0);
    expect(await inventory(account)).toEqual(before);
  });
});
