/**
 * EC2 Auto Scaling, as far as a group of one NAT instance needs it: a group launches from a launch
 * template into the subnets of its VPCZoneIdentifier, keeps `DesiredCapacity` instances running,
 * and replaces one that is terminated, stopped or marked unhealthy, after `groupReplaceMs` (its EC2
 * health check notices, then it launches). Its instances are launched through RunInstances' own
 * rules with the template's data (as the group's service-linked role, so the caller's policy is not
 * asked), tagged `aws:autoscaling:groupName`, and boot like any other instance. What AWS enforces
 * and this models: a unique name (AlreadyExists); min <= desired <= max (ValidationError); an
 * existing launch template and subnets; a group with instances is deleted only with ForceDelete
 * (ResourceInUse), and stays listed "Delete in progress" until they are terminated;
 * TerminateInstanceInAutoScalingGroup may not take the group under its minimum. Activities record
 * each launch and termination, newest first. Time passes lazily: each call first settles what the
 * groups did since the last one (`settleGroups`, from the simulator's prune), backdating launches.
 */
import {
  AlreadyExistsFault,
  AutoScalingServiceException,
  ResourceInUseFault,
  type Activity,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import type { SimContext } from './context.js';
import { passingProfile } from './instance-profiles.js';
import { requireLaunchTemplate, versionOf } from './ec2/launch-templates.js';
import { instanceOperations } from './ec2/instances.js';
import { newId, newRequestId } from './ids.js';
import { instanceState } from './lifecycle.js';
import type { Tags } from './model.js';
import type { AuthRequest } from './policy.js';

interface MemberRecord {
  instanceId: string;
  az: string;
  health: 'Healthy' | 'Unhealthy';
  /** The launch template version it was launched from. */
  version: number;
  /** SetInstanceHealth Unhealthy: when (the group replaces it groupReplaceMs later). */
  unhealthyAt?: number;
  /** Being terminated by the group: listed 'Terminating' until its instance is terminated, not counted. */
  leaving?: boolean;
}

/** The members that count toward the desired capacity (not on their way out). */
const serving = (group: GroupRecord): MemberRecord[] => group.members.filter((m) => m.leaving !== true);

/** Takes a member out of service: its instance is terminated, and it leaves the group once it is. */
function retire(ctx: SimContext, member: MemberRecord): void {
  member.leaving = true;
  terminate(ctx, member.instanceId);
}

interface ActivityRecord {
  id: string;
  description: string;
  cause: string;
  start: number;
  end: number;
  status: 'Successful' | 'Failed';
}

export interface GroupRecord {
  name: string;
  createdAt: number;
  launchTemplate: { id: string; version: string };
  min: number;
  max: number;
  desired: number;
  subnetIds: string[];
  healthCheckType: string;
  gracePeriod: number;
  tags: Array<{ key: string; value: string; propagate: boolean }>;
  members: MemberRecord[];
  activities: ActivityRecord[];
  /** When the next launch is due (a replacement waits for the health check to notice). */
  launchDueAt: number | null;
  /** DeleteAutoScalingGroup with ForceDelete: gone once its instances are terminated. */
  deleting: boolean;
}

// The account keeps its groups here (absent on accounts saved before groups were modeled).
declare module './model.js' {
  interface AccountState {
    autoScalingGroups?: Record<string, GroupRecord>;
  }
}

const groupsOf = (ctx: SimContext): Readonly<Record<string, GroupRecord>> =>
  ctx.state.autoScalingGroups ?? {};
const writableGroups = (ctx: SimContext): Record<string, GroupRecord> => (ctx.state.autoScalingGroups ??= {});

function metadata(status: number) {
  return { httpStatusCode: status, requestId: newRequestId(), attempts: 1, totalRetryDelay: 0 };
}
/** A modelled fault as the SDK delivers it: the shape's name, and AWS's code as `Code` (also what goes on the wire). */
function withCode<E extends Error>(code: string, error: E): E {
  return Object.assign(error, { Code: code });
}

const validation = (message: string) =>
  new AutoScalingServiceException({
    name: 'ValidationError',
    $fault: 'client',
    $metadata: metadata(400),
    message,
  });

function requireGroup(ctx: SimContext, name: unknown): GroupRecord {
  const group = typeof name === 'string' ? groupsOf(ctx)[name] : undefined;
  if (!group)
    throw validation(`AutoScalingGroup name not found - AutoScalingGroup '${String(name)}' not found`);
  return group;
}

const arnOf = (ctx: SimContext, name: string): string =>
  `arn:aws:autoscaling:${ctx.state.region}:${ctx.state.accountId}:autoScalingGroup:00000000-0000-4000-8000-000000000000:autoScalingGroupName/${name}`;

function activity(
  ctx: SimContext,
  group: GroupRecord,
  at: number,
  description: string,
  cause: string,
  failed = false,
) {
  group.activities.unshift({
    id: newId(ctx.state, 'act'),
    description,
    cause,
    start: at,
    end: at,
    status: failed ? 'Failed' : 'Successful',
  });
  group.activities.splice(50);
}

/** An instance of the group is gone or going (terminated, or stopped: unhealthy for EC2's check). */
function lost(ctx: SimContext, member: MemberRecord): { at: number; why: string } | undefined {
  const instance = ctx.state.instances[member.instanceId];
  if (!instance) return { at: ctx.now, why: 'the instance no longer exists' };
  const state = instanceState(instance, ctx.now);
  const started = (ms: number) => instance.phase.until - ms;
  if (state === 'shutting-down' || state === 'terminated')
    return { at: started(ctx.timings.instanceShuttingDownMs), why: 'the instance was terminated' };
  if (state === 'stopping' || state === 'stopped')
    return {
      at: started(ctx.timings.instanceStoppingMs),
      why: 'an EC2 health check indicated the instance was stopped',
    };
  if (member.health === 'Unhealthy')
    return { at: member.unhealthyAt ?? ctx.now, why: 'the instance was marked unhealthy' };
  return undefined;
}

function terminate(ctx: SimContext, instanceId: string): void {
  const instance = ctx.state.instances[instanceId];
  if (!instance) return;
  const state = instanceState(instance, ctx.now);
  if (state === 'shutting-down' || state === 'terminated') return;
  instanceOperations.TerminateInstances(ctx, { InstanceIds: [instanceId] });
}

/** RunInstances' input for one instance from a template's data, in one of the group's subnets. */
function runInput(
  data: Record<string, unknown>,
  subnetId: string,
): Parameters<typeof instanceOperations.RunInstances>[1] {
  const specs = data.NetworkInterfaces as Array<Record<string, unknown>> | undefined;
  const interfaces = specs?.map((spec, index) =>
    index === 0 && spec.NetworkInterfaceId === undefined ? { ...spec, SubnetId: subnetId } : spec,
  );
  return {
    ...data,
    ...(interfaces ? { NetworkInterfaces: interfaces } : { SubnetId: subnetId }),
    MinCount: 1,
    MaxCount: 1,
  };
}

/**
 * AWS tries the template when a group is created or given it: what RunInstances would refuse is a
 * ValidationError "You must use a valid fully-formed launch template. <EC2's message>" (the launch
 * is tried on a copy of the account: nothing is made).
 */
function checkLaunchable(ctx: SimContext, data: Record<string, unknown>, subnetIds: readonly string[]): void {
  const scratch: SimContext = {
    ...ctx,
    state: structuredClone(ctx.state),
    takeNatBootFailure: () => undefined,
  };
  try {
    instanceOperations.RunInstances(scratch, runInput(data, subnetIds[0] ?? ''));
  } catch (error) {
    throw validation(`You must use a valid fully-formed launch template. ${(error as Error).message}`);
  }
}

/** Launches one instance from the group's template, as of `at`. */
function launch(ctx: SimContext, group: GroupRecord, at: number): void {
  const when: SimContext = { ...ctx, now: at };
  const template = requireLaunchTemplate(when, { LaunchTemplateId: group.launchTemplate.id });
  const version = versionOf(template, group.launchTemplate.version);
  // Spread over the group's subnets: the one with the fewest of its instances.
  const subnetId =
    [...group.subnetIds].sort(
      (a, b) =>
        group.members.filter((m) => ctx.state.instances[m.instanceId]?.subnetId === a).length -
        group.members.filter((m) => ctx.state.instances[m.instanceId]?.subnetId === b).length,
    )[0] ?? '';
  try {
    const out = instanceOperations.RunInstances(when, runInput(version.data, subnetId)) as {
      Instances: Array<{ InstanceId?: string }>;
    };
    const id = out.Instances[0]?.InstanceId ?? '';
    const instance = ctx.state.instances[id];
    if (instance) {
      instance.tags['aws:autoscaling:groupName'] = group.name;
      for (const tag of group.tags) if (tag.propagate) instance.tags[tag.key] = tag.value;
    }
    group.members.push({
      instanceId: id,
      az: instance?.az ?? '',
      health: 'Healthy',
      version: version.number,
    });
    activity(
      ctx,
      group,
      at,
      `Launching a new EC2 instance: ${id}`,
      'the group had fewer instances than its desired capacity',
    );
    group.launchDueAt = null;
  } catch (error) {
    activity(
      ctx,
      group,
      at,
      'Launching a new EC2 instance.  Status Reason: ' + (error as Error).message,
      'the group had fewer instances than its desired capacity',
      true,
    );
    // AWS retries a failed launch; here, a minute later.
    group.launchDueAt = at + 60_000;
  }
}

/** What each group did by itself since the last call: replaced what it lost, finished deleting. */
export function settleGroups(ctx: SimContext): void {
  for (const group of Object.values(groupsOf(ctx))) {
    for (const member of serving(group)) {
      const gone = lost(ctx, member);
      if (!gone) continue;
      // The group's health check notices groupReplaceMs later; until then the instance is still its.
      const noticed = gone.at + ctx.timings.groupReplaceMs;
      if (ctx.now < noticed) continue;
      // A stopped or unhealthy instance is terminated by the group before it is replaced.
      retire({ ...ctx, now: noticed }, member);
      activity(ctx, group, noticed, `Terminating EC2 instance: ${member.instanceId}`, gone.why);
      if (!group.deleting) group.launchDueAt = Math.min(group.launchDueAt ?? Infinity, noticed);
    }
    // An instance on its way out leaves the group once it is terminated.
    group.members = group.members.filter((m) => {
      const instance = ctx.state.instances[m.instanceId];
      return (
        m.leaving !== true || (instance !== undefined && instanceState(instance, ctx.now) !== 'terminated')
      );
    });
    if (group.deleting) {
      for (const member of group.members) terminate(ctx, member.instanceId);
      const running = group.members.some((m) => {
        const instance = ctx.state.instances[m.instanceId];
        return instance !== undefined && instanceState(instance, ctx.now) !== 'terminated';
      });
      if (!running) delete writableGroups(ctx)[group.name];
      continue;
    }
    while (serving(group).length < group.desired) {
      const at = group.launchDueAt ?? ctx.now;
      if (at > ctx.now) break;
      const before = group.members.length;
      launch(ctx, group, at);
      if (group.members.length === before) break;
    }
    while (serving(group).length > group.desired) {
      // The default termination policy: the oldest launch template version, then the oldest instance.
      const [oldest] = [...serving(group)].sort((a, b) => a.version - b.version);
      if (!oldest) break;
      retire(ctx, oldest);
      activity(
        ctx,
        group,
        ctx.now,
        `Terminating EC2 instance: ${oldest.instanceId}`,
        'the desired capacity was lowered',
      );
    }
  }
}

function show(ctx: SimContext, group: GroupRecord): AutoScalingGroup {
  const template = ctx.state.launchTemplates?.[group.launchTemplate.id];
  const spec = {
    LaunchTemplateId: group.launchTemplate.id,
    LaunchTemplateName: template?.name ?? '',
  };
  return {
    AutoScalingGroupName: group.name,
    AutoScalingGroupARN: arnOf(ctx, group.name),
    LaunchTemplate: { ...spec, Version: group.launchTemplate.version },
    MinSize: group.min,
    MaxSize: group.max,
    DesiredCapacity: group.desired,
    DefaultCooldown: 300,
    AvailabilityZones: [...new Set(group.subnetIds.map((id) => ctx.state.subnets[id]?.az ?? ''))],
    HealthCheckType: group.healthCheckType,
    HealthCheckGracePeriod: group.gracePeriod,
    Instances: group.members.map((m) => {
      const instance = ctx.state.instances[m.instanceId];
      const state = instance ? instanceState(instance, ctx.now) : 'terminated';
      return {
        InstanceId: m.instanceId,
        InstanceType: instance?.instanceType,
        AvailabilityZone: m.az,
        LifecycleState:
          group.deleting || m.leaving === true
            ? 'Terminating'
            : state === 'pending'
              ? 'Pending'
              : 'InService',
        HealthStatus: m.health,
        LaunchTemplate: { ...spec, Version: String(m.version) },
        ProtectedFromScaleIn: false,
      };
    }),
    CreatedTime: new Date(group.createdAt),
    VPCZoneIdentifier: group.subnetIds.join(','),
    Tags: group.tags.map((t) => ({
      ResourceId: group.name,
      ResourceType: 'auto-scaling-group',
      Key: t.key,
      Value: t.value,
      PropagateAtLaunch: t.propagate,
    })),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::${ctx.state.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    ...(group.deleting ? { Status: 'Delete in progress' } : {}),
  };
}

function checkSizes(min: number, max: number, desired: number): void {
  if (min > max) throw validation(`Max bound, ${max}, must be greater than or equal to min bound, ${min}`);
  if (desired < min || desired > max)
    throw validation(
      `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`,
    );
}

interface GroupInput {
  AutoScalingGroupName?: string;
  LaunchTemplate?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string };
  MinSize?: number;
  MaxSize?: number;
  DesiredCapacity?: number;
  VPCZoneIdentifier?: string;
  HealthCheckType?: string;
  HealthCheckGracePeriod?: number;
  Tags?: Array<{ Key?: string; Value?: string; PropagateAtLaunch?: boolean }>;
}

export const autoscalingOperations = {
  CreateAutoScalingGroup(ctx: SimContext, input: GroupInput): object {
    const name = input.AutoScalingGroupName;
    if (!name)
      throw validation(
        "1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null",
      );
    if (groupsOf(ctx)[name])
      throw withCode(
        'AlreadyExists',
        new AlreadyExistsFault({
          message: `AutoScalingGroup by this name already exists - A group with the name ${name} already exists`,
          $metadata: metadata(400),
        }),
      );
    if (input.MinSize === undefined || input.MaxSize === undefined)
      throw validation('1 validation error detected: MinSize and MaxSize must be given');
    const desired = input.DesiredCapacity ?? input.MinSize;
    checkSizes(input.MinSize, input.MaxSize, desired);
    if (!input.LaunchTemplate)
      throw validation(
        'Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.',
      );
    let template;
    try {
      template = requireLaunchTemplate(ctx, input.LaunchTemplate);
      versionOf(template, input.LaunchTemplate.Version ?? '$Default');
    } catch {
      throw validation(
        `You must use a valid fully-formed launch template. The specified launch template, with template ID ${input.LaunchTemplate.LaunchTemplateId ?? input.LaunchTemplate.LaunchTemplateName ?? ''}, does not exist.`,
      );
    }
    const subnetIds = (input.VPCZoneIdentifier ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (subnetIds.length === 0)
      throw validation(
        'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.',
      );
    for (const id of subnetIds)
      if (!ctx.state.subnets[id]) throw validation(`The subnet ID '${id}' does not exist`);
    checkLaunchable(ctx, versionOf(template, input.LaunchTemplate.Version ?? '$Default').data, subnetIds);
    const group: GroupRecord = {
      name,
      createdAt: ctx.now,
      launchTemplate: { id: template.id, version: input.LaunchTemplate.Version ?? '$Default' },
      min: input.MinSize,
      max: input.MaxSize,
      desired,
      subnetIds,
      healthCheckType: input.HealthCheckType ?? 'EC2',
      gracePeriod: input.HealthCheckGracePeriod ?? 0,
      tags: (input.Tags ?? []).map((t) => ({
        key: t.Key ?? '',
        value: t.Value ?? '',
        propagate: t.PropagateAtLaunch === true,
      })),
      members: [],
      activities: [],
      // AWS starts the first launch within seconds.
      launchDueAt: ctx.now + 5_000,
      deleting: false,
    };
    writableGroups(ctx)[name] = group;
    return {};
  },

  DescribeAutoScalingGroups(ctx: SimContext, input: { AutoScalingGroupNames?: string[] }): object {
    const names = input.AutoScalingGroupNames;
    const groups = Object.values(groupsOf(ctx)).filter((g) => !names?.length || names.includes(g.name));
    return { AutoScalingGroups: groups.map((g) => show(ctx, g)) };
  },

  UpdateAutoScalingGroup(ctx: SimContext, input: GroupInput): object {
    const group = requireGroup(ctx, input.AutoScalingGroupName);
    const min = input.MinSize ?? group.min;
    const max = input.MaxSize ?? group.max;
    const desired = input.DesiredCapacity ?? Math.min(Math.max(group.desired, min), max);
    checkSizes(min, max, desired);
    if (input.LaunchTemplate) {
      const template = requireLaunchTemplate(ctx, input.LaunchTemplate);
      const version = input.LaunchTemplate.Version ?? '$Default';
      checkLaunchable(ctx, versionOf(template, version).data, group.subnetIds);
      group.launchTemplate = { id: template.id, version };
    }
    if (desired > group.desired) group.launchDueAt ??= ctx.now + 5_000;
    Object.assign(group, { min, max, desired });
    return {};
  },

  SetDesiredCapacity(
    ctx: SimContext,
    input: { AutoScalingGroupName?: string; DesiredCapacity?: number },
  ): object {
    const group = requireGroup(ctx, input.AutoScalingGroupName);
    const desired = input.DesiredCapacity ?? group.desired;
    checkSizes(group.min, group.max, desired);
    if (desired > group.desired) group.launchDueAt ??= ctx.now + 5_000;
    group.desired = desired;
    return {};
  },

  DeleteAutoScalingGroup(
    ctx: SimContext,
    input: { AutoScalingGroupName?: string; ForceDelete?: boolean },
  ): object {
    const group = requireGroup(ctx, input.AutoScalingGroupName);
    if (group.members.length > 0 && input.ForceDelete !== true)
      throw withCode(
        'ResourceInUse',
        new ResourceInUseFault({
          message:
            'You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.',
          $metadata: metadata(400),
        }),
      );
    group.deleting = true;
    group.desired = 0;
    for (const member of group.members) terminate(ctx, member.instanceId);
    if (group.members.length === 0) delete writableGroups(ctx)[group.name];
    return {};
  },

  DescribeScalingActivities(
    ctx: SimContext,
    input: { AutoScalingGroupName?: string; MaxRecords?: number },
  ): object {
    const groups = input.AutoScalingGroupName
      ? [requireGroup(ctx, input.AutoScalingGroupName)]
      : Object.values(groupsOf(ctx));
    const activities: Activity[] = groups
      .flatMap((g) =>
        g.activities.map((a) => ({
          ActivityId: a.id,
          AutoScalingGroupName: g.name,
          Description: a.description,
          Cause: `At ${new Date(a.start).toISOString()} ${a.cause}.`,
          StartTime: new Date(a.start),
          EndTime: new Date(a.end),
          StatusCode: a.status,
          Progress: 100,
        })),
      )
      .sort((a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0))
      .slice(0, input.MaxRecords ?? 100);
    return { Activities: activities };
  },

  TerminateInstanceInAutoScalingGroup(
    ctx: SimContext,
    input: { InstanceId?: string; ShouldDecrementDesiredCapacity?: boolean },
  ): object {
    const group = Object.values(groupsOf(ctx)).find((g) =>
      g.members.some((m) => m.instanceId === input.InstanceId),
    );
    if (!group)
      throw validation(
        `Instance Id not found - No managed instance found for instance ID: ${input.InstanceId ?? ''}`,
      );
    if (input.ShouldDecrementDesiredCapacity === true) {
      if (group.desired - 1 < group.min)
        throw validation(
          `Currently, desiredSize equals minSize (${group.min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
        );
      group.desired -= 1;
    }
    const member = group.members.find((m) => m.instanceId === input.InstanceId);
    if (member) retire(ctx, member);
    if (input.ShouldDecrementDesiredCapacity !== true) group.launchDueAt ??= ctx.now + 5_000;
    activity(
      ctx,
      group,
      ctx.now,
      `Terminating EC2 instance: ${input.InstanceId ?? ''}`,
      'an instance was taken out of service in response to a user request',
    );
    return {
      Activity: {
        ActivityId: group.activities[0]?.id,
        AutoScalingGroupName: group.name,
        Description: group.activities[0]?.description,
        Cause: 'user request',
        StartTime: new Date(ctx.now),
        StatusCode: 'InProgress',
        Progress: 0,
      },
    };
  },

  SetInstanceHealth(ctx: SimContext, input: { InstanceId?: string; HealthStatus?: string }): object {
    const member = Object.values(groupsOf(ctx))
      .flatMap((g) => g.members)
      .find((m) => m.instanceId === input.InstanceId);
    if (!member)
      throw validation(
        `Instance Id not found - No managed instance found for instance ID: ${input.InstanceId ?? ''}`,
      );
    if (input.HealthStatus !== 'Healthy' && input.HealthStatus !== 'Unhealthy')
      throw validation(`Valid values for HealthStatus are Healthy and Unhealthy`);
    if (input.HealthStatus === 'Unhealthy' && member.health === 'Healthy') member.unhealthyAt = ctx.now;
    member.health = input.HealthStatus;
    return {};
  },

  /** Removes tags by key (a Value given must match); a key the group does not carry is no error. */
  DeleteTags(
    ctx: SimContext,
    input: { Tags?: Array<{ ResourceId?: string; ResourceType?: string; Key?: string; Value?: string }> },
  ): object {
    for (const tag of input.Tags ?? []) {
      if (tag.ResourceType !== 'auto-scaling-group')
        throw validation(
          `1 validation error detected: Value '${tag.ResourceType ?? ''}' at 'resourceType' is not valid`,
        );
      const group = requireGroup(ctx, tag.ResourceId);
      group.tags = group.tags.filter(
        (t) => t.key !== tag.Key || (tag.Value !== undefined && t.value !== tag.Value),
      );
    }
    return {};
  },
};

/**
 * A group given a launch template launches as the caller would: AWS checks the caller's
 * ec2:RunInstances on the template, and iam:PassRole on the role of its instance profile, when the
 * group is created or updated with it (EC2 Auto Scaling user guide, "Control Amazon EC2 launch
 * template usage in Auto Scaling groups": permissions validation for ec2:RunInstances and iam:PassRole).
 */
function launchingWith(ctx: SimContext, spec: unknown): AuthRequest[] {
  if (typeof spec !== 'object' || spec === null) return [];
  const given = spec as { LaunchTemplateId?: unknown; LaunchTemplateName?: unknown; Version?: unknown };
  const template = Object.values(ctx.state.launchTemplates ?? {}).find(
    (t) => t.id === given.LaunchTemplateId || t.name === given.LaunchTemplateName,
  );
  const id = template?.id ?? (typeof given.LaunchTemplateId === 'string' ? given.LaunchTemplateId : '*');
  const run: AuthRequest = {
    action: 'ec2:RunInstances',
    resource: `arn:aws:ec2:${ctx.state.region}:${ctx.state.accountId}:launch-template/${id}`,
    context: Object.fromEntries(
      Object.entries(template?.tags ?? {}).map(([k, v]) => [`aws:ResourceTag/${k}`, v]),
    ),
  };
  if (!template) return [run];
  let data: Record<string, unknown> = {};
  try {
    data = versionOf(template, given.Version ?? '$Default').data;
  } catch {
    // An unknown version: the call itself says so.
  }
  return [run, ...passingProfile(ctx, data.IamInstanceProfile)];
}

/** IAM's authorizations of a call (Auto Scaling supports aws:RequestTag and aws:ResourceTag on groups). */
export function autoscalingAuthorizations(
  ctx: SimContext,
  operation: string,
  input: Record<string, unknown>,
): AuthRequest[] {
  const action = `autoscaling:${operation}`;
  if (operation.startsWith('Describe')) return [{ action, resource: '*', context: {} }];
  // DeleteTags names its group in each tag (one group per call is all fixed-ip sends).
  const tagged = Array.isArray(input.Tags)
    ? (input.Tags as Array<{ ResourceId?: string; Key?: string }>)
    : undefined;
  const named =
    typeof input.AutoScalingGroupName === 'string'
      ? input.AutoScalingGroupName
      : operation === 'DeleteTags'
        ? tagged?.[0]?.ResourceId
        : Object.values(groupsOf(ctx)).find((g) => g.members.some((m) => m.instanceId === input.InstanceId))
            ?.name;
  const group = named ? groupsOf(ctx)[named] : undefined;
  const resource = arnOf(ctx, named ?? '*');
  if (operation === 'CreateAutoScalingGroup') {
    const tags: Tags = Object.fromEntries(
      ((input.Tags ?? []) as Array<{ Key?: string; Value?: string }>).map((t) => [
        t.Key ?? '',
        t.Value ?? '',
      ]),
    );
    const context = {
      ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
      ...(Object.keys(tags).length > 0 ? { 'aws:TagKeys': Object.keys(tags) } : {}),
    };
    const requests: AuthRequest[] = [{ action, resource, context }];
    if (Object.keys(tags).length > 0)
      requests.push({ action: 'autoscaling:CreateOrUpdateTags', resource, context });
    return [...requests, ...launchingWith(ctx, input.LaunchTemplate)];
  }
  if (operation === 'UpdateAutoScalingGroup') {
    const context = Object.fromEntries((group?.tags ?? []).map((t) => [`aws:ResourceTag/${t.key}`, t.value]));
    return [{ action, resource, context }, ...launchingWith(ctx, input.LaunchTemplate)];
  }
  const context = Object.fromEntries((group?.tags ?? []).map((t) => [`aws:ResourceTag/${t.key}`, t.value]));
  if (operation === 'DeleteTags')
    return [
      { action, resource, context: { ...context, 'aws:TagKeys': (tagged ?? []).map((t) => t.Key ?? '') } },
    ];
  return [{ action, resource, context }];
}

/** The groups in the account's snapshot, only when it has some (older pictures stay equal). */
export function groupsSnapshot(ctx: SimContext): Record<string, unknown> {
  const groups = Object.values(groupsOf(ctx));
  return groups.length === 0
    ? {}
    : {
        autoScalingGroups: groups
          .map((g) => ({
            name: g.name,
            desired: g.desired,
            instances: g.members.map((m) => m.instanceId),
            tags: Object.fromEntries(g.tags.map((t) => [t.key, t.value])),
            deleting: g.deleting,
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
}
