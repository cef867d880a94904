import { describe, expect, it } from 'vitest';
import { client, expectAwsError, newSim } from './support.js';

/** A VPC with one dual-stack subnet (where a function may send IPv6) and one IPv4-only subnet. */
function dualStackAccount() {
  const { sim, clock } = newSim();
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const dualStack = sim.addSubnet({
    vpcId,
    cidr: '10.0.10.0/24',
    az: 'ap-northeast-1a',
    ipv6Cidr: '2600:1f18:aaaa:bb00::/64',
  });
  const ipv4Only = sim.addSubnet({ vpcId, cidr: '10.0.11.0/24', az: 'ap-northeast-1a' });
  const groupId = sim.addSecurityGroup({ vpcId, name: 'fn' });
  sim.addFunction({
    name: 'orders-api',
    vpc: { subnetIds: [dualStack], securityGroupIds: [groupId], ipv6AllowedForDualStack: true },
  });
  return { sim, clock, dualStack, ipv4Only, groupId, lambda: client(sim, 'lambda'), ec2: client(sim, 'ec2') };
}

describe('Lambda VpcConfig.Ipv6AllowedForDualStack', () => {
  it('is reported by GetFunctionConfiguration, and a dual-stack subnet shows its IPv6 CIDR', async () => {
    const { lambda, ec2, dualStack, ipv4Only } = dualStackAccount();
    const config = await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' });
    expect(config.VpcConfig.Ipv6AllowedForDualStack).toBe(true);
    const subnets = await ec2('DescribeSubnets', { SubnetIds: [dualStack, ipv4Only] });
    const byId = new Map(subnets.Subnets.map((s: { SubnetId: string }) => [s.SubnetId, s]));
    expect(byId.get(dualStack)).toMatchObject({
      Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f18:aaaa:bb00::/64' }],
    });
    expect(byId.get(ipv4Only)).toMatchObject({ Ipv6CidrBlockAssociationSet: [] });
  });

  it('a VpcConfig that leaves it out keeps the current value, even into IPv4-only subnets', async () => {
    const { lambda, clock, ipv4Only, groupId } = dualStackAccount();
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [ipv4Only], SecurityGroupIds: [groupId] },
    });
    clock.advance(5 * 60_000);
    const config = await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' });
    expect(config.VpcConfig.SubnetIds).toEqual([ipv4Only]);
    expect(config.VpcConfig.Ipv6AllowedForDualStack).toBe(true);
  });

  it('cannot be true without subnets: leaving the VPC while it is true is refused, and nothing changes', async () => {
    const { lambda, dualStack } = dualStackAccount();
    await expectAwsError(
      lambda('UpdateFunctionConfiguration', {
        FunctionName: 'orders-api',
        VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
      }),
      'InvalidParameterValueException',
      /Ipv6AllowedForDualStack cannot be true without subnet or security groups/,
    );
    const config = await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' });
    expect(config.VpcConfig.SubnetIds).toEqual([dualStack]);
  });

  it('set false in the same call, the function can leave the VPC; and it can be set true again', async () => {
    const { lambda, clock, dualStack, groupId } = dualStackAccount();
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [], Ipv6AllowedForDualStack: false },
    });
    clock.advance(5 * 60_000);
    expect(
      (await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' })).VpcConfig,
    ).toMatchObject({
      SubnetIds: [],
    });
    await lambda('UpdateFunctionConfiguration', {
      FunctionName: 'orders-api',
      VpcConfig: { SubnetIds: [dualStack], SecurityGroupIds: [groupId], Ipv6AllowedForDualStack: true },
    });
    clock.advance(5 * 60_000);
    const config = await lambda('GetFunctionConfiguration', { FunctionName: 'orders-api' });
    expect(config.VpcConfig).toMatchObject({ SubnetIds: [dualStack], Ipv6AllowedForDualStack: true });
  });
});

describe('Lambda@Edge replicas', () => {
  it('a replica (us-east-1.NAME) cannot be updated, VpcConfig included', async () => {
    const { sim } = dualStackAccount();
    sim.addFunction({ name: 'us-east-1.edge-auth' });
    const lambda = client(sim, 'lambda');
    const vpcId = sim.addVpc({ cidr: '10.1.0.0/16' });
    const subnet = sim.addSubnet({ vpcId, cidr: '10.1.0.0/24', az: 'ap-northeast-1a' });
    const group = sim.addSecurityGroup({ vpcId, name: 'g' });
    await expectAwsError(
      lambda('UpdateFunctionConfiguration', {
        FunctionName: 'us-east-1.edge-auth',
        VpcConfig: { SubnetIds: [subnet], SecurityGroupIds: [group] },
      }),
      'InvalidParameterValueException',
      /Lambda@Edge replica/,
    );
    const config = await lambda('GetFunctionConfiguration', { FunctionName: 'us-east-1.edge-auth' });
    expect(config.VpcConfig.SubnetIds).toEqual([]);
  });
});
