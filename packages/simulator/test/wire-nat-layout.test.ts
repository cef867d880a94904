import {
  AlreadyExistsFault,
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  ResourceInUseFault,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  AttachNetworkInterfaceCommand,
  CreateLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DetachNetworkInterfaceCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRolePolicyCommand,
  IAMClient,
  LimitExceededException,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { attachSimulatorWire } from '../src/index.js';
import { contractPolicy, EC2_TRUST, natLayout, userData } from './nat-layout.js';
import { awsError } from './support.js';

const credentials = { accessKeyId: 'SIM', secretAccessKey: 'SIM' };
const region = 'ap-northeast-1';

describe('the movable-interface layout on the wire (the SDK parses every answer as it parses AWS’s)', () => {
  it('instance profiles, inline policies, RunInstances with a profile and a public IPv4, attach and detach', async () => {
    const { sim, clock, eniId, publicSubnet, natGroup, imageId, bootTag } = await natLayout();
    const ec2 = new EC2Client({ region, credentials, maxAttempts: 1 });
    attachSimulatorWire(ec2, 'ec2', sim);
    const iam = new IAMClient({ region, credentials, maxAttempts: 1 });
    attachSimulatorWire(iam, 'iam', sim);

    await iam.send(new CreateRoleCommand({ RoleName: 'wire-role', AssumeRolePolicyDocument: EC2_TRUST }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'wire-role',
        PolicyName: 'fixed-ip-nat',
        PolicyDocument: contractPolicy(region, sim.accountId, 'demo'),
      }),
    );
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'wire-role' }))).PolicyNames).toEqual([
      'fixed-ip-nat',
    ]);
    const policy = await iam.send(
      new GetRolePolicyCommand({ RoleName: 'wire-role', PolicyName: 'fixed-ip-nat' }),
    );
    expect(JSON.parse(decodeURIComponent(policy.PolicyDocument ?? ''))).toHaveProperty('Statement');
    await iam.send(
      new CreateInstanceProfileCommand({
        InstanceProfileName: 'wire-profile',
        Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }],
      }),
    );
    await iam.send(
      new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'wire-profile', RoleName: 'wire-role' }),
    );
    const limit = await awsError(
      iam.send(
        new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'wire-profile', RoleName: 'nat-role' }),
      ),
    );
    expect(limit).toBeInstanceOf(LimitExceededException);
    expect(limit).toMatchObject({ name: 'LimitExceededException', Code: 'LimitExceeded' });
    const profile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'wire-profile' })))
      .InstanceProfile;
    expect(profile?.Roles?.[0]?.RoleName).toBe('wire-role');
    expect(profile?.CreateDate).toBeInstanceOf(Date);
    expect(
      (
        await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'wire-role' }))
      ).InstanceProfiles?.map((p) => p.InstanceProfileName),
    ).toEqual(['wire-profile']);
    clock.advance(10_000);

    const launched = await ec2.send(
      new RunInstancesCommand({
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
        IamInstanceProfile: { Name: 'wire-profile' },
        MetadataOptions: { HttpTokens: 'required' },
        MaintenanceOptions: { AutoRecovery: 'default' },
        UserData: userData(eniId, false),
      }),
    );
    const id = launched.Instances?.[0]?.InstanceId ?? '';
    clock.advance(30_000 + 45_000);
    const described = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]
      ?.Instances?.[0];
    expect(described?.IamInstanceProfile).toEqual({ Arn: profile?.Arn, Id: profile?.InstanceProfileId });
    expect(described?.MaintenanceOptions?.AutoRecovery).toBe('default');
    expect(described?.NetworkInterfaces?.[0]?.Association?.IpOwnerId).toBe('amazon');
    expect(await bootTag(id)).toBe('ready');

    const { AttachmentId } = await ec2.send(
      new AttachNetworkInterfaceCommand({ InstanceId: id, NetworkInterfaceId: eniId, DeviceIndex: 1 }),
    );
    const attached = (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] })))
      .NetworkInterfaces?.[0];
    expect(attached?.Attachment).toMatchObject({
      AttachmentId,
      InstanceId: id,
      DeviceIndex: 1,
      Status: 'attaching',
    });
    expect(attached?.Attachment?.AttachTime).toBeInstanceOf(Date);
    clock.advance(5_000);
    expect(await bootTag(id)).toBe('forwarding');
    await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId, Force: true }));
    clock.advance(5_000);
    expect(await bootTag(id)).toBe('ready');
  });
});

describe('launch templates and Auto Scaling on the wire', () => {
  it('CreateLaunchTemplate, DescribeLaunchTemplateVersions, CreateAutoScalingGroup, Describe*, TerminateInstanceInAutoScalingGroup, errors', async () => {
    const { sim, clock, eniId, natGroup, imageId, publicSubnet } = await natLayout();
    const ec2 = new EC2Client({ region, credentials, maxAttempts: 1 });
    attachSimulatorWire(ec2, 'ec2', sim);
    const autoscaling = new AutoScalingClient({ region, credentials, maxAttempts: 1 });
    attachSimulatorWire(autoscaling, 'autoscaling', sim);
    const data = {
      ImageId: imageId,
      InstanceType: 't4g.nano' as const,
      IamInstanceProfile: { Name: 'nat-profile' },
      NetworkInterfaces: [
        { DeviceIndex: 0, AssociatePublicIpAddress: true, Groups: [natGroup], DeleteOnTermination: true },
      ],
      MetadataOptions: { HttpTokens: 'required' as const },
      MaintenanceOptions: { AutoRecovery: 'default' as const },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8, Encrypted: true } }],
      UserData: userData(eniId, true),
      TagSpecifications: [
        { ResourceType: 'instance' as const, Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] },
      ],
    };
    const template = (
      await ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: 'wire',
          LaunchTemplateData: data,
          TagSpecifications: [
            { ResourceType: 'launch-template', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] },
          ],
        }),
      )
    ).LaunchTemplate;
    expect(template?.CreateTime).toBeInstanceOf(Date);
    const versions = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: template?.LaunchTemplateId,
        Versions: ['$Latest'],
      }),
    );
    expect(versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData).toMatchObject({
      ImageId: imageId,
      IamInstanceProfile: { Name: 'nat-profile' },
      NetworkInterfaces: [expect.objectContaining({ AssociatePublicIpAddress: true, DeviceIndex: 0 })],
    });
    const missing = await awsError(
      ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['nope'] })),
    );
    expect(missing.name).toBe('InvalidLaunchTemplateName.NotFoundException');

    await autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'wire',
        MinSize: 1,
        MaxSize: 1,
        DesiredCapacity: 1,
        VPCZoneIdentifier: publicSubnet,
        LaunchTemplate: { LaunchTemplateId: template?.LaunchTemplateId, Version: '$Latest' },
        HealthCheckType: 'EC2',
        HealthCheckGracePeriod: 60,
        Tags: [{ Key: 'fixed-ip:stack', Value: 'demo', PropagateAtLaunch: true }],
      }),
    );
    clock.advance(5_000);
    const group = (
      await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['wire'] }))
    ).AutoScalingGroups?.[0];
    expect(group?.CreatedTime).toBeInstanceOf(Date);
    expect(group?.Tags?.[0]).toMatchObject({ Key: 'fixed-ip:stack', PropagateAtLaunch: true });
    const id = group?.Instances?.[0]?.InstanceId ?? '';
    expect(group?.Instances?.[0]).toMatchObject({ LifecycleState: 'Pending', HealthStatus: 'Healthy' });
    await autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: id,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    const activities = await autoscaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'wire' }),
    );
    expect(activities.Activities?.[0]?.StartTime).toBeInstanceOf(Date);
    const inUse = await awsError(
      autoscaling.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'wire' })),
    );
    expect(inUse).toBeInstanceOf(ResourceInUseFault);
    const exists = await awsError(
      autoscaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'wire',
          MinSize: 1,
          MaxSize: 1,
          VPCZoneIdentifier: publicSubnet,
          LaunchTemplate: { LaunchTemplateId: template?.LaunchTemplateId },
        }),
      ),
    );
    expect(exists).toBeInstanceOf(AlreadyExistsFault);
    const invalid = await awsError(
      autoscaling.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'wire', MinSize: 2, MaxSize: 1 }),
      ),
    );
    expect(invalid).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    await autoscaling.send(
      new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'wire', ForceDelete: true }),
    );
    expect(
      (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['wire'] })))
        .AutoScalingGroups?.[0]?.Status,
    ).toBe('Delete in progress');
  });
});
