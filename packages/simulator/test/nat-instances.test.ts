import { describe, expect, it } from 'vitest';
import { client, expectAwsError, MINUTE, newSim } from './support.js';

const ARM_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64';
const X86_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/** A VPC with a public subnet (zone a), a private one (zone c), an internet gateway and an EIP. */
function natInstanceAccount() {
  const { sim, clock } = newSim();
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const igwId = sim.addInternetGateway({ vpcId });
  const publicSubnet = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
  const privateSubnet = sim.addSubnet({ vpcId, cidr: '10.0.2.0/24', az: 'ap-northeast-1c' });
  const groupId = sim.addSecurityGroup({ vpcId, name: 'nat-instance' });
  const eip = sim.addAddress();
  return {
    sim,
    clock,
    vpcId,
    igwId,
    publicSubnet,
    privateSubnet,
    groupId,
    eip,
    ec2: client(sim, 'ec2'),
    ssm: client(sim, 'ssm'),
  };
}

async function armImage(ssm: ReturnType<typeof client>): Promise<string> {
  return (await ssm('GetParameter', { Name: ARM_PARAMETER })).Parameter.Value as string;
}

async function launch(
  ec2: ReturnType<typeof client>,
  imageId: string,
  eniId: string,
  extra: Record<string, unknown> = {},
) {
  return (
    await ec2('RunInstances', {
      ImageId: imageId,
      InstanceType: 't4g.nano',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: eniId }],
      MetadataOptions: { HttpTokens: 'required' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8, Encrypted: true } }],
      UserData: Buffer.from('#!/bin/sh\nsysctl -w net.ipv4.ip_forward=1\n').toString('base64'),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] },
        { ResourceType: 'volume', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] },
      ],
      ...extra,
    })
  ).Instances[0];
}

describe('SSM public parameters and images', () => {
  it('names Amazon Linux 2023 images that DescribeImages knows, with their architecture', async () => {
    const { ec2, ssm } = natInstanceAccount();
    const arm = await armImage(ssm);
    const x86 = (await ssm('GetParameter', { Name: X86_PARAMETER })).Parameter.Value;
    expect(arm).toMatch(/^ami-[0-9a-f]{17}$/);
    expect(x86).not.toBe(arm);
    const images = (await ec2('DescribeImages', { ImageIds: [arm, x86] })).Images;
    expect(images.map((i: { Architecture: string }) => i.Architecture)).toEqual(['arm64', 'x86_64']);
    await expectAwsError(ssm('GetParameter', { Name: '/aws/service/nope' }), 'ParameterNotFound');
    await expectAwsError(
      ec2('DescribeImages', { ImageIds: ['ami-00000000000000000'] }),
      'InvalidAMIID.NotFound',
    );
  });

  it('offers t4g types in every zone but one', async () => {
    const { ec2 } = natInstanceAccount();
    const offerings = (
      await ec2('DescribeInstanceTypeOfferings', {
        LocationType: 'availability-zone',
        Filters: [{ Name: 'instance-type', Values: ['t4g.nano'] }],
      })
    ).InstanceTypeOfferings;
    expect(offerings.map((o: { Location: string }) => o.Location)).toEqual([
      'ap-northeast-1a',
      'ap-northeast-1c',
    ]);
  });
});

describe('NAT instances', () => {
  it('an interface made first, an instance on it: states on the clock, status checks, and the interface survives termination', async () => {
    const { clock, ec2, ssm, publicSubnet, groupId } = natInstanceAccount();
    const eni = (
      await ec2('CreateNetworkInterface', {
        SubnetId: publicSubnet,
        Groups: [groupId],
        TagSpecifications: [
          { ResourceType: 'network-interface', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] },
        ],
      })
    ).NetworkInterface;
    expect(eni).toMatchObject({ Status: 'available', SourceDestCheck: true, InterfaceType: 'interface' });
    await ec2('ModifyNetworkInterfaceAttribute', {
      NetworkInterfaceId: eni.NetworkInterfaceId,
      SourceDestCheck: { Value: false },
    });

    const instance = await launch(ec2, await armImage(ssm), eni.NetworkInterfaceId);
    const id = instance.InstanceId;
    expect(instance).toMatchObject({
      State: { Name: 'pending', Code: 0 },
      Architecture: 'arm64',
      MetadataOptions: { HttpTokens: 'required' },
      SubnetId: publicSubnet,
    });
    const describeEni = async () =>
      (await ec2('DescribeNetworkInterfaces', { NetworkInterfaceIds: [eni.NetworkInterfaceId] }))
        .NetworkInterfaces[0];
    expect(await describeEni()).toMatchObject({
      Status: 'in-use',
      SourceDestCheck: false,
      Attachment: { InstanceId: id, DeviceIndex: 0, DeleteOnTermination: false, Status: 'attached' },
    });
    await expectAwsError(
      ec2('DeleteNetworkInterface', { NetworkInterfaceId: eni.NetworkInterfaceId }),
      'InvalidNetworkInterface.InUse',
    );
    const status = async () =>
      (await ec2('DescribeInstanceStatus', { InstanceIds: [id], IncludeAllInstances: true }))
        .InstanceStatuses[0];
    expect((await status()).InstanceStatus.Status).toBe('not-applicable');
    clock.advance(30_000);
    expect((await status()).InstanceState.Name).toBe('running');
    expect((await status()).InstanceStatus.Status).toBe('initializing');
    clock.advance(2 * MINUTE);
    expect((await status()).InstanceStatus.Status).toBe('ok');

    await ec2('StopInstances', { InstanceIds: [id] });
    const state = async () =>
      (await ec2('DescribeInstances', { InstanceIds: [id] })).Reservations[0].Instances[0].State.Name;
    expect(await state()).toBe('stopping');
    await expectAwsError(ec2('StartInstances', { InstanceIds: [id] }), 'IncorrectInstanceState');
    clock.advance(MINUTE);
    expect(await state()).toBe('stopped');
    await ec2('StartInstances', { InstanceIds: [id] });
    expect(await state()).toBe('pending');
    clock.advance(30_000);
    expect(await state()).toBe('running');

    await ec2('TerminateInstances', { InstanceIds: [id] });
    expect(await state()).toBe('shutting-down');
    expect((await describeEni()).Status).toBe('in-use');
    clock.advance(MINUTE);
    expect(await state()).toBe('terminated');
    expect((await describeEni()).Status).toBe('available');
    expect((await describeEni()).Attachment).toBeUndefined();
    await ec2('DeleteNetworkInterface', { NetworkInterfaceId: eni.NetworkInterfaceId });
    await expectAwsError(
      ec2('DescribeNetworkInterfaces', { NetworkInterfaceIds: [eni.NetworkInterfaceId] }),
      'InvalidNetworkInterfaceID.NotFound',
    );
  });

  it('refuses an image and a type of different architectures, a zone without the type, and an interface in use', async () => {
    const { ec2, ssm, sim, vpcId, publicSubnet } = natInstanceAccount();
    const eniId = (await ec2('CreateNetworkInterface', { SubnetId: publicSubnet })).NetworkInterface
      .NetworkInterfaceId;
    const x86 = (await ssm('GetParameter', { Name: X86_PARAMETER })).Parameter.Value;
    await expectAwsError(
      launch(ec2, x86, eniId),
      'InvalidParameterValue',
      /architecture 'arm64'.*architecture 'x86_64'/,
    );
    await expectAwsError(
      launch(ec2, await armImage(ssm), eniId, { InstanceType: 't3.nano' }),
      'InvalidParameterValue',
      /architecture 'x86_64'/,
    );
    const lastZone = sim.addSubnet({ vpcId, cidr: '10.0.3.0/24', az: 'ap-northeast-1d' });
    const farEni = (await ec2('CreateNetworkInterface', { SubnetId: lastZone })).NetworkInterface
      .NetworkInterfaceId;
    await expectAwsError(launch(ec2, await armImage(ssm), farEni), 'Unsupported', /t4g.nano/);
    await launch(ec2, await armImage(ssm), eniId);
    await expectAwsError(launch(ec2, await armImage(ssm), eniId), 'InvalidNetworkInterface.InUse');
    expect(
      (await ec2('DescribeInstances')).Reservations.flatMap((r: { Instances: unknown[] }) => r.Instances),
    ).toHaveLength(1);
  });

  it('an interface made at launch is deleted with the instance, and the EIP on it is freed', async () => {
    const { clock, ec2, ssm, publicSubnet, eip } = natInstanceAccount();
    const instance = (
      await ec2('RunInstances', {
        ImageId: await armImage(ssm),
        InstanceType: 't4g.nano',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: publicSubnet,
      })
    ).Instances[0];
    const eniId = instance.NetworkInterfaces[0].NetworkInterfaceId;
    clock.advance(30_000);
    await ec2('AssociateAddress', { AllocationId: eip.allocationId, InstanceId: instance.InstanceId });
    expect(
      (await ec2('DescribeInstances', { InstanceIds: [instance.InstanceId] })).Reservations[0].Instances[0]
        .PublicIpAddress,
    ).toBe(eip.publicIp);
    await ec2('TerminateInstances', { InstanceIds: [instance.InstanceId] });
    clock.advance(MINUTE);
    await expectAwsError(
      ec2('DescribeNetworkInterfaces', { NetworkInterfaceIds: [eniId] }),
      'InvalidNetworkInterfaceID.NotFound',
    );
    expect(
      (await ec2('DescribeAddresses', { AllocationIds: [eip.allocationId] })).Addresses[0].AssociationId,
    ).toBeUndefined();
    await ec2('ReleaseAddress', { AllocationId: eip.allocationId });
  });

  it('an EIP on the interface: associated, not releasable, blocks detaching the gateway; routes to the interface are blackholes unless its instance runs', async () => {
    const { clock, ec2, ssm, vpcId, igwId, publicSubnet, privateSubnet, eip } = natInstanceAccount();
    const eniId = (await ec2('CreateNetworkInterface', { SubnetId: publicSubnet })).NetworkInterface
      .NetworkInterfaceId;
    const { AssociationId } = await ec2('AssociateAddress', {
      AllocationId: eip.allocationId,
      NetworkInterfaceId: eniId,
    });
    expect(
      (await ec2('DescribeAddresses', { AllocationIds: [eip.allocationId] })).Addresses[0],
    ).toMatchObject({
      AssociationId,
      NetworkInterfaceId: eniId,
    });
    const eni = (await ec2('DescribeNetworkInterfaces', { NetworkInterfaceIds: [eniId] }))
      .NetworkInterfaces[0];
    expect(eni.Association).toMatchObject({ PublicIp: eip.publicIp, AllocationId: eip.allocationId });
    await expectAwsError(ec2('ReleaseAddress', { AllocationId: eip.allocationId }), 'InvalidIPAddress.InUse');
    await expectAwsError(
      ec2('DetachInternetGateway', { InternetGatewayId: igwId, VpcId: vpcId }),
      'DependencyViolation',
      `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
    );

    const table = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId;
    await ec2('AssociateRouteTable', { RouteTableId: table, SubnetId: privateSubnet });
    await ec2('CreateRoute', {
      RouteTableId: table,
      DestinationCidrBlock: '0.0.0.0/0',
      NetworkInterfaceId: eniId,
    });
    const route = async () =>
      (await ec2('DescribeRouteTables', { RouteTableIds: [table] })).RouteTables[0].Routes.find(
        (r: { DestinationCidrBlock: string }) => r.DestinationCidrBlock === '0.0.0.0/0',
      );
    expect(await route()).toMatchObject({ NetworkInterfaceId: eniId, State: 'blackhole' });
    const instance = await launch(ec2, await armImage(ssm), eniId);
    clock.advance(30_000);
    expect(await route()).toMatchObject({ State: 'active', InstanceId: instance.InstanceId });
    await ec2('StopInstances', { InstanceIds: [instance.InstanceId] });
    clock.advance(MINUTE);
    expect((await route()).State).toBe('blackhole');

    await expectAwsError(
      ec2('ReplaceRoute', {
        RouteTableId: table,
        DestinationCidrBlock: '0.0.0.0/0',
        NetworkInterfaceId: eniId,
        GatewayId: igwId,
      }),
      'InvalidParameterCombination',
    );
    await ec2('DisassociateAddress', { AssociationId });
    await ec2('DetachInternetGateway', { InternetGatewayId: igwId, VpcId: vpcId });
  });

  it('security group rules: admit the private subnets only; duplicates and unknown rules refused', async () => {
    const { ec2, groupId } = natInstanceAccount();
    const rule = { IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.2.0/24' }] };
    const added = await ec2('AuthorizeSecurityGroupIngress', { GroupId: groupId, IpPermissions: [rule] });
    expect(added.SecurityGroupRules[0]).toMatchObject({ IsEgress: false, CidrIpv4: '10.0.2.0/24' });
    await expectAwsError(
      ec2('AuthorizeSecurityGroupIngress', { GroupId: groupId, IpPermissions: [rule] }),
      'InvalidPermission.Duplicate',
    );
    await ec2('RevokeSecurityGroupEgress', {
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    await ec2('AuthorizeSecurityGroupEgress', {
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    await expectAwsError(
      ec2('RevokeSecurityGroupEgress', {
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
      'InvalidPermission.NotFound',
    );
    const group = (await ec2('DescribeSecurityGroups', { GroupIds: [groupId] })).SecurityGroups[0];
    expect(group.IpPermissions).toEqual([
      expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.2.0/24' }] }),
    ]);
    expect(group.IpPermissionsEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
  });

  it('DryRun on each new mutating call: DryRunOperation and nothing applied', async () => {
    const { sim, ec2, ssm, publicSubnet, groupId, eip } = natInstanceAccount();
    const eniId = (await ec2('CreateNetworkInterface', { SubnetId: publicSubnet })).NetworkInterface
      .NetworkInterfaceId;
    const before = JSON.stringify(sim.snapshot());
    const image = await armImage(ssm);
    const calls: [string, object][] = [
      [
        'RunInstances',
        { ImageId: image, InstanceType: 't4g.nano', MinCount: 1, MaxCount: 1, SubnetId: publicSubnet },
      ],
      ['CreateNetworkInterface', { SubnetId: publicSubnet }],
      ['ModifyNetworkInterfaceAttribute', { NetworkInterfaceId: eniId, SourceDestCheck: { Value: false } }],
      ['DeleteNetworkInterface', { NetworkInterfaceId: eniId }],
      ['AssociateAddress', { AllocationId: eip.allocationId, NetworkInterfaceId: eniId }],
      [
        'AuthorizeSecurityGroupIngress',
        { GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.2.0/24' }] }] },
      ],
      [
        'RevokeSecurityGroupEgress',
        { GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] },
      ],
    ];
    for (const [operation, input] of calls)
      await expectAwsError(ec2(operation, { ...input, DryRun: true }), 'DryRunOperation');
    expect(JSON.stringify(sim.snapshot())).toBe(before);
    sim.inject({ kind: 'deny', action: 'ec2:RunInstances' });
    await expectAwsError(ec2('RunInstances', { ...calls[0]?.[1], DryRun: true }), 'UnauthorizedOperation');
  });
});
