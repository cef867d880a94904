import { describe, expect, it } from 'vitest';
import { client, expectAwsError, newSim } from './support.js';

describe('VPCs', () => {
  it('creates a VPC with a main route table (local route) and a default security group', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    const { Vpc } = await ec2('CreateVpc', {
      CidrBlock: '10.0.0.0/16',
      TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'main' }] }],
    });
    expect(Vpc).toMatchObject({
      CidrBlock: '10.0.0.0/16',
      IsDefault: false,
      Tags: [{ Key: 'Name', Value: 'main' }],
    });
    const { RouteTables } = await ec2('DescribeRouteTables', {
      Filters: [{ Name: 'vpc-id', Values: [Vpc.VpcId] }],
    });
    expect(RouteTables).toHaveLength(1);
    expect(RouteTables[0].Associations).toEqual([expect.objectContaining({ Main: true })]);
    expect(RouteTables[0].Routes).toEqual([
      {
        DestinationCidrBlock: '10.0.0.0/16',
        GatewayId: 'local',
        Origin: 'CreateRouteTable',
        State: 'active',
      },
    ]);
    const { SecurityGroups } = await ec2('DescribeSecurityGroups', {
      Filters: [{ Name: 'vpc-id', Values: [Vpc.VpcId] }],
    });
    expect(SecurityGroups.map((g: { GroupName: string }) => g.GroupName)).toEqual(['default']);

    await expectAwsError(
      ec2('DeleteRouteTable', { RouteTableId: RouteTables[0].RouteTableId }),
      'DependencyViolation',
    );
    await expectAwsError(ec2('DeleteSecurityGroup', { GroupId: SecurityGroups[0].GroupId }), 'CannotDelete');
  });

  it('refuses CIDRs outside /16../28 and malformed ones', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    await expectAwsError(
      ec2('CreateVpc', { CidrBlock: '10.0.0.0/8' }),
      'InvalidVpc.Range',
      "The CIDR '10.0.0.0/8' is invalid.",
    );
    await expectAwsError(ec2('CreateVpc', { CidrBlock: '10.0.0.0/29' }), 'InvalidVpc.Range');
    await expectAwsError(ec2('CreateVpc', { CidrBlock: '10.0.0.1/16' }), 'InvalidParameterValue');
    await expectAwsError(ec2('CreateVpc', { CidrBlock: 'nonsense' }), 'InvalidParameterValue');
  });

  it('refuses a sixth VPC (default quota)', async () => {
    const { sim } = newSim();
    for (let i = 0; i < 5; i++) sim.addVpc({ cidr: `10.${i}.0.0/16` });
    await expectAwsError(client(sim, 'ec2')('CreateVpc', { CidrBlock: '10.9.0.0/16' }), 'VpcLimitExceeded');
  });

  it('DeleteVpc: DependencyViolation while subnets, an attached gateway, route tables or groups remain', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
    const subnetId = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
    await expectAwsError(
      ec2('DeleteVpc', { VpcId: vpcId }),
      'DependencyViolation',
      `The vpc '${vpcId}' has dependencies and cannot be deleted.`,
    );
    await ec2('DeleteSubnet', { SubnetId: subnetId });
    const igwId = sim.addInternetGateway({ vpcId });
    await expectAwsError(ec2('DeleteVpc', { VpcId: vpcId }), 'DependencyViolation');
    await ec2('DetachInternetGateway', { InternetGatewayId: igwId, VpcId: vpcId });
    const { RouteTable } = await ec2('CreateRouteTable', { VpcId: vpcId });
    await expectAwsError(ec2('DeleteVpc', { VpcId: vpcId }), 'DependencyViolation');
    await ec2('DeleteRouteTable', { RouteTableId: RouteTable.RouteTableId });
    const groupId = sim.addSecurityGroup({ vpcId, name: 'fn' });
    await expectAwsError(ec2('DeleteVpc', { VpcId: vpcId }), 'DependencyViolation');
    await ec2('DeleteSecurityGroup', { GroupId: groupId });
    await ec2('DeleteVpc', { VpcId: vpcId });
    await expectAwsError(
      ec2('DescribeVpcs', { VpcIds: [vpcId] }),
      'InvalidVpcID.NotFound',
      `The vpc ID '${vpcId}' does not exist`,
    );
    // The main route table and default group went with it.
    expect((await ec2('DescribeRouteTables')).RouteTables).toEqual([]);
    expect((await ec2('DescribeSecurityGroups')).SecurityGroups).toEqual([]);
  });
});

describe('availability zones', () => {
  it.each([
    ['ap-northeast-1', ['ap-northeast-1a', 'ap-northeast-1c', 'ap-northeast-1d']],
    ['us-east-1', ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f']],
    ['eu-west-1', ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']],
  ])('lists the zones of %s', async (region, names) => {
    const { sim } = newSim({ region });
    const { AvailabilityZones } = await client(sim, 'ec2')('DescribeAvailabilityZones');
    expect(AvailabilityZones.map((z: { ZoneName: string }) => z.ZoneName)).toEqual(names);
    expect(AvailabilityZones[0]).toMatchObject({
      State: 'available',
      RegionName: region,
      ZoneId: expect.any(String),
    });
  });

  it("gives Tokyo's real zone ids", async () => {
    const { sim } = newSim();
    const { AvailabilityZones } = await client(sim, 'ec2')('DescribeAvailabilityZones', {
      ZoneNames: ['ap-northeast-1a'],
    });
    expect(AvailabilityZones).toEqual([
      expect.objectContaining({ ZoneName: 'ap-northeast-1a', ZoneId: 'apne1-az4' }),
    ]);
  });
});

describe('subnets', () => {
  const setup = () => {
    const { sim } = newSim();
    const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
    return { sim, ec2: client(sim, 'ec2'), vpcId };
  };

  it('creates a subnet with tags, zone and free address count (size - 5)', async () => {
    const { ec2, vpcId } = setup();
    const { Subnet } = await ec2('CreateSubnet', {
      VpcId: vpcId,
      CidrBlock: '10.0.1.0/24',
      AvailabilityZone: 'ap-northeast-1c',
      TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] }],
    });
    const { Subnets } = await ec2('DescribeSubnets', { SubnetIds: [Subnet.SubnetId] });
    expect(Subnets[0]).toMatchObject({
      VpcId: vpcId,
      CidrBlock: '10.0.1.0/24',
      AvailabilityZone: 'ap-northeast-1c',
      AvailableIpAddressCount: 251,
      State: 'available',
      Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }],
    });
  });

  it('refuses an unknown VPC, a CIDR outside the VPC or outside /16../28, and an overlap', async () => {
    const { ec2, vpcId } = setup();
    await expectAwsError(
      ec2('CreateSubnet', { VpcId: 'vpc-0000000000000000f', CidrBlock: '10.0.1.0/24' }),
      'InvalidVpcID.NotFound',
    );
    await expectAwsError(
      ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.1.0.0/24' }),
      'InvalidSubnet.Range',
      "The CIDR '10.1.0.0/24' is invalid.",
    );
    await expectAwsError(
      ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.0.0.0/29' }),
      'InvalidSubnet.Range',
    );
    await ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.0.1.0/24' });
    await expectAwsError(
      ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.0.1.0/24' }),
      'InvalidSubnet.Conflict',
      "The CIDR '10.0.1.0/24' conflicts with another subnet",
    );
    await expectAwsError(
      ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.0.0.0/20' }),
      'InvalidSubnet.Conflict',
    );
  });

  it('refuses a zone the region does not have, naming the ones it has', async () => {
    const { ec2, vpcId } = setup();
    await expectAwsError(
      ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'ap-northeast-1b' }),
      'InvalidParameterValue',
      'Value (ap-northeast-1b) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ap-northeast-1a, ap-northeast-1c, ap-northeast-1d.',
    );
  });

  it('refuses a TagSpecification for another resource type', async () => {
    const { ec2, vpcId } = setup();
    await expectAwsError(
      ec2('CreateSubnet', {
        VpcId: vpcId,
        CidrBlock: '10.0.1.0/24',
        TagSpecifications: [{ ResourceType: 'vpc', Tags: [] }],
      }),
      'InvalidParameterValue',
    );
  });

  it('drops its route table association when deleted', async () => {
    const { sim, ec2, vpcId } = setup();
    const subnetId = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
    const { RouteTable } = await ec2('CreateRouteTable', { VpcId: vpcId });
    await ec2('AssociateRouteTable', { RouteTableId: RouteTable.RouteTableId, SubnetId: subnetId });
    await ec2('DeleteSubnet', { SubnetId: subnetId });
    await ec2('DeleteRouteTable', { RouteTableId: RouteTable.RouteTableId });
    await expectAwsError(ec2('DeleteSubnet', { SubnetId: subnetId }), 'InvalidSubnetID.NotFound');
  });
});
