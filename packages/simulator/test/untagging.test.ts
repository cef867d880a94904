import { describe, expect, it } from 'vitest';
import { EC2_TRUST } from './nat-layout.js';
import { client, expectAwsError, newSim } from './support.js';

const tagsOf = (list: Array<{ Key: string; Value: string }> | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));

/** A caller allowed to remove only `fixed-ip:*` keys, only from what carries fixed-ip's marker. */
const untagOwnPolicy = (actions: string[]) => ({
  Statement: [
    {
      Effect: 'Allow' as const,
      Action: actions,
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:ResourceTag/fixed-ip:managed-by': 'fixed-ip' },
        'ForAllValues:StringLike': { 'aws:TagKeys': ['fixed-ip:*'] },
      },
    },
  ],
});

const OURS = [
  { Key: 'fixed-ip:managed-by', Value: 'fixed-ip' },
  { Key: 'fixed-ip:stack', Value: 'demo' },
  { Key: 'team', Value: 'payments' },
];

describe('removing tags (what fixed-ip forget calls)', () => {
  it('IAM: UntagRole and UntagInstanceProfile remove the keys named and no other; a key not there is no error', async () => {
    const { sim } = newSim();
    const iam = client(sim, 'iam');
    await iam('CreateRole', { RoleName: 'nat', AssumeRolePolicyDocument: EC2_TRUST, Tags: OURS });
    await iam('CreateInstanceProfile', { InstanceProfileName: 'nat', Tags: OURS });
    sim.useCallerPolicy(untagOwnPolicy(['iam:UntagRole', 'iam:UntagInstanceProfile']));
    // A key that is not fixed-ip's is refused by the caller's policy (aws:TagKeys).
    await expectAwsError(iam('UntagRole', { RoleName: 'nat', TagKeys: ['team'] }), 'AccessDenied');
    const keys = ['fixed-ip:managed-by', 'fixed-ip:stack', 'fixed-ip:zone'];
    await iam('UntagRole', { RoleName: 'nat', TagKeys: keys });
    await iam('UntagInstanceProfile', { InstanceProfileName: 'nat', TagKeys: keys });
    // Without the marker now, the same call is refused (aws:ResourceTag).
    await expectAwsError(iam('UntagRole', { RoleName: 'nat', TagKeys: keys }), 'AccessDenied');
    sim.useCallerPolicy(undefined);
    expect(tagsOf((await iam('GetRole', { RoleName: 'nat' })).Role.Tags)).toEqual({ team: 'payments' });
    expect(
      tagsOf((await iam('GetInstanceProfile', { InstanceProfileName: 'nat' })).InstanceProfile.Tags),
    ).toEqual({ team: 'payments' });
    // The account's picture shows a role's tags.
    expect((sim.snapshot() as { roles: unknown[] }).roles).toContainEqual({
      name: 'nat',
      policyArns: [],
      tags: { team: 'payments' },
    });
    await expectAwsError(iam('UntagRole', { RoleName: 'gone', TagKeys: keys }), 'NoSuchEntityException');
  });

  it('EC2: DeleteTags on a launch template, a gateway endpoint and an instance’s volume', async () => {
    const { sim, clock } = newSim();
    const ec2 = client(sim, 'ec2');
    const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
    const subnetId = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
    const templateId = (
      await ec2('CreateLaunchTemplate', {
        LaunchTemplateName: 'fixed-ip-nat-demo',
        LaunchTemplateData: { InstanceType: 't4g.nano' },
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: OURS }],
      })
    ).LaunchTemplate.LaunchTemplateId as string;
    const tableId = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId as string;
    const endpointId = (
      await ec2('CreateVpcEndpoint', {
        VpcId: vpcId,
        ServiceName: `com.amazonaws.${sim.region}.s3`,
        VpcEndpointType: 'Gateway',
        RouteTableIds: [tableId],
        TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: OURS }],
      })
    ).VpcEndpoint.VpcEndpointId as string;
    const imageId = (
      await client(sim, 'ssm')('GetParameter', {
        Name: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
      })
    ).Parameter.Value as string;
    const instance = (
      await ec2('RunInstances', {
        ImageId: imageId,
        InstanceType: 't4g.nano',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnetId,
        TagSpecifications: [{ ResourceType: 'volume', Tags: OURS }],
      })
    ).Instances[0];
    const volumeId = instance.BlockDeviceMappings[0].Ebs.VolumeId as string;
    clock.advance(60_000);

    sim.useCallerPolicy(untagOwnPolicy(['ec2:DeleteTags']));
    const keys = [{ Key: 'fixed-ip:managed-by' }, { Key: 'fixed-ip:stack' }];
    await expectAwsError(
      ec2('DeleteTags', { Resources: [templateId], Tags: [{ Key: 'team' }] }),
      'UnauthorizedOperation',
    );
    await ec2('DeleteTags', { Resources: [templateId, endpointId, volumeId], Tags: keys });
    // The volume's marker is gone too: the same call on it is refused now.
    await expectAwsError(ec2('DeleteTags', { Resources: [volumeId], Tags: keys }), 'UnauthorizedOperation');
    sim.useCallerPolicy(undefined);

    const template = (await ec2('DescribeLaunchTemplates', { LaunchTemplateIds: [templateId] }))
      .LaunchTemplates[0];
    expect(tagsOf(template.Tags)).toEqual({ team: 'payments' });
    const endpoint = (await ec2('DescribeVpcEndpoints', { VpcEndpointIds: [endpointId] })).VpcEndpoints[0];
    expect(tagsOf(endpoint.Tags)).toEqual({ team: 'payments' });
    await expectAwsError(
      ec2('DeleteTags', { Resources: ['vol-00000000000000000'], Tags: keys }),
      'InvalidVolume.NotFound',
    );
    await expectAwsError(
      ec2('DeleteTags', { Resources: ['lt-00000000000000000'], Tags: keys }),
      'InvalidParameterValue',
    );
  });
});
