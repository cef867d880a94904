/**
 * The movable-interface layout of the NAT contract (/work/tmp/nat-contract.md), shared by the
 * tests of instance profiles, interface attachments and the NAT instance's boot: a VPC with a
 * public subnet routed to an internet gateway and a private one routed to the stack's interface
 * (source/dest check off, the stack's Elastic IP on it), the instance role and profile fixed-ip
 * makes, and a function in the private subnet.
 */
import type { SimTimings } from '../src/index.js';
import { client, newSim } from './support.js';

export const ARM_IMAGE_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64';
export const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** The instance role's inline policy, as the contract writes it. */
export function contractPolicy(region: string, account: string, stack: string): string {
  const itself = { StringEquals: { 'aws:ARN': '${ec2:SourceInstanceARN}' } };
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: `arn:aws:ec2:${region}:${account}:instance/*`,
        Condition: { ...itself, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['fixed-ip:nat-boot'] } },
      },
      {
        Effect: 'Allow',
        Action: ['ec2:AttachNetworkInterface', 'ec2:DetachNetworkInterface'],
        Resource: `arn:aws:ec2:${region}:${account}:network-interface/*`,
        Condition: { StringEquals: { 'aws:ResourceTag/fixed-ip:stack': stack } },
      },
      {
        Effect: 'Allow',
        Action: 'ec2:AttachNetworkInterface',
        Resource: `arn:aws:ec2:${region}:${account}:instance/*`,
        Condition: itself,
      },
      {
        Effect: 'Allow',
        Action: 'ec2:DetachNetworkInterface',
        Resource: `arn:aws:ec2:${region}:${account}:instance/*`,
        Condition: { StringEquals: { 'aws:ResourceTag/fixed-ip:stack': stack } },
      },
      { Effect: 'Allow', Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeInstances'], Resource: '*' },
    ],
  });
}

export function userData(eniId: string, selfAttach: boolean): string {
  const script = [
    '#!/bin/bash',
    '# fixed-ip:nat-config',
    `NAT_INTERFACE_ID='${eniId}'`,
    "NAT_REGION='ap-northeast-1'",
    `NAT_SELF_ATTACH='${selfAttach ? '1' : '0'}'`,
    'exec /usr/local/sbin/fixed-ip-nat',
  ].join('\n');
  return Buffer.from(script).toString('base64');
}

export async function natLayout(options: { timings?: Partial<SimTimings>; policy?: string } = {}) {
  const { sim, clock } = newSim({ timings: options.timings });
  const ec2 = client(sim, 'ec2');
  const iam = client(sim, 'iam');
  const ssm = client(sim, 'ssm');
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const igwId = sim.addInternetGateway({ vpcId });
  const publicSubnet = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
  const privateSubnet = sim.addSubnet({ vpcId, cidr: '10.0.2.0/24', az: 'ap-northeast-1c' });
  const otherZoneSubnet = sim.addSubnet({ vpcId, cidr: '10.0.3.0/24', az: 'ap-northeast-1c' });
  const publicTable = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId;
  await ec2('AssociateRouteTable', { RouteTableId: publicTable, SubnetId: publicSubnet });
  await ec2('CreateRoute', {
    RouteTableId: publicTable,
    DestinationCidrBlock: '0.0.0.0/0',
    GatewayId: igwId,
  });
  const natGroup = sim.addSecurityGroup({ vpcId, name: 'nat' });
  await ec2('AuthorizeSecurityGroupIngress', {
    GroupId: natGroup,
    IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.2.0/24' }] }],
  });
  const eniId = (
    await ec2('CreateNetworkInterface', {
      SubnetId: publicSubnet,
      Groups: [natGroup],
      TagSpecifications: [
        { ResourceType: 'network-interface', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] },
      ],
    })
  ).NetworkInterface.NetworkInterfaceId as string;
  await ec2('ModifyNetworkInterfaceAttribute', {
    NetworkInterfaceId: eniId,
    SourceDestCheck: { Value: false },
  });
  const eip = sim.addAddress();
  await ec2('AssociateAddress', { AllocationId: eip.allocationId, NetworkInterfaceId: eniId });
  const privateTable = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId;
  await ec2('AssociateRouteTable', { RouteTableId: privateTable, SubnetId: privateSubnet });
  await ec2('CreateRoute', {
    RouteTableId: privateTable,
    DestinationCidrBlock: '0.0.0.0/0',
    NetworkInterfaceId: eniId,
  });
  const fnGroup = sim.addSecurityGroup({ vpcId, name: 'fn' });
  await iam('CreateRole', { RoleName: 'nat-role', AssumeRolePolicyDocument: EC2_TRUST });
  await iam('PutRolePolicy', {
    RoleName: 'nat-role',
    PolicyName: 'fixed-ip-nat',
    PolicyDocument: options.policy ?? contractPolicy(sim.region, sim.accountId, 'demo'),
  });
  await iam('CreateInstanceProfile', { InstanceProfileName: 'nat-profile' });
  await iam('AddRoleToInstanceProfile', { InstanceProfileName: 'nat-profile', RoleName: 'nat-role' });
  const imageId = (await ssm('GetParameter', { Name: ARM_IMAGE_PARAMETER })).Parameter.Value as string;
  // IAM's eventual consistency: the role and the profile are usable a few seconds later.
  clock.advance(10_000);

  /** RunInstances as the contract's layout makes it: a new primary interface with a public IPv4. */
  const launch = async (extra: Record<string, unknown> = {}, selfAttach = false): Promise<string> =>
    (
      await ec2('RunInstances', {
        ImageId: imageId,
        InstanceType: 't4g.nano',
        MinCount: 1,
        MaxCount: 1,
        NetworkInterfaces: [
          {
            DeviceIndex: 0,
            SubnetId: publicSubnet,
            Groups: [natGroup],
            AssociatePublicIpAddress: true,
            DeleteOnTermination: true,
          },
        ],
        IamInstanceProfile: { Name: 'nat-profile' },
        MetadataOptions: { HttpTokens: 'required' },
        MaintenanceOptions: { AutoRecovery: 'default' },
        UserData: userData(eniId, selfAttach),
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] }],
        ...extra,
      })
    ).Instances[0].InstanceId as string;
  const instance = async (id: string) =>
    (await ec2('DescribeInstances', { InstanceIds: [id] })).Reservations[0].Instances[0];
  const bootTag = async (id: string): Promise<string | undefined> =>
    ((await instance(id)).Tags as Array<{ Key: string; Value: string }>).find(
      (t) => t.Key === 'fixed-ip:nat-boot',
    )?.Value;
  const stackInterface = async () =>
    (await ec2('DescribeNetworkInterfaces', { NetworkInterfaceIds: [eniId] })).NetworkInterfaces[0];
  const egress = () => sim.egressOf(privateSubnet, [fnGroup]);
  return {
    sim,
    clock,
    ec2,
    iam,
    vpcId,
    publicSubnet,
    privateSubnet,
    otherZoneSubnet,
    natGroup,
    eniId,
    eip,
    imageId,
    launch,
    instance,
    bootTag,
    stackInterface,
    egress,
  };
}
