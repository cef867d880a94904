import { describe, expect, it } from 'vitest';
import { client, expectAwsError, newSim } from './support.js';

describe('Describe filters', () => {
  it('ANDs filters, ORs values, takes wildcards and tag filters', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
    const tag = (Value: string) => [{ ResourceType: 'subnet', Tags: [{ Key: 'fixed-ip:stack', Value }] }];
    const a = (
      await ec2('CreateSubnet', {
        VpcId: vpcId,
        CidrBlock: '10.0.1.0/24',
        AvailabilityZone: 'ap-northeast-1a',
        TagSpecifications: tag('demo'),
      })
    ).Subnet.SubnetId;
    const c = (
      await ec2('CreateSubnet', {
        VpcId: vpcId,
        CidrBlock: '10.0.2.0/24',
        AvailabilityZone: 'ap-northeast-1c',
        TagSpecifications: tag('prod'),
      })
    ).Subnet.SubnetId;
    sim.addSubnet({ vpcId, cidr: '10.0.3.0/24', az: 'ap-northeast-1d' });
    const ids = async (Filters: object[]) =>
      (await ec2('DescribeSubnets', { Filters })).Subnets.map((s: { SubnetId: string }) => s.SubnetId);
    expect(await ids([{ Name: 'tag:fixed-ip:stack', Values: ['demo', 'prod'] }])).toEqual([a, c]);
    expect(
      await ids([
        { Name: 'tag:fixed-ip:stack', Values: ['demo', 'prod'] },
        { Name: 'availability-zone', Values: ['ap-northeast-1c'] },
      ]),
    ).toEqual([c]);
    expect(await ids([{ Name: 'tag-key', Values: ['fixed-ip:*'] }])).toEqual([a, c]);
    expect(
      await ids([
        { Name: 'cidr-block', Values: ['10.0.?.0/24'] },
        { Name: 'vpc-id', Values: [vpcId] },
      ]),
    ).toHaveLength(3);
    expect(await ids([{ Name: 'default-for-az', Values: ['true'] }])).toEqual([]);
    await expectAwsError(
      ec2('DescribeSubnets', { Filters: [{ Name: 'colour', Values: ['blue'] }] }),
      'InvalidParameterValue',
      "The filter 'colour' is invalid",
    );
  });

  it('finds the default VPC and its default subnets', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    const vpcId = sim.addVpc({
      cidr: '172.31.0.0/16',
      isDefault: true,
      withInternetGateway: true,
      withDefaultSubnets: true,
    });
    expect(
      (await ec2('DescribeVpcs', { Filters: [{ Name: 'is-default', Values: ['true'] }] })).Vpcs[0].VpcId,
    ).toBe(vpcId);
    expect(
      (await ec2('DescribeVpcs', { Filters: [{ Name: 'isDefault', Values: ['true'] }] })).Vpcs,
    ).toHaveLength(1);
    const subnets = (
      await ec2('DescribeSubnets', { Filters: [{ Name: 'default-for-az', Values: ['true'] }] })
    ).Subnets;
    expect(subnets.map((s: { CidrBlock: string }) => s.CidrBlock)).toEqual([
      '172.31.0.0/20',
      '172.31.16.0/20',
      '172.31.32.0/20',
    ]);
    const igw = (
      await ec2('DescribeInternetGateways', { Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] })
    ).InternetGateways[0];
    const main = (
      await ec2('DescribeRouteTables', {
        Filters: [
          { Name: 'association.main', Values: ['true'] },
          { Name: 'vpc-id', Values: [vpcId] },
        ],
      })
    ).RouteTables[0];
    expect(main.Routes).toContainEqual(
      expect.objectContaining({
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: igw.InternetGatewayId,
        State: 'active',
      }),
    );
  });

  it('names every missing id in NotFound', async () => {
    const { sim } = newSim();
    await expectAwsError(
      client(sim, 'ec2')('DescribeSubnets', { SubnetIds: ['subnet-1', 'subnet-2'] }),
      'InvalidSubnetID.NotFound',
      "The subnet IDs 'subnet-1, subnet-2' do not exist",
    );
  });

  it('pages with MaxResults/NextToken', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
    for (let i = 0; i < 7; i++) sim.addSubnet({ vpcId, cidr: `10.0.${i}.0/24`, az: 'ap-northeast-1a' });
    const first = await ec2('DescribeSubnets', { MaxResults: 5 });
    expect(first.Subnets).toHaveLength(5);
    const second = await ec2('DescribeSubnets', { MaxResults: 5, NextToken: first.NextToken });
    expect(second.Subnets).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('eventual consistency', () => {
  it('hides a new resource from Describe (NotFound by id) for eventualConsistencyMs, but enforces rules on it', async () => {
    const { sim, clock } = newSim({ timings: { eventualConsistencyMs: 2_000 } });
    const ec2 = client(sim, 'ec2');
    const { Vpc } = await ec2('CreateVpc', {
      CidrBlock: '10.0.0.0/16',
      TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'k', Value: 'v' }] }],
    });
    await expectAwsError(ec2('DescribeVpcs', { VpcIds: [Vpc.VpcId] }), 'InvalidVpcID.NotFound');
    expect((await ec2('DescribeVpcs', { Filters: [{ Name: 'tag:k', Values: ['v'] }] })).Vpcs).toEqual([]);
    const { Subnet } = await ec2('CreateSubnet', { VpcId: Vpc.VpcId, CidrBlock: '10.0.1.0/24' });
    await expectAwsError(
      ec2('CreateSubnet', { VpcId: Vpc.VpcId, CidrBlock: '10.0.1.0/24' }),
      'InvalidSubnet.Conflict',
    );
    clock.advance(2_000);
    expect((await ec2('DescribeVpcs', { VpcIds: [Vpc.VpcId] })).Vpcs).toHaveLength(1);
    expect((await ec2('DescribeSubnets', { SubnetIds: [Subnet.SubnetId] })).Subnets).toHaveLength(1);
  });
});

describe('tags', () => {
  it('CreateTags and DeleteTags on any resource kind; reserved aws: keys refused', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
    const { allocationId } = sim.addAddress();
    await ec2('CreateTags', {
      Resources: [vpcId, allocationId],
      Tags: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
    });
    expect((await ec2('DescribeVpcs', { VpcIds: [vpcId] })).Vpcs[0].Tags).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
    await ec2('DeleteTags', { Resources: [vpcId], Tags: [{ Key: 'a', Value: 'other' }, { Key: 'b' }] });
    expect((await ec2('DescribeVpcs', { VpcIds: [vpcId] })).Vpcs[0].Tags).toEqual([{ Key: 'a', Value: '1' }]);
    await expectAwsError(
      ec2('CreateTags', { Resources: ['vpc-0123456789abcdef0'], Tags: [{ Key: 'a', Value: '1' }] }),
      'InvalidVpcID.NotFound',
    );
    await expectAwsError(
      ec2('CreateTags', { Resources: [vpcId], Tags: [{ Key: 'aws:x', Value: '1' }] }),
      'InvalidParameterValue',
    );
  });
});
