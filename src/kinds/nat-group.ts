import type { Activity, AutoScalingGroup, Instance as GroupInstance } from '@aws-sdk/client-auto-scaling';
import type { Instance } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import { AbortError, badOption, FixedIpError } from '../errors.js';
import { dropRecord, putRecord, recordIn, type StackContext } from '../model/context.js';
import { baseRecord, type Kind, type KindInput } from '../model/kind.js';
import { IPV4_HOURLY_USD } from '../model/pricing.js';
import { isOurs, MANAGED_BY, stackTags, TAG_MANAGED_BY, TAG_PREFIX, whyNotOurs } from '../model/tags.js';
import { POLL, pollUntil } from '../model/wait.js';
import { extraPart, INSTANCES, NETWORK_INTERFACES, type World } from '../model/world.js';
import type { ResourceRecord } from '../state/identity.js';
import { holdAddress } from './nat-interface.js';
import { exportedTags, idRef, type IacExport } from '../model/iac.js';
import { natHostBilling, natInstanceHourlyUsd, natInstanceType } from './nat-instance.js';
import { bootOf } from './nat-instance/boot.js';
import {
  BOOT_READY_MS,
  holderOf,
  interfaceIn,
  moveInterface,
  seconds,
  stateOf,
  waitFor,
  waitForBoot,
  whileProfilePropagates,
} from './nat-instance/lifecycle.js';

const ROLE = 'nat-group';
/** AWS: a group's launch takes a minute or two; a generous bound before calling it stuck. */
const GROUP_TIMEOUT_MS = 10 * 60_000;
const HOUR_MS = 60 * 60_000;
const GROUPS = 'arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/fixed-ip-nat-*';

export const natGroupRecord = z.extend(baseRecord, { kind: z.literal('natGroup') });

// This kind's state record, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    natGroup: z.infer<typeof natGroupRecord>;
  }
}

/** Auto Scaling group names are regional; the stack's name is its own. */
export const natGroupName = (stack: string): string => `fixed-ip-nat-${stack}`;

/** `--ha`: run the NAT instance in an Auto Scaling group of one (`--ha off` goes back to one instance). */
const HA: KindInput = {
  key: 'ha',
  flag: '--ha [on|off]',
  description:
    'with --nat instance: an Auto Scaling group of one keeps the NAT instance running; a failed instance is replaced with the same IP and no command (off: back to one instance fixed-ip launches)',
  parse(text) {
    const word = text.trim().toLowerCase();
    if (word === '' || word === 'on' || word === 'true') return true;
    if (word === 'off' || word === 'false') return false;
    throw badOption(`--ha ${text}: not on or off`, 'use --ha (on) or --ha off');
  },
  schema: z.boolean(),
  widest: true,
  fromRecords: (records: readonly ResourceRecord[]) =>
    records.some((r) => r.kind === 'natGroup' || r.kind === 'natLaunchTemplate') ? true : undefined,
  // A stack leaving the NAT instance leaves its group behind: the setting goes with it.
  needsOf: (shape) => (shape.nat === 'instance' ? undefined : 'a NAT instance (--nat instance)'),
};

/** The group's latest activities (its replacements), loaded with it. */
const ACTIVITIES = 'natGroupActivities';

/** The stack's group, found by its name (Auto Scaling has no filter by VPC). */
export const AUTOSCALING_GROUPS = extraPart<AutoScalingGroup>({
  name: 'autoscalingGroups',
  idFilter: 'auto-scaling-group-name',
  byName: true,
  async describe(aws, filters, into, statuses, stack) {
    const named = filters.find((f) => f.Name === 'auto-scaling-group-name')?.Values;
    const names = named ?? (stack ? [natGroupName(stack)] : []);
    if (names.length === 0) return [];
    const out = await aws.autoscaling.DescribeAutoScalingGroups({ AutoScalingGroupNames: names });
    const groups = out.AutoScalingGroups ?? [];
    const [group] = groups;
    if (statuses && group?.AutoScalingGroupName) {
      const activities = await aws.autoscaling.DescribeScalingActivities({
        AutoScalingGroupName: group.AutoScalingGroupName,
        MaxRecords: 10,
      });
      into.extra[ACTIVITIES] = activities.Activities ?? [];
    }
    return groups;
  },
  idOf: (group) => group.AutoScalingGroupName,
});

const groupNamed = (world: World, name: string): AutoScalingGroup | undefined =>
  AUTOSCALING_GROUPS.get(world).find((g) => g.AutoScalingGroupName === name);

/** The stack's group in the world: one of its name whose tags prove it is the stack's. */
const groupIn = (ctx: StackContext): AutoScalingGroup | undefined =>
  AUTOSCALING_GROUPS.get(ctx.world).find(
    (g) => g.AutoScalingGroupName === natGroupName(ctx.name) && isOurs(g.Tags, ctx.name, ROLE),
  );

async function describeGroup(ctx: StackContext): Promise<AutoScalingGroup | undefined> {
  const out = await ctx.aws.autoscaling.DescribeAutoScalingGroups({
    AutoScalingGroupNames: [natGroupName(ctx.name)],
  });
  return out.AutoScalingGroups?.[0];
}

/**
 * Creates the group. AWS checks the template as a launch would: an instance profile made seconds
 * ago is not usable yet (IAM is eventually consistent), which it refuses until it is.
 */
async function createGroup(
  ctx: StackContext,
  input: Parameters<StackContext['aws']['autoscaling']['CreateAutoScalingGroup']>[0],
): Promise<void> {
  await whileProfilePropagates(
    ctx,
    () =>
      ctx.aws.autoscaling.CreateAutoScalingGroup(input).then(
        () => true,
        (error: unknown) => {
          // A retry after a lost answer: the group is there.
          if (awsErrorName(error) !== 'AlreadyExists') throw error;
          return true;
        },
      ),
    (name, message) => name === 'ValidationError' && /iamInstanceProfile/i.test(message),
  );
}

/** The group's instances that are in service or on their way. */
const serving = (group: AutoScalingGroup | undefined): GroupInstance[] =>
  (group?.Instances ?? []).filter((i) => /^(Pending|InService)/.test(i.LifecycleState ?? ''));

/** Waits until the group has an instance that is not `except`, and returns its id. */
async function groupInstance(ctx: StackContext, except: string | undefined): Promise<string> {
  return pollUntil(
    async () => {
      const group = await describeGroup(ctx);
      return serving(group).find((i) => i.InstanceId !== except)?.InstanceId;
    },
    {
      clock: ctx.clock,
      signal: ctx.signal,
      schedule: POLL.instance,
      timeoutMs: GROUP_TIMEOUT_MS,
      onTimeout: () =>
        new FixedIpError(
          'WAIT_EXPIRED',
          `Auto Scaling group ${natGroupName(ctx.name)} launched no NAT instance in 10 minutes`,
          {
            hint: 'its activity history (EC2 console, Auto Scaling groups, Activity) says why; run fixed-ip setup again to keep waiting',
          },
        ),
    },
  );
}

/** Waits for the instance to run and to report its boot (a failure names the instance's reason). */
async function booted(ctx: StackContext, id: string): Promise<void> {
  const progress = ctx.ui.progress('setup.nat.boot', `Waiting for NAT instance ${id} of the group to boot`);
  try {
    await waitFor(ctx, id, 'running', false);
    await waitForBoot(ctx, id, ['ready', 'forwarding', 'waiting'], BOOT_READY_MS);
  } catch (error) {
    if (error instanceof AbortError) progress.warn(`Stopped waiting for NAT instance ${id} to boot`);
    else progress.fail(`NAT instance ${id} did not boot`);
    throw error;
  }
  progress.succeed(`NAT instance ${id} booted`);
}

/** The launch-template version an instance of the group was launched from. */
const versionOf = (instance: GroupInstance | undefined): number | undefined => {
  const version = Number(instance?.LaunchTemplate?.Version);
  return Number.isFinite(version) ? version : undefined;
};

/** "3 h", "2 days". */
function age(since: Date | undefined, now: number): string {
  if (!since) return '?';
  const hours = Math.max(0, (now - since.getTime()) / HOUR_MS);
  return hours < 48 ? `${Math.floor(hours)} h` : `${Math.floor(hours / 24)} days`;
}

/** The group's last replacement: the newest launch after its first. */
function lastReplacement(activities: readonly Activity[]): Activity | undefined {
  const launches = activities
    .filter((a) => /^Launching/.test(a.Description ?? ''))
    .sort((a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0));
  return launches.length > 1 ? launches[0] : undefined;
}

/**
 * With `--nat instance --ha`: an Auto Scaling group of exactly one NAT instance, in the public
 * subnet of the interface's zone (an interface is zonal: an instance in another zone could not
 * take it). Its instance attaches the stack's interface to itself at boot, so a terminated or
 * failed instance is replaced with the same IP and no command from anyone; a planned replacement
 * (`--replace-nat-instance`, a new type) lets a second instance boot first and moves the
 * interface to it, so egress pauses only for the detach and attach.
 */
export const natGroup: Kind = {
  name: 'natGroup',
  part: AUTOSCALING_GROUPS,
  needs: [AUTOSCALING_GROUPS, INSTANCES, NETWORK_INTERFACES],
  role: ROLE,
  zonal: true,
  article: 5,
  title: 'NAT instance group',
  record: natGroupRecord,
  inputs: [HA],
  iam: {
    read: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities'],
    create: [
      'autoscaling:CreateAutoScalingGroup',
      'autoscaling:CreateOrUpdateTags',
      'autoscaling:UpdateAutoScalingGroup',
      'autoscaling:TerminateInstanceInAutoScalingGroup',
      // A group launching from a template that names an instance profile: AWS checks the caller may.
      'ec2:RunInstances',
      'iam:PassRole',
      // The account's first group makes Auto Scaling's service-linked role.
      'iam:CreateServiceLinkedRole',
      'ec2:AttachNetworkInterface',
      'ec2:DetachNetworkInterface',
    ],
    remove: ['autoscaling:DeleteAutoScalingGroup'],
    untag: ['autoscaling:DeleteTags'],
    grants: [
      {
        sid: 'FixedIpAutoScalingRead',
        actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities'],
        resource: '*',
      },
      // The NAT instance's group: made only under its name pattern, with fixed-ip's marker...
      {
        sid: 'FixedIpAutoScalingCreate',
        actions: ['autoscaling:CreateAutoScalingGroup', 'autoscaling:CreateOrUpdateTags'],
        resource: GROUPS,
        condition: { StringEquals: { [`aws:RequestTag/${TAG_MANAGED_BY}`]: MANAGED_BY } },
      },
      // ...and changed or deleted only when it carries that marker.
      {
        sid: 'FixedIpAutoScalingOwn',
        actions: [
          'autoscaling:UpdateAutoScalingGroup',
          'autoscaling:TerminateInstanceInAutoScalingGroup',
          'autoscaling:DeleteAutoScalingGroup',
        ],
        resource: GROUPS,
        condition: { StringEquals: { [`aws:ResourceTag/${TAG_MANAGED_BY}`]: MANAGED_BY } },
      },
      // ...its fixed-ip tags taken off (forget) only while it carries the marker.
      {
        sid: 'FixedIpAutoScalingUntag',
        actions: ['autoscaling:DeleteTags'],
        resource: GROUPS,
        condition: {
          StringEquals: { [`aws:ResourceTag/${TAG_MANAGED_BY}`]: MANAGED_BY },
          'ForAllValues:StringLike': { 'aws:TagKeys': [`${TAG_PREFIX}*`] },
        },
      },
      {
        sid: 'FixedIpAutoScalingServiceRole',
        actions: ['iam:CreateServiceLinkedRole'],
        resource: 'arn:aws:iam::*:role/aws-service-role/autoscaling.amazonaws.com/*',
        condition: { StringEquals: { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' } },
      },
    ],
  },
  goneLine: 'NAT instance group is deleted',
  // One instance runs (two for the seconds of a planned replacement): its type, its volume, and
  // the public IPv4 address of its own interface. The group itself and automatic recovery are free.
  // The group of one; the instance it runs is its own (replaced with the same IP), never exported.
  iac(ctx, record, live): IacExport {
    const group = AUTOSCALING_GROUPS.get(ctx.world).find((g) => g.AutoScalingGroupName === record.id);
    const subnets = (group?.VPCZoneIdentifier ?? '').split(',').filter(Boolean).map(idRef);
    const template =
      group?.LaunchTemplate ?? group?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
    const templateRef = idRef(template?.LaunchTemplateId ?? '');
    const version = recordIn(ctx, 'natLaunchTemplate', record.zone)?.version;
    const tags = exportedTags(live.tags).map((t) => ({
      ...t,
      propagate: group?.Tags?.find((g) => g.Key === t.Key)?.PropagateAtLaunch ?? false,
    }));
    const sizes = {
      min: group?.MinSize ?? 1,
      max: group?.MaxSize ?? 1,
      desired: group?.DesiredCapacity ?? 1,
    };
    return {
      owned: [
        {
          id: record.id,
          part: '',
          terraform: {
            type: 'aws_autoscaling_group',
            attributes: {
              name: record.id,
              min_size: sizes.min,
              max_size: sizes.max,
              desired_capacity: sizes.desired,
              vpc_zone_identifier: subnets,
              health_check_type: group?.HealthCheckType,
              health_check_grace_period: group?.HealthCheckGracePeriod,
              launch_template: [{ id: templateRef, version: template?.Version ?? '$Latest' }],
              tag: tags.map((t) => ({ key: t.Key, value: t.Value, propagate_at_launch: t.propagate })),
            },
            importId: record.id,
          },
          cloudformation: {
            type: 'AWS::AutoScaling::AutoScalingGroup',
            properties: {
              AutoScalingGroupName: record.id,
              MinSize: String(sizes.min),
              MaxSize: String(sizes.max),
              DesiredCapacity: String(sizes.desired),
              VPCZoneIdentifier: subnets,
              HealthCheckType: group?.HealthCheckType,
              HealthCheckGracePeriod: group?.HealthCheckGracePeriod,
              // CloudFormation takes a version number, not $Latest: the one the group runs now.
              LaunchTemplate: { LaunchTemplateId: templateRef, Version: String(version ?? 1) },
              Tags: tags.map((t) => ({ Key: t.Key, Value: t.Value, PropagateAtLaunch: t.propagate })),
            },
            identifier: { AutoScalingGroupName: record.id },
          },
        },
      ],
    };
  },

  hourlyUsd: (region, shape) => {
    const price = natInstanceHourlyUsd(region, natInstanceType(shape));
    return price.instance + price.volume + IPV4_HOURLY_USD;
  },
  // The group's instance, from the group's creation (a replaced instance's hours are the group's).
  billing: natHostBilling(
    (world, record) => {
      const [member] = serving(groupNamed(world, record.id));
      return world.instances.find((i) => i.InstanceId === member?.InstanceId);
    },
    (world, record) => groupNamed(world, record.id)?.CreatedTime,
  ),

  // The group's own tags. The instances it launches take theirs from the launch template's data,
  // which a handed-over stack keeps as it is (the role lets a new instance take the interface over
  // from one carrying the stack's tag).
  async untag(ctx, record, keys) {
    ctx.checkpoint();
    await ctx.aws.autoscaling.DeleteTags({
      Tags: keys.map((Key) => ({ ResourceId: record.id, ResourceType: 'auto-scaling-group', Key })),
    });
  },

  list: (world) =>
    AUTOSCALING_GROUPS.get(world)
      .filter((g) => g.Status === undefined)
      .map((g) => ({ id: g.AutoScalingGroupName ?? '', tags: g.Tags, zone: undefined, extra: {} })),

  plan(ctx, zone, targets) {
    const group = groupIn(ctx);
    if (!group)
      return {
        action: 'create',
        detail: `${natGroupName(ctx.name)}: exactly one ${natInstanceType(targets.shape)} in ${zone ?? ''}; a failed instance is replaced with the same IP, no command needed`,
      };
    const template = recordIn(ctx, 'natLaunchTemplate', zone);
    const [instance] = serving(group);
    if (
      targets.replaceNatInstance ||
      (template?.version !== undefined && versionOf(instance) !== template.version)
    )
      return {
        action: 'repair',
        detail: `replace ${instance?.InstanceId ?? ''}: a second instance boots first, then takes the interface (same IP; egress pauses for the detach and attach, seconds)`,
      };
    const eni = interfaceIn(ctx, zone);
    if (instance && eni && holderOf(eni)?.instanceId !== instance.InstanceId)
      return {
        action: 'repair',
        detail: `give interface ${eni.NetworkInterfaceId ?? ''} to ${instance.InstanceId ?? ''}`,
      };
    return { action: 'done', detail: `${natGroupName(ctx.name)} (${instance?.InstanceId ?? 'launching'})` };
  },

  // A group of that name that is not the stack's stops setup before anything is made (exit 6).
  async blockers(ctx) {
    const group = await describeGroup(ctx);
    if (!group || isOurs(group.Tags, ctx.name, ROLE)) return [];
    return [
      `Auto Scaling group ${natGroupName(ctx.name)} exists, but ${whyNotOurs(group.Tags, ctx.name, ROLE) ?? "it is not this stack's"}: delete or rename it if it is left over, or use another --name`,
    ];
  },

  async ensure(ctx, zone, targets) {
    const name = natGroupName(ctx.name);
    const eniId = recordIn(ctx, 'natInterface', zone)?.id ?? '';
    const template = recordIn(ctx, 'natLaunchTemplate', zone);
    let group = groupIn(ctx) ?? (await describeGroup(ctx));
    if (!group) {
      ctx.checkpoint();
      await createGroup(ctx, {
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateId: template?.id ?? '', Version: '$Latest' },
        MinSize: 1,
        MaxSize: 1,
        DesiredCapacity: 1,
        VPCZoneIdentifier: recordIn(ctx, 'publicSubnet', zone)?.id ?? '',
        HealthCheckType: 'EC2',
        HealthCheckGracePeriod: 300,
        Tags: stackTags(ROLE, ctx.name, zone).map((tag) => ({
          Key: tag.Key ?? '',
          Value: tag.Value ?? '',
          PropagateAtLaunch: false,
        })),
      });
      group = await describeGroup(ctx);
    }
    // A group of that name that is not the stack's (made by hand, another tool) is never taken over.
    if (group && !isOurs(group.Tags, ctx.name, ROLE))
      throw new FixedIpError(
        'NAME_TAKEN',
        `Auto Scaling group ${name} exists, but ${whyNotOurs(group.Tags, ctx.name, ROLE) ?? "it is not this stack's"}`,
        { hint: 'delete or rename that group if it is left over, or use another --name' },
      );
    await putRecord(ctx, { kind: 'natGroup', id: name, owned: true, ...(zone ? { zone } : {}) });
    let id = await groupInstance(ctx, undefined);
    const current = serving(group).find((i) => i.InstanceId === id) ?? serving(await describeGroup(ctx))[0];
    const outdated =
      targets.replaceNatInstance ||
      (template?.version !== undefined && versionOf(current) !== template.version);
    let gap: number;
    if (outdated && current?.InstanceId) {
      // A planned replacement: a second instance boots while the first still forwards.
      const old = current.InstanceId;
      ctx.checkpoint();
      await ctx.aws.autoscaling.UpdateAutoScalingGroup({
        AutoScalingGroupName: name,
        MaxSize: 2,
        DesiredCapacity: 2,
      });
      id = await groupInstance(ctx, old);
      await booted(ctx, id);
      gap = await moveInterface(ctx, eniId, id);
      ctx.checkpoint();
      await ctx.aws.autoscaling.TerminateInstanceInAutoScalingGroup({
        InstanceId: old,
        ShouldDecrementDesiredCapacity: true,
      });
      await ctx.aws.autoscaling.UpdateAutoScalingGroup({
        AutoScalingGroupName: name,
        MaxSize: 1,
        DesiredCapacity: 1,
      });
      await waitFor(ctx, old, 'terminated', true);
    } else {
      await booted(ctx, id);
      // The interface may still be on an instance fixed-ip launched (a stack moving to --ha): it moves.
      gap = await moveInterface(ctx, eniId, id);
    }
    // Coming from a NAT gateway mode, the Elastic IP moves now that the instance forwards.
    await holdAddress(ctx, zone, eniId, { takeFromGateway: true });
    return `${name}: ${id}${gap > 0 ? ` (egress paused ${seconds(gap)} while the interface moved)` : ''}`;
  },

  check(ctx, zone) {
    const record = recordIn(ctx, 'natGroup', zone);
    if (!record)
      return {
        ok: false,
        id: undefined,
        state: 'missing',
        problem: 'no NAT instance group recorded; run fixed-ip setup',
      };
    const group = groupIn(ctx);
    if (!group)
      return {
        ok: false,
        id: record.id,
        state: 'missing',
        problem: `Auto Scaling group ${record.id} was deleted: nothing replaces a failed NAT instance; run fixed-ip setup`,
      };
    const activities = (ctx.world.extra[ACTIVITIES] ?? []) as Activity[];
    const replaced = lastReplacement(activities);
    const last = replaced?.StartTime
      ? `, last replaced ${replaced.StartTime.toISOString().slice(0, 16).replace('T', ' ')} UTC`
      : '';
    const [member] = serving(group);
    const instance: Instance | undefined = ctx.world.instances.find(
      (i) => i.InstanceId === member?.InstanceId,
    );
    if (!member || !instance)
      return {
        ok: false,
        id: record.id,
        state: `no instance${last}`,
        problem: `group ${record.id} has no NAT instance right now: it is launching one (egress returns once it boots, same IP)`,
      };
    const boot = bootOf(instance);
    const up = `${member.InstanceId ?? ''} up ${age(instance.LaunchTime, ctx.clock.now())}${last}`;
    if (boot.state === 'failed')
      return {
        ok: false,
        id: record.id,
        state: `${up}, boot failed`,
        problem: `the NAT instance's boot failed: ${boot.why}; run fixed-ip setup --replace-nat-instance`,
      };
    const eni = interfaceIn(ctx, zone);
    if (eni && holderOf(eni)?.instanceId !== member.InstanceId)
      return {
        ok: false,
        id: record.id,
        state: `${up}, interface not attached`,
        problem:
          boot.state === 'waiting'
            ? `NAT instance ${member.InstanceId ?? ''} is waiting: ${boot.why}`
            : `the NAT network interface is not attached to the group's instance ${member.InstanceId ?? ''} yet (${stateOf(instance)}, ${boot.state}); check again in a minute`,
      };
    if (member.HealthStatus !== 'Healthy' || boot.state !== 'forwarding')
      return {
        ok: false,
        id: record.id,
        state: `${up}, ${member.HealthStatus ?? '?'}, ${boot.state}`,
        problem: `NAT instance ${member.InstanceId ?? ''} is ${member.HealthStatus === 'Healthy' ? 'not forwarding yet' : 'unhealthy: the group replaces it'}`,
      };
    return { ok: true, id: record.id, state: `${up}, holds the interface, forwarding` };
  },

  async remove(ctx, zone) {
    const record = recordIn(ctx, 'natGroup', zone);
    if (!record) return { outcome: 'gone', detail: '' };
    const group = await describeGroup(ctx);
    if (!group) {
      await dropRecord(ctx, 'natGroup', zone);
      return { outcome: 'gone', detail: record.id };
    }
    const ids = (group.Instances ?? []).map((i) => i.InstanceId ?? '');
    const progress = ctx.ui.progress(
      'nat.instance.terminate',
      `Deleting Auto Scaling group ${record.id} and its NAT instance`,
    );
    ctx.checkpoint();
    try {
      await ctx.aws.autoscaling.DeleteAutoScalingGroup({
        AutoScalingGroupName: record.id,
        ForceDelete: true,
      });
      // The group goes once its instances are terminated: then the charge has stopped.
      await pollUntil(async () => ((await describeGroup(ctx)) ? undefined : true), {
        clock: ctx.clock,
        signal: ctx.signal,
        schedule: POLL.instance,
        timeoutMs: GROUP_TIMEOUT_MS,
        onTimeout: () =>
          new FixedIpError(
            'WAIT_EXPIRED',
            `Auto Scaling group ${record.id} is still deleting after 10 minutes`,
            {
              hint: 'run fixed-ip teardown again to keep waiting',
            },
          ),
      });
      for (const id of ids) if (id) await waitFor(ctx, id, 'terminated', true);
    } catch (error) {
      if (error instanceof AbortError) progress.warn(`Stopped waiting for group ${record.id} to go`);
      else progress.fail(`Auto Scaling group ${record.id} did not go`);
      throw error;
    }
    progress.succeed(`Auto Scaling group ${record.id} deleted; its NAT instance is terminated`);
    await dropRecord(ctx, 'natGroup', zone);
    return { outcome: 'removed', detail: `${record.id}: its instance's hourly charge has stopped` };
  },
};
