import { describe, expect, it } from 'vitest';
import { AwsSimulator, seedDemoAccount, VirtualClock, type AwsSimulator as Sim } from '../src/index.js';
import { client, MINUTE, newSim } from './support.js';

/** The article's six steps, then the teardown in AWS's order, through handle(). */
async function setupAndTeardown(sim: Sim, clock: VirtualClock): Promise<void> {
  const ec2 = client(sim, 'ec2');
  const lambda = client(sim, 'lambda');
  const vpcId = (await ec2('DescribeVpcs', { Filters: [{ Name: 'tag:Name', Values: ['staging'] }] })).Vpcs[0]
    .VpcId;
  const igw = (await ec2('CreateInternetGateway')).InternetGateway.InternetGatewayId;
  await ec2('AttachInternetGateway', { InternetGatewayId: igw, VpcId: vpcId });
  const publicSubnet = (
    await ec2('CreateSubnet', {
      VpcId: vpcId,
      CidrBlock: '10.20.250.0/24',
      AvailabilityZone: 'ap-northeast-1a',
    })
  ).Subnet.SubnetId;
  const publicRtb = (await ec2('CreateRouteTable', { VpcId: vpcId, ClientToken: 'public' })).RouteTable
    .RouteTableId;
  await ec2('CreateRoute', { RouteTableId: publicRtb, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw });
  const publicAssoc = (await ec2('AssociateRouteTable', { RouteTableId: publicRtb, SubnetId: publicSubnet }))
    .AssociationId;
  const privateSubnet = (
    await ec2('CreateSubnet', {
      VpcId: vpcId,
      CidrBlock: '10.20.251.0/24',
      AvailabilityZone: 'ap-northeast-1a',
    })
  ).Subnet.SubnetId;
  const sg = (
    await ec2('CreateSecurityGroup', { VpcId: vpcId, GroupName: 'fixed-ip', Description: 'egress' })
  ).GroupId;
  const eip = (await ec2('AllocateAddress', { Domain: 'vpc' })).AllocationId;
  const nat = (
    await ec2('CreateNatGateway', { SubnetId: publicSubnet, AllocationId: eip, ClientToken: 'nat' })
  ).NatGateway.NatGatewayId;
  await clock.sleep(90_000);
  const privateRtb = (await ec2('CreateRouteTable', { VpcId: vpcId, ClientToken: 'private' })).RouteTable
    .RouteTableId;
  await ec2('CreateRoute', {
    RouteTableId: privateRtb,
    DestinationCidrBlock: '0.0.0.0/0',
    NatGatewayId: nat,
  });
  const privateAssoc = (
    await ec2('AssociateRouteTable', { RouteTableId: privateRtb, SubnetId: privateSubnet })
  ).AssociationId;
  await lambda('UpdateFunctionConfiguration', {
    FunctionName: 'orders-api',
    VpcConfig: { SubnetIds: [privateSubnet], SecurityGroupIds: [sg] },
  });
  await clock.sleep(MINUTE);

  await lambda('UpdateFunctionConfiguration', {
    FunctionName: 'orders-api',
    VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
  });
  await ec2('DeleteNatGateway', { NatGatewayId: nat });
  await clock.sleep(MINUTE);
  await ec2('ReleaseAddress', { AllocationId: eip });
  await ec2('DisassociateRouteTable', { AssociationId: privateAssoc });
  await ec2('DeleteRouteTable', { RouteTableId: privateRtb });
  await ec2('DisassociateRouteTable', { AssociationId: publicAssoc });
  await ec2('DeleteRouteTable', { RouteTableId: publicRtb });
  await clock.sleep(20 * MINUTE); // Lambda's ENI
  await ec2('DeleteSubnet', { SubnetId: privateSubnet });
  await ec2('DeleteSecurityGroup', { GroupId: sg });
  await ec2('DeleteSubnet', { SubnetId: publicSubnet });
  await ec2('DetachInternetGateway', { InternetGatewayId: igw, VpcId: vpcId });
  await ec2('DeleteInternetGateway', { InternetGatewayId: igw });
}

describe('the demo account', () => {
  it('has a default VPC with gateway and default subnets, a bare staging VPC, and three functions', async () => {
    const { sim } = newSim();
    seedDemoAccount(sim);
    const ec2 = client(sim, 'ec2');
    const vpcs = (await ec2('DescribeVpcs')).Vpcs;
    expect(vpcs.map((v: { CidrBlock: string; IsDefault: boolean }) => [v.CidrBlock, v.IsDefault])).toEqual([
      ['172.31.0.0/16', true],
      ['10.20.0.0/16', false],
    ]);
    expect((await ec2('DescribeInternetGateways')).InternetGateways).toHaveLength(1);
    expect(
      (await ec2('DescribeSubnets')).Subnets.map((s: { AvailabilityZone: string }) => s.AvailabilityZone),
    ).toEqual(['ap-northeast-1a', 'ap-northeast-1c', 'ap-northeast-1d']);
    const functions = (await client(sim, 'lambda')('ListFunctions')).Functions;
    expect(
      functions.map((f: { FunctionName: string; Runtime: string }) => [f.FunctionName, f.Runtime]),
    ).toEqual([
      ['billing-webhook', 'python3.12'],
      ['orders-api', 'nodejs20.x'],
      ['report-builder', 'nodejs22.x'],
    ]);
    const decision = async (role: string) =>
      (
        await client(sim, 'iam')('SimulatePrincipalPolicy', {
          PolicySourceArn: `arn:aws:iam::123456789012:role/${role}`,
          ActionNames: ['ec2:CreateNetworkInterface'],
        })
      ).EvaluationResults[0].EvalDecision;
    expect([
      await decision('orders-api-role'),
      await decision('billing-webhook-role'),
      await decision('report-builder-role'),
    ]).toEqual(['allowed', 'allowed', 'implicitDeny']);
  });

  it('is the same account for the same seed', () => {
    const build = (seed: number) => {
      const sim = new AwsSimulator({ clock: new VirtualClock(), seed });
      seedDemoAccount(sim);
      return sim.snapshot();
    };
    expect(build(7)).toEqual(build(7));
    expect(build(7)).not.toEqual(build(8));
  });
});

describe('snapshot', () => {
  it('after a full setup and teardown, the account ends exactly as it began', async () => {
    const { sim, clock } = newSim();
    seedDemoAccount(sim);
    const before = sim.snapshot();
    await setupAndTeardown(sim, clock);
    expect(sim.snapshot()).toEqual(before);
    expect(sim.calls.every((c) => c.outcome === 'ok')).toBe(true);
  });

  it('shows what is left when teardown stops early', async () => {
    const { sim } = newSim();
    seedDemoAccount(sim);
    const before = sim.snapshot();
    await client(sim, 'ec2')('AllocateAddress', { Domain: 'vpc' });
    expect(sim.snapshot()).not.toEqual(before);
  });
});

describe('toJSON / fromJSON', () => {
  it('round-trips the whole account, time-based states and id generator included', async () => {
    const clock = new VirtualClock();
    const sim = new AwsSimulator({ clock, seed: 3, timings: { natPendingMs: 5_000 } });
    seedDemoAccount(sim);
    const ec2 = client(sim, 'ec2');
    const vpcId = (await ec2('DescribeVpcs', { Filters: [{ Name: 'is-default', Values: ['true'] }] })).Vpcs[0]
      .VpcId;
    const subnetId = (await ec2('DescribeSubnets', { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))
      .Subnets[0].SubnetId;
    const eip = (await ec2('AllocateAddress', {})).AllocationId;
    const nat = (await ec2('CreateNatGateway', { SubnetId: subnetId, AllocationId: eip, ClientToken: 't' }))
      .NatGateway.NatGatewayId;

    const json = JSON.parse(JSON.stringify(sim.toJSON())) as unknown;
    const copy = AwsSimulator.fromJSON(json, { clock });
    expect(copy.snapshot()).toEqual(sim.snapshot());
    expect(copy.timings.natPendingMs).toBe(5_000);
    expect(copy.region).toBe('ap-northeast-1');
    const copyEc2 = client(copy, 'ec2');
    expect((await copyEc2('DescribeNatGateways', { NatGatewayIds: [nat] })).NatGateways[0].State).toBe(
      'pending',
    );
    clock.advance(5_000);
    expect((await copyEc2('DescribeNatGateways', { NatGatewayIds: [nat] })).NatGateways[0].State).toBe(
      'available',
    );
    // ClientTokens and the id generator carry over.
    expect(
      (await copyEc2('CreateNatGateway', { SubnetId: subnetId, AllocationId: eip, ClientToken: 't' }))
        .NatGateway.NatGatewayId,
    ).toBe(nat);
    const next = await copyEc2('CreateInternetGateway');
    const original = await ec2('CreateInternetGateway');
    expect(next.InternetGateway.InternetGatewayId).toBe(original.InternetGateway.InternetGatewayId);
  });

  it('refuses a document that is not a simulated account', () => {
    const clock = new VirtualClock();
    expect(() => AwsSimulator.fromJSON({}, { clock })).toThrow(/not valid/);
    expect(() =>
      AwsSimulator.fromJSON({ format: 'fixed-ip-simulated-account', version: 99 }, { clock }),
    ).toThrow(/version 99/);
  });
});
