import { describe, expect, it } from 'vitest';
import { client, expectAwsError, MINUTE, newSim } from './support.js';

function account() {
  const { sim, clock } = newSim();
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const subnetId = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
  return { sim, clock, vpcId, subnetId, ec2: client(sim, 'ec2') };
}

describe('internet gateways', () => {
  it('attaches one gateway per VPC; a second gets InvalidParameterValue, an attached one Resource.AlreadyAssociated', async () => {
    const { sim, ec2, vpcId } = account();
    const otherVpc = sim.addVpc({ cidr: '10.1.0.0/16' });
    const { InternetGateway } = await ec2('CreateInternetGateway', {
      TagSpecifications: [{ ResourceType: 'internet-gateway', Tags: [{ Key: 'k', Value: 'v' }] }],
    });
    const first = InternetGateway.InternetGatewayId;
    await ec2('AttachInternetGateway', { InternetGatewayId: first, VpcId: vpcId });
    const second = (await ec2('CreateInternetGateway')).InternetGateway.InternetGatewayId;
    await expectAwsError(
      ec2('AttachInternetGateway', { InternetGatewayId: second, VpcId: vpcId }),
      'InvalidParameterValue',
      `Network ${vpcId} already has an internet gateway attached`,
    );
    await expectAwsError(
      ec2('AttachInternetGateway', { InternetGatewayId: first, VpcId: otherVpc }),
      'Resource.AlreadyAssociated',
    );
    const { InternetGateways } = await ec2('DescribeInternetGateways', {
      Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }],
    });
    expect(InternetGateways).toEqual([
      expect.objectContaining({
        InternetGatewayId: first,
        Attachments: [{ VpcId: vpcId, State: 'available' }],
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    ]);
    await expectAwsError(
      ec2('AttachInternetGateway', { InternetGatewayId: 'igw-00000000000000000', VpcId: vpcId }),
      'InvalidInternetGatewayID.NotFound',
    );
  });

  it('detach: Gateway.NotAttached for another VPC; DependencyViolation while a NAT gateway maps an address', async () => {
    const { sim, clock, ec2, vpcId, subnetId } = account();
    const igwId = sim.addInternetGateway({ vpcId });
    const otherVpc = sim.addVpc({ cidr: '10.1.0.0/16' });
    await expectAwsError(
      ec2('DetachInternetGateway', { InternetGatewayId: igwId, VpcId: otherVpc }),
      'Gateway.NotAttached',
    );
    const { allocationId } = sim.addAddress();
    const { NatGateway } = await ec2('CreateNatGateway', { SubnetId: subnetId, AllocationId: allocationId });
    await expectAwsError(
      ec2('DetachInternetGateway', { InternetGatewayId: igwId, VpcId: vpcId }),
      'DependencyViolation',
      `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
    );
    await expectAwsError(ec2('DeleteInternetGateway', { InternetGatewayId: igwId }), 'DependencyViolation');
    await ec2('DeleteNatGateway', { NatGatewayId: NatGateway.NatGatewayId });
    await expectAwsError(
      ec2('DetachInternetGateway', { InternetGatewayId: igwId, VpcId: vpcId }),
      'DependencyViolation',
    );
    clock.advance(MINUTE);
    await ec2('DetachInternetGateway', { InternetGatewayId: igwId, VpcId: vpcId });
    await ec2('DeleteInternetGateway', { InternetGatewayId: igwId });
  });
});

describe('route tables', () => {
  it('CreateRouteTable is idempotent by ClientToken; other parameters give IdempotentParameterMismatch', async () => {
    const { sim, ec2, vpcId } = account();
    const first = await ec2('CreateRouteTable', { VpcId: vpcId, ClientToken: 'token-1' });
    const again = await ec2('CreateRouteTable', { VpcId: vpcId, ClientToken: 'token-1' });
    expect(again.RouteTable.RouteTableId).toBe(first.RouteTable.RouteTableId);
    expect(again.ClientToken).toBe('token-1');
    const otherVpc = sim.addVpc({ cidr: '10.1.0.0/16' });
    await expectAwsError(
      ec2('CreateRouteTable', { VpcId: otherVpc, ClientToken: 'token-1' }),
      'IdempotentParameterMismatch',
    );
    const { RouteTables } = await ec2('DescribeRouteTables', {
      Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
    });
    expect(RouteTables).toHaveLength(2);
  });

  it('CreateRoute: the gateway must be attached to the VPC, a destination only once', async () => {
    const { sim, ec2, vpcId } = account();
    const { RouteTable } = await ec2('CreateRouteTable', { VpcId: vpcId });
    const rtb = RouteTable.RouteTableId;
    const loose = sim.addInternetGateway();
    await expectAwsError(
      ec2('CreateRoute', { RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0', GatewayId: loose }),
      'InvalidParameterValue',
    );
    await expectAwsError(
      ec2('CreateRoute', {
        RouteTableId: rtb,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: 'igw-0123456789abcdef0',
      }),
      'InvalidInternetGatewayID.NotFound',
    );
    await expectAwsError(
      ec2('CreateRoute', {
        RouteTableId: 'rtb-0123456789abcdef0',
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: loose,
      }),
      'InvalidRouteTableID.NotFound',
    );
    const igw = sim.addInternetGateway({ vpcId });
    expect(
      await ec2('CreateRoute', { RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
    ).toEqual({ Return: true });
    await expectAwsError(
      ec2('CreateRoute', { RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
      'RouteAlreadyExists',
      'The route identified by 0.0.0.0/0 already exists.',
    );
    await expectAwsError(
      ec2('CreateRoute', { RouteTableId: rtb, DestinationCidrBlock: '10.0.5.0/24', GatewayId: igw }),
      'InvalidParameterValue',
    );
    await expectAwsError(
      ec2('DeleteRoute', { RouteTableId: rtb, DestinationCidrBlock: '10.0.0.0/16' }),
      'InvalidParameterValue',
    );
    await expectAwsError(
      ec2('DeleteRoute', { RouteTableId: rtb, DestinationCidrBlock: '1.2.3.0/24' }),
      'InvalidRoute.NotFound',
    );
    await ec2('DeleteRoute', { RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0' });
  });

  it('routes to a NAT gateway: same VPC only, blackhole once it is deleted, replaceable', async () => {
    const { sim, clock, ec2, vpcId, subnetId } = account();
    sim.addInternetGateway({ vpcId });
    const { allocationId } = sim.addAddress();
    const natId = (await ec2('CreateNatGateway', { SubnetId: subnetId, AllocationId: allocationId }))
      .NatGateway.NatGatewayId;
    const otherVpc = sim.addVpc({ cidr: '10.1.0.0/16' });
    const foreign = (await ec2('CreateRouteTable', { VpcId: otherVpc })).RouteTable.RouteTableId;
    await expectAwsError(
      ec2('CreateRoute', { RouteTableId: foreign, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: natId }),
      'InvalidParameterValue',
    );
    const rtb = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId;
    await expectAwsError(
      ec2('CreateRoute', {
        RouteTableId: rtb,
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: 'nat-0123456789abcdef0',
      }),
      'InvalidNatGatewayID.NotFound',
    );
    await ec2('CreateRoute', { RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: natId });
    const route = async () =>
      (await ec2('DescribeRouteTables', { RouteTableIds: [rtb] })).RouteTables[0].Routes[1];
    expect(await route()).toEqual({
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: natId,
      Origin: 'CreateRoute',
      State: 'active',
    });
    clock.advance(2 * MINUTE);
    await ec2('DeleteNatGateway', { NatGatewayId: natId });
    clock.advance(2 * MINUTE);
    expect((await route()).State).toBe('blackhole');
    const blackholes = await ec2('DescribeRouteTables', {
      Filters: [{ Name: 'route.state', Values: ['blackhole'] }],
    });
    expect(blackholes.RouteTables.map((t: { RouteTableId: string }) => t.RouteTableId)).toEqual([rtb]);
    await expectAwsError(
      ec2('ReplaceRoute', { RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: natId }),
      'InvalidNatGatewayID.NotFound',
    );
    const igw = (await ec2('DescribeInternetGateways')).InternetGateways[0].InternetGatewayId;
    await ec2('ReplaceRoute', { RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw });
    expect((await route()).GatewayId).toBe(igw);
  });

  it('associates a subnet once; disassociates by id; refuses to delete a table with associations', async () => {
    const { sim, ec2, vpcId, subnetId } = account();
    const rtb = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId;
    const other = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId;
    const { AssociationId } = await ec2('AssociateRouteTable', { RouteTableId: rtb, SubnetId: subnetId });
    expect(AssociationId).toMatch(/^rtbassoc-[0-9a-f]{17}$/);
    await expectAwsError(
      ec2('AssociateRouteTable', { RouteTableId: other, SubnetId: subnetId }),
      'Resource.AlreadyAssociated',
    );
    await expectAwsError(
      ec2('AssociateRouteTable', { RouteTableId: rtb, SubnetId: subnetId }),
      'Resource.AlreadyAssociated',
    );
    const foreignSubnet = sim.addSubnet({
      vpcId: sim.addVpc({ cidr: '10.1.0.0/16' }),
      cidr: '10.1.0.0/24',
      az: 'ap-northeast-1a',
    });
    await expectAwsError(
      ec2('AssociateRouteTable', { RouteTableId: rtb, SubnetId: foreignSubnet }),
      'InvalidParameterValue',
    );
    const found = await ec2('DescribeRouteTables', {
      Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }],
    });
    expect(found.RouteTables.map((t: { RouteTableId: string }) => t.RouteTableId)).toEqual([rtb]);
    await expectAwsError(
      ec2('DeleteRouteTable', { RouteTableId: rtb }),
      'DependencyViolation',
      `The routeTable '${rtb}' has dependencies and cannot be deleted.`,
    );
    await ec2('DisassociateRouteTable', { AssociationId });
    await expectAwsError(ec2('DisassociateRouteTable', { AssociationId }), 'InvalidAssociationID.NotFound');
    await ec2('DeleteRouteTable', { RouteTableId: rtb });
    const main = (
      await ec2('DescribeRouteTables', { Filters: [{ Name: 'association.main', Values: ['true'] }] })
    ).RouteTables[0];
    await expectAwsError(
      ec2('DisassociateRouteTable', { AssociationId: main.Associations[0].RouteTableAssociationId }),
      'InvalidParameterValue',
    );
  });
});

describe('security groups', () => {
  it('names are unique per VPC; new groups allow all egress and no ingress', async () => {
    const { sim, ec2, vpcId } = account();
    const { GroupId } = await ec2('CreateSecurityGroup', {
      VpcId: vpcId,
      GroupName: 'fixed-ip-demo',
      Description: 'Lambda egress',
      TagSpecifications: [
        { ResourceType: 'security-group', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] },
      ],
    });
    await expectAwsError(
      ec2('CreateSecurityGroup', { VpcId: vpcId, GroupName: 'fixed-ip-demo', Description: 'x' }),
      'InvalidGroup.Duplicate',
      `The security group 'fixed-ip-demo' already exists for VPC '${vpcId}'`,
    );
    await expectAwsError(
      ec2('CreateSecurityGroup', { VpcId: vpcId, GroupName: 'default', Description: 'x' }),
      'InvalidGroup.Duplicate',
    );
    await ec2('CreateSecurityGroup', {
      VpcId: sim.addVpc({ cidr: '10.1.0.0/16' }),
      GroupName: 'fixed-ip-demo',
      Description: 'x',
    });
    const { SecurityGroups } = await ec2('DescribeSecurityGroups', {
      Filters: [
        { Name: 'group-name', Values: ['fixed-ip-demo'] },
        { Name: 'vpc-id', Values: [vpcId] },
      ],
    });
    expect(SecurityGroups).toEqual([
      expect.objectContaining({
        GroupId,
        IpPermissions: [],
        IpPermissionsEgress: [
          expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
        ],
        Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }],
      }),
    ]);
    await expectAwsError(
      ec2('DescribeSecurityGroups', { GroupIds: ['sg-0123456789abcdef0'] }),
      'InvalidGroup.NotFound',
    );
    await ec2('DeleteSecurityGroup', { GroupId });
    await expectAwsError(ec2('DeleteSecurityGroup', { GroupId }), 'InvalidGroup.NotFound');
  });
});

describe('elastic IPs', () => {
  it('allocates from documentation ranges, five per region, with tags', async () => {
    const { sim, ec2 } = account();
    const first = await ec2('AllocateAddress', {
      Domain: 'vpc',
      TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] }],
    });
    expect(first).toMatchObject({ AllocationId: expect.stringMatching(/^eipalloc-/), Domain: 'vpc' });
    expect(first.PublicIp).toMatch(/^(203\.0\.113|198\.51\.100)\.\d+$/);
    for (let i = 0; i < 4; i++) await ec2('AllocateAddress', { Domain: 'vpc' });
    await expectAwsError(ec2('AllocateAddress', { Domain: 'vpc' }), 'AddressLimitExceeded');
    const { AccountAttributes } = await ec2('DescribeAccountAttributes', {
      AttributeNames: ['vpc-max-elastic-ips'],
    });
    expect(AccountAttributes).toEqual([
      { AttributeName: 'vpc-max-elastic-ips', AttributeValues: [{ AttributeValue: '5' }] },
    ]);
    const tagged = await ec2('DescribeAddresses', {
      Filters: [{ Name: 'tag:fixed-ip:stack', Values: ['demo'] }],
    });
    expect(tagged.Addresses).toEqual([
      expect.objectContaining({ AllocationId: first.AllocationId, PublicIp: first.PublicIp }),
    ]);
    expect(sim.calls.filter((c) => c.operation === 'AllocateAddress').map((c) => c.mutated)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
  });

  it('ReleaseAddress: InvalidIPAddress.InUse while associated, InvalidAllocationID.NotFound when unknown', async () => {
    const { sim, ec2 } = account();
    const inUse = sim.addAddress({ associated: true });
    await expectAwsError(
      ec2('ReleaseAddress', { AllocationId: inUse.allocationId }),
      'InvalidIPAddress.InUse',
      `Address ${inUse.publicIp} is in use.`,
    );
    await expectAwsError(
      ec2('ReleaseAddress', { AllocationId: 'eipalloc-0123456789abcdef0' }),
      'InvalidAllocationID.NotFound',
    );
    await expectAwsError(
      ec2('DescribeAddresses', { AllocationIds: ['eipalloc-0123456789abcdef0'] }),
      'InvalidAllocationID.NotFound',
    );
    const free = sim.addAddress();
    await ec2('ReleaseAddress', { AllocationId: free.allocationId });
  });
});
