import { describe, expect, it } from 'vitest';
import { natLayout, userData } from './nat-layout.js';
import { awsError, client, expectAwsError, MINUTE } from './support.js';

/** The contract's layout, with a launch template and a group of one self-attaching NAT instance. */
async function groupLayout(templateExtra: (eniId: string) => Record<string, unknown> = () => ({})) {
  const layout = await natLayout();
  const { sim, ec2, eniId, imageId, natGroup } = layout;
  const autoscaling = client(sim, 'autoscaling');
  const data = {
    ImageId: imageId,
    InstanceType: 't4g.nano',
    IamInstanceProfile: { Name: 'nat-profile' },
    NetworkInterfaces: [
      { DeviceIndex: 0, AssociatePublicIpAddress: true, Groups: [natGroup], DeleteOnTermination: true },
    ],
    MetadataOptions: { HttpTokens: 'required' },
    MaintenanceOptions: { AutoRecovery: 'default' },
    UserData: userData(eniId, true),
    TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'fixed-ip:stack', Value: 'demo' }] }],
    ...templateExtra(eniId),
  };
  const templateId = (
    await ec2('CreateLaunchTemplate', { LaunchTemplateName: 'fixed-ip-nat-demo', LaunchTemplateData: data })
  ).LaunchTemplate.LaunchTemplateId as string;
  const createGroup = (extra: Record<string, unknown> = {}) =>
    autoscaling('CreateAutoScalingGroup', {
      AutoScalingGroupName: 'fixed-ip-nat-demo',
      MinSize: 1,
      MaxSize: 1,
      DesiredCapacity: 1,
      VPCZoneIdentifier: layout.publicSubnet,
      LaunchTemplate: { LaunchTemplateId: templateId, Version: '$Latest' },
      HealthCheckType: 'EC2',
      HealthCheckGracePeriod: 60,
      Tags: [{ Key: 'fixed-ip:stack', Value: 'demo', PropagateAtLaunch: true }],
      ...extra,
    });
  const group = async () =>
    (await autoscaling('DescribeAutoScalingGroups', { AutoScalingGroupNames: ['fixed-ip-nat-demo'] }))
      .AutoScalingGroups[0];
  const listed = async (): Promise<
    Array<{ InstanceId: string; LifecycleState: string; HealthStatus: string }>
  > => (await group())?.Instances ?? [];
  /** The instances in service (or coming into it), without those on their way out. */
  const members = async () => (await listed()).filter((m) => m.LifecycleState !== 'Terminating');
  const activities = async (): Promise<string[]> =>
    (
      await autoscaling('DescribeScalingActivities', { AutoScalingGroupName: 'fixed-ip-nat-demo' })
    ).Activities.map((a: { Description: string }) => a.Description);
  /** Steps the clock a second at a time until the stack's address egresses again; the gap in ms. */
  const egressGap = async (limit = 10 * MINUTE): Promise<number | undefined> => {
    const start = layout.clock.now();
    for (let t = 0; t < limit; t += 1_000) {
      await group();
      if (layout.egress().publicIp === layout.eip.publicIp) return layout.clock.now() - start;
      layout.clock.advance(1_000);
    }
    return undefined;
  };
  return { ...layout, autoscaling, templateId, createGroup, group, listed, members, activities, egressGap };
}

describe('Auto Scaling: a group of one NAT instance', () => {
  it('launches from its template into its subnet, with the group’s tags; the instance boots and self-attaches', async () => {
    const { clock, createGroup, group, members, instance, bootTag, egressGap, activities } =
      await groupLayout();
    await createGroup();
    expect(await group()).toMatchObject({
      MinSize: 1,
      MaxSize: 1,
      DesiredCapacity: 1,
      HealthCheckType: 'EC2',
      HealthCheckGracePeriod: 60,
      Instances: [],
    });
    clock.advance(5_000);
    const [member] = await members();
    expect(member).toMatchObject({
      LifecycleState: 'Pending',
      HealthStatus: 'Healthy',
      AvailabilityZone: 'ap-northeast-1a',
    });
    const id = member?.InstanceId ?? '';
    const tags = Object.fromEntries(
      ((await instance(id)).Tags as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value]),
    );
    expect(tags).toMatchObject({
      'fixed-ip:stack': 'demo',
      'aws:autoscaling:groupName': 'fixed-ip-nat-demo',
    });
    expect((await instance(id)).PublicIpAddress).toMatch(/^192\.0\.2\./);
    // Pending 30 s, the boot 45 s, the attach 3 s, configuring 2 s.
    expect(await egressGap()).toBe(80_000);
    expect(await bootTag(id)).toBe('forwarding');
    expect((await members())[0]?.LifecycleState).toBe('InService');
    expect(await activities()).toEqual([`Launching a new EC2 instance: ${id}`]);
  });

  it('replaces a terminated, a stopped and an unhealthy instance; the replacement takes the interface over', async () => {
    const layout = await groupLayout();
    const { clock, ec2, autoscaling, createGroup, members, bootTag, egressGap, activities } = layout;
    await createGroup();
    clock.advance(5_000);
    await egressGap();
    const first = (await members())[0]?.InstanceId ?? '';

    await autoscaling('TerminateInstanceInAutoScalingGroup', {
      InstanceId: first,
      ShouldDecrementDesiredCapacity: false,
    });
    expect((await layout.listed())[0]).toMatchObject({ InstanceId: first, LifecycleState: 'Terminating' });
    // The replacement launches 5 s later, is pending 30 s and boots 45 s; by then the old instance
    // is terminated (60 s) and the interface free: attached (3 s), configured (2 s).
    expect(await egressGap()).toBe(85_000);
    const second = (await members())[0]?.InstanceId ?? '';
    expect(second).not.toBe(first);
    expect((await layout.stackInterface()).Attachment.InstanceId).toBe(second);
    expect(await bootTag(second)).toBe('forwarding');

    await ec2('StopInstances', { InstanceIds: [second] });
    clock.advance(30_000);
    // Not noticed yet: still the group's.
    expect((await members())[0]?.InstanceId).toBe(second);
    clock.advance(30_000);
    const third = (await members())[0]?.InstanceId ?? '';
    expect(third).not.toBe(second);
    await egressGap();

    await autoscaling('SetInstanceHealth', { InstanceId: third, HealthStatus: 'Unhealthy' });
    clock.advance(MINUTE);
    const fourth = (await members())[0]?.InstanceId ?? '';
    expect(fourth).not.toBe(third);
    expect(await activities()).toEqual([
      `Launching a new EC2 instance: ${fourth}`,
      `Terminating EC2 instance: ${third}`,
      `Launching a new EC2 instance: ${third}`,
      `Terminating EC2 instance: ${second}`,
      `Launching a new EC2 instance: ${second}`,
      `Terminating EC2 instance: ${first}`,
      `Launching a new EC2 instance: ${first}`,
    ]);
  });

  it('DeleteAutoScalingGroup: refused while it has instances; ForceDelete terminates them, Delete in progress until they are gone', async () => {
    const { clock, autoscaling, createGroup, group, members, instance } = await groupLayout();
    await createGroup();
    clock.advance(5_000);
    const id = (await members())[0]?.InstanceId ?? '';
    expect(
      await awsError(autoscaling('DeleteAutoScalingGroup', { AutoScalingGroupName: 'fixed-ip-nat-demo' })),
    ).toMatchObject({ name: 'ResourceInUseFault', Code: 'ResourceInUse' });
    await expectAwsError(
      autoscaling('DeleteAutoScalingGroup', { AutoScalingGroupName: 'fixed-ip-nat-demo' }),
      'ResourceInUseFault',
      'You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.',
    );
    await autoscaling('DeleteAutoScalingGroup', {
      AutoScalingGroupName: 'fixed-ip-nat-demo',
      ForceDelete: true,
    });
    expect((await group())?.Status).toBe('Delete in progress');
    expect((await instance(id)).State.Name).toBe('shutting-down');
    clock.advance(MINUTE);
    expect(await group()).toBeUndefined();
    expect((await instance(id)).State.Name).toBe('terminated');
  });

  it('refuses sizes out of order, an unknown subnet, and a template EC2 would not launch (checked at creation)', async () => {
    const { iam, autoscaling, createGroup, templateId, ec2 } = await groupLayout();
    await expectAwsError(
      createGroup({ MinSize: 2, MaxSize: 1 }),
      'ValidationError',
      'Max bound, 1, must be greater than or equal to min bound, 2',
    );
    await expectAwsError(createGroup({ VPCZoneIdentifier: 'subnet-0123456789abcdef0' }), 'ValidationError');
    await iam('CreateInstanceProfile', { InstanceProfileName: 'too-new' });
    await ec2('CreateLaunchTemplateVersion', {
      LaunchTemplateId: templateId,
      SourceVersion: '1',
      LaunchTemplateData: { IamInstanceProfile: { Name: 'too-new' } },
    });
    await expectAwsError(
      createGroup(),
      'ValidationError',
      'You must use a valid fully-formed launch template. Value (too-new) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
    );
    expect((await autoscaling('DescribeAutoScalingGroups')).AutoScalingGroups).toEqual([]);
  });

  it('a template naming an existing interface (AWS’s user guide shows one): the group accepts it; a replacement launches once the interface is free', async () => {
    const { clock, autoscaling, createGroup, listed, members, activities } = await groupLayout((eniId) => ({
      NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: eniId, DeleteOnTermination: false }],
    }));
    await createGroup();
    clock.advance(5_000);
    const first = (await members())[0]?.InstanceId ?? '';
    clock.advance(MINUTE);
    await autoscaling('TerminateInstanceInAutoScalingGroup', {
      InstanceId: first,
      ShouldDecrementDesiredCapacity: false,
    });
    clock.advance(10_000);
    // The terminating instance still holds the interface: the launch fails, and is retried.
    expect(await listed()).toEqual([
      expect.objectContaining({ InstanceId: first, LifecycleState: 'Terminating' }),
    ]);
    expect((await activities())[0]).toMatch(/Status Reason: Interface: \[eni-[0-9a-f]+\] in use\./);
    clock.advance(2 * MINUTE);
    expect((await members())[0]?.InstanceId).not.toBe(first);
  });

  it('the caller needs ec2:RunInstances on the template and iam:PassRole on its role, as well as autoscaling:CreateAutoScalingGroup', async () => {
    const { sim, createGroup } = await groupLayout();
    const base = { Effect: 'Allow' as const, Action: ['autoscaling:*'], Resource: '*' };
    sim.useCallerPolicy({ Statement: [base] });
    expect((await awsError(createGroup())).message).toMatch(/not authorized to perform: ec2:RunInstances/);
    sim.useCallerPolicy({
      Statement: [
        base,
        { Effect: 'Allow', Action: 'ec2:RunInstances', Resource: 'arn:aws:ec2:*:*:launch-template/*' },
      ],
    });
    expect((await awsError(createGroup())).message).toMatch(/not authorized to perform: iam:PassRole/);
    sim.useCallerPolicy({
      Statement: [
        base,
        { Effect: 'Allow', Action: 'ec2:RunInstances', Resource: 'arn:aws:ec2:*:*:launch-template/*' },
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::123456789012:role/nat-role' },
      ],
    });
    await createGroup();
  });

  it('DeleteTags removes the keys named from the group (a caller scoped by its marker and the keys)', async () => {
    const { sim, createGroup, group, autoscaling } = await groupLayout();
    await createGroup({
      Tags: [
        { Key: 'fixed-ip:managed-by', Value: 'fixed-ip', PropagateAtLaunch: false },
        { Key: 'fixed-ip:stack', Value: 'demo', PropagateAtLaunch: false },
        { Key: 'team', Value: 'payments', PropagateAtLaunch: false },
      ],
    });
    const tag = (Key: string) => ({
      ResourceId: 'fixed-ip-nat-demo',
      ResourceType: 'auto-scaling-group',
      Key,
    });
    sim.useCallerPolicy({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'autoscaling:DeleteTags',
          Resource: '*',
          Condition: {
            StringEquals: { 'aws:ResourceTag/fixed-ip:managed-by': 'fixed-ip' },
            'ForAllValues:StringLike': { 'aws:TagKeys': ['fixed-ip:*'] },
          },
        },
      ],
    });
    expect((await awsError(autoscaling('DeleteTags', { Tags: [tag('team')] }))).message).toMatch(
      /not authorized to perform: autoscaling:DeleteTags/,
    );
    await autoscaling('DeleteTags', { Tags: [tag('fixed-ip:managed-by'), tag('fixed-ip:stack')] });
    sim.useCallerPolicy(undefined);
    expect((await group())?.Tags.map((t: { Key: string }) => t.Key)).toEqual(['team']);
    await expectAwsError(
      autoscaling('DeleteTags', { Tags: [{ ...tag('team'), ResourceId: 'nope' }] }),
      'ValidationError',
    );
  });
});
