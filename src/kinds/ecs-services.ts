/**
 * ECS services as a workload: after step 6, each `awsvpc` service moves into the stack's private
 * subnets with the stack's security group (its own groups kept beside it, since a load balancer's
 * rules name them) and no public IP. Its previous network is kept on the service's own tags, as a
 * function's is, and restored by detach and teardown. A service update starts a deployment: fixed-ip
 * waits until the service is steady with its new tasks, while the old ones keep serving on the old
 * network until ECS replaces them.
 */
import type { Service, Task } from '@aws-sdk/client-ecs';
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import { FixedIpError } from '../errors.js';
import type { ServiceTarget, StackContext } from '../model/context.js';
import type { Workload, WorkloadStatus } from '../model/kind.js';
import { TAG_PREFIX, TAG_STACK } from '../model/tags.js';
import { POLL, pollUntil } from '../model/wait.js';
import type { ServiceNetworkRecord, ServiceRecord, StackState } from '../state/schema.js';
import {
  checkServiceName,
  describeServices,
  isServiceAttached,
  launchTypeOf,
  networkOf,
  type StackNetwork,
  tagsOf,
} from './ecs-service-targets.js';
import { FUNCTION_TAG_LIMIT, functionTags, previousFromTags, tagsShort } from './function-tags.js';
import { stackVpcConfig } from './functions.js';

/** The previous public IP setting, beside the previous subnets and groups (`fixed-ip:previous`). */
export const TAG_PREVIOUS_PUBLIC_IP = 'fixed-ip:previous-public-ip';
const STEADY_TIMEOUT_MS = 20 * 60_000;
const SERVICE_ARNS = 'arn:aws:ecs:*:*:service/*/*';
/** What finding, checking and describing services reads (status, setup, teardown, discovery). */
const READS = [
  'ecs:ListClusters',
  'ecs:ListServices',
  'ecs:DescribeServices',
  'ecs:DescribeTaskDefinition',
  'ecs:ListTasks',
  'ecs:DescribeTasks',
  'ecs:ListContainerInstances',
  'ecs:DescribeContainerInstances',
] as const;
/** Where status keeps what it read of the services (world.extra). */
const LIVE = 'ecsServices';

interface Live {
  key: string;
  service: Service;
  /** The subnet of each running task. */
  taskSubnets: string[];
}

const recordsOf = (state: StackState): Record<string, ServiceRecord> => (state.services ??= {});
const split = (key: string) => checkServiceName(key);
const isOurKey = (key: string): boolean => key.startsWith(TAG_PREFIX);

/** The stack's private subnets and security group, as a service takes them. */
export function stackNetwork(ctx: StackContext): StackNetwork {
  const config = stackVpcConfig(ctx);
  return { subnetIds: config.subnetIds, securityGroupId: config.securityGroupIds[0] ?? '' };
}

/** The previous network as the service's own tags (subnets and groups as a function's, and the public IP). */
export function serviceTags(stack: string, previous: ServiceNetworkRecord): Record<string, string> {
  return {
    ...functionTags(stack, { subnetIds: previous.subnetIds, securityGroupIds: previous.securityGroupIds }),
    ...(previous.assignPublicIp ? { [TAG_PREVIOUS_PUBLIC_IP]: previous.assignPublicIp } : {}),
  };
}

/** The previous network `stack` recorded on a service's tags; undefined when it recorded none. */
export function servicePreviousFromTags(
  tags: Record<string, string>,
  stack: string,
): ServiceNetworkRecord | undefined {
  const config = previousFromTags(tags, stack);
  if (!config) return undefined;
  const publicIp = tags[TAG_PREVIOUS_PUBLIC_IP];
  return {
    ...config,
    ...(publicIp === 'ENABLED' || publicIp === 'DISABLED' ? { assignPublicIp: publicIp } : {}),
  };
}

export const ecsServices: Workload = {
  name: 'services',
  workload: true,
  article: 7,
  title: 'ECS services',
  attachedIn: (state) => Object.keys(state.services ?? {}),
  iam: {
    read: READS,
    attach: ['ecs:UpdateService', 'ecs:TagResource', 'ecs:UntagResource'],
    detach: ['ecs:UpdateService', 'ecs:UntagResource'],
    untag: ['ecs:UntagResource'],
    grants: [
      // Reads: task definitions and container instances take no narrower resource than this.
      {
        sid: 'FixedIpEcsRead',
        actions: READS,
        resource: '*',
      },
      // Moving the services you name (IAM cannot scope an update to its network settings).
      { sid: 'FixedIpEcsMoveServices', actions: ['ecs:UpdateService'], resource: SERVICE_ARNS },
      // A moved service's previous network is kept in tags of fixed-ip's own keys only.
      {
        sid: 'FixedIpEcsOwnTagKeys',
        actions: ['ecs:TagResource', 'ecs:UntagResource'],
        resource: SERVICE_ARNS,
        condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': [`${TAG_PREFIX}*`] } },
      },
    ],
  },
  holds: (targets) => targets.services.length > 0,

  blockers(ctx, targets) {
    return targets.services.flatMap((target) => {
      if (target.attached) return [];
      const wanted = serviceTags(ctx.name, target.previous);
      const short = tagsShort(target.tags, wanted);
      return short > 0
        ? [
            `ECS service ${target.key} has ${Object.keys(target.tags).length} tags and fixed-ip needs ${Object.keys(wanted).length} of its own (ECS allows ${FUNCTION_TAG_LIMIT} a service): remove ${short} of its tags`,
          ]
        : [];
    });
  },

  plan(ctx, _zone, targets) {
    const moving = targets.services.filter((s) => !s.attached);
    if (moving.length === 0) return { action: 'done', detail: targets.services.map((s) => s.key).join(', ') };
    return {
      action: 'move',
      detail: `${moving.map((s) => s.key).join(', ')} into the private subnets (${ctx.state.shape.zones.join(', ')}), no public IP; a deployment each, the old tasks serving until replaced`,
    };
  },

  async ensure(ctx, _zone, targets) {
    await Promise.all(targets.services.map((target) => attach(ctx, target)));
    return `${targets.services.map((s) => s.key).join(', ')} in the private subnets`;
  },

  check(ctx) {
    const statuses = this.report?.(ctx) ?? [];
    const bad = statuses.filter((s) => s.problem !== undefined);
    return bad.length > 0
      ? {
          ok: false,
          id: statuses.map((s) => s.name).join(', '),
          state: 'detached',
          problem: bad[0]?.problem ?? '',
        }
      : { ok: true, id: statuses.map((s) => s.name).join(', '), state: 'attached' };
  },

  // A lost state: the account's services carrying the stack's tag and the previous network it
  // wrote there (every cluster is listed: only ever for a stack found by its tags). Not allowed to
  // list ECS (a stack of functions only, a policy without ECS): there is nothing of ECS to find.
  async discover(aws, state) {
    let found: Array<{ key: string; service: Service }>;
    try {
      found = await servicesTagged(aws, state.name);
    } catch (error) {
      if (awsErrorName(error) === 'AccessDeniedException') return;
      throw error;
    }
    const ours = new Set(
      Object.values(state.resources)
        .filter((r) => r.kind === 'privateSubnet')
        .map((r) => r.id),
    );
    for (const { key, service } of found) {
      const previous = servicePreviousFromTags(tagsOf(service), state.name);
      if (!previous) continue;
      (state.services ??= {})[key] = {
        arn: service.serviceArn ?? '',
        previous,
        attached: networkOf(service).subnetIds.some((id) => ours.has(id)),
      };
    }
  },

  // status: each service, and the subnets its running tasks are in.
  async load(ctx) {
    const keys = Object.keys(ctx.state.services ?? {});
    if (keys.length === 0) return;
    const found = await describeServices(ctx.aws, keys.map(split));
    const live = await Promise.all(
      [...found].map(async ([key, service]): Promise<Live> => {
        const { cluster } = split(key);
        return { key, service, taskSubnets: await taskSubnets(ctx, cluster, service.serviceName ?? '') };
      }),
    );
    ctx.world.extra[LIVE] = live;
    ctx.world.loaded.add(LIVE);
  },

  report(ctx) {
    const live = (ctx.world.extra[LIVE] ?? []) as Live[];
    const network = stackNetwork(ctx);
    return Object.keys(ctx.state.services ?? {}).map((key): WorkloadStatus => {
      const found = live.find((l) => l.key === key);
      if (!found) return { name: key, attached: false, gone: true };
      const attached = isServiceAttached(found.service, network);
      const outside = found.taskSubnets.filter((id) => !network.subnetIds.includes(id)).length;
      const running = found.taskSubnets.length;
      const failed = (found.service.deployments ?? []).find(
        (d) => d.status === 'PRIMARY' && d.rolloutState === 'FAILED',
      );
      const problem = !attached
        ? `ECS service ${key} is not in the stack's private subnets without a public IP; run fixed-ip setup --name ${ctx.name} to move it back`
        : failed
          ? `ECS service ${key}'s deployment failed (${failed.rolloutStateReason ?? 'no reason given'}); its tasks may not be running in the stack's subnets`
          : outside > 0
            ? `${outside} of ECS service ${key}'s ${running} running tasks are outside the stack's private subnets (a deployment still rolling them? run fixed-ip status again in a minute)`
            : undefined;
      return {
        name: key,
        attached,
        detail: `${running - outside} of ${running} running task${running === 1 ? '' : 's'} in the private subnets`,
        ...(problem ? { problem } : {}),
      };
    });
  },

  iac(ctx) {
    const keys = Object.keys(ctx.state.services ?? {});
    if (keys.length === 0) return undefined;
    const network = stackNetwork(ctx);
    return {
      names: keys,
      subnetIds: network.subnetIds.filter(Boolean),
      securityGroupIds: [network.securityGroupId].filter(Boolean),
    };
  },

  // forget: each service stays where it is; fixed-ip's tags on it go, where they name this stack.
  async ourTags(ctx) {
    const keys = Object.keys(ctx.state.services ?? {});
    const found = await describeServices(ctx.aws, keys.map(split));
    return new Map(
      [...found].flatMap(([key, service]) => {
        const tags = tagsOf(service);
        const ours = tags[TAG_STACK] === ctx.name ? Object.keys(tags).filter(isOurKey) : [];
        return ours.length > 0 ? [[key, ours] as const] : [];
      }),
    );
  },

  async untag(ctx, key, keys) {
    ctx.checkpoint();
    await ctx.aws.ecs.UntagResource({
      resourceArn: ctx.state.services?.[key]?.arn ?? '',
      tagKeys: [...keys],
    });
  },

  // As for functions: a service that cannot be restored stays in the stack, named with AWS's
  // reason, and holds up nothing else of teardown (the NAT's charge above all).
  async remove(ctx) {
    const keys = Object.keys(ctx.state.services ?? {});
    if (keys.length === 0) return { outcome: 'gone', detail: '' };
    const results = await Promise.allSettled(keys.map((key) => detachService(ctx, key)));
    const failed = keys.flatMap((key, i) => {
      const result = results[i];
      return result?.status === 'rejected' ? [{ key, reason: result.reason as unknown }] : [];
    });
    for (const { key, reason } of failed)
      ctx.ui.notify({
        level: 'warn',
        code: 'teardown.service.failed',
        text: `Could not restore ECS service ${key} (${reason instanceof Error ? reason.message : String(reason)}); it stays in the stack and keeps its subnets, and teardown goes on`,
      });
    if (ctx.signal?.aborted) ctx.checkpoint();
    const done = keys.filter((key) => !failed.some((f) => f.key === key));
    if (failed.length > 0)
      return {
        outcome: 'kept',
        detail: `${failed.map((f) => f.key).join(', ')} (could not be restored)${done.length ? `; restored ${done.join(', ')}` : ''}`,
        why: 'could not be restored',
      };
    return { outcome: 'removed', detail: keys.join(', ') };
  },
};

/** Every service of the account's clusters in the region whose tags name `stack`. */
async function servicesTagged(
  aws: AwsPort,
  stack: string,
): Promise<Array<{ key: string; service: Service }>> {
  const clusters: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws.ecs.ListClusters(nextToken ? { nextToken } : {});
    clusters.push(...(page.clusterArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const found = await Promise.all(
    clusters.map(async (clusterArn) => {
      const cluster = clusterArn.split('/').pop() ?? clusterArn;
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await aws.ecs.ListServices({ cluster, ...(token ? { nextToken: token } : {}) });
        names.push(...(page.serviceArns ?? []).map((arn) => arn.split('/').pop() ?? arn));
        token = page.nextToken;
      } while (token);
      const described = await describeServices(
        aws,
        names.map((service) => ({ cluster, service, key: `${cluster}/${service}` })),
      );
      return [...described]
        .filter(([, service]) => tagsOf(service)[TAG_STACK] === stack)
        .map(([key, service]) => ({ key, service }));
    }),
  );
  return found.flat();
}

/** The subnet of each running task of a service (one ListTasks, one DescribeTasks per 100). */
async function taskSubnets(ctx: StackContext, cluster: string, serviceName: string): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.aws.ecs.ListTasks({
      cluster,
      serviceName,
      desiredStatus: 'RUNNING',
      ...(nextToken ? { nextToken } : {}),
    });
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const out = await ctx.aws.ecs.DescribeTasks({ cluster, tasks: arns.slice(i, i + 100) });
    tasks.push(...(out.tasks ?? []));
  }
  return tasks
    .filter((task) => task.lastStatus === 'RUNNING')
    .map(
      (task) =>
        (task.attachments ?? [])
          .find((a) => a.type === 'ElasticNetworkInterface')
          ?.details?.find((d) => d.name === 'subnetId')?.value ?? '',
    );
}

/** The network fixed-ip gives a service: the private subnets, the stack's group and its own, no public IP. */
function attachedNetwork(ctx: StackContext, target: ServiceTarget) {
  const network = stackNetwork(ctx);
  return {
    subnets: network.subnetIds,
    securityGroups: [...new Set([network.securityGroupId, ...target.keptGroups])],
    // The EC2 launch type takes no assignPublicIp at all.
    ...(target.launchType === 'FARGATE' ? { assignPublicIp: 'DISABLED' as const } : {}),
  };
}

async function attach(ctx: StackContext, target: ServiceTarget): Promise<void> {
  const records = recordsOf(ctx.state);
  if (!target.attached) {
    // Where it was before moving it, in the state and on the service itself (a lost state loses nothing).
    const previous = records[target.key]?.previous ?? target.previous;
    records[target.key] = { arn: target.arn, previous, attached: false };
    await ctx.save();
    await tagService(ctx, target, previous);
    ctx.checkpoint();
    await ctx.aws.ecs.UpdateService({
      cluster: target.cluster,
      service: target.service,
      networkConfiguration: { awsvpcConfiguration: attachedNetwork(ctx, target) },
    });
  }
  const record = records[target.key];
  records[target.key] = { arn: target.arn, previous: record?.previous ?? target.previous, attached: true };
  await ctx.save();
  await waitSteady(
    ctx,
    target.cluster,
    target.service,
    `Moving ECS service ${target.key} into the private subnets (a deployment: its old tasks keep serving on the old network until new ones are running)`,
  );
}

async function tagService(
  ctx: StackContext,
  target: ServiceTarget,
  previous: ServiceNetworkRecord,
): Promise<void> {
  const wanted = serviceTags(ctx.name, previous);
  if (Object.entries(wanted).every(([key, value]) => target.tags[key] === value)) return;
  ctx.checkpoint();
  try {
    await ctx.aws.ecs.TagResource({
      resourceArn: target.arn,
      tags: Object.entries(wanted).map(([key, value]) => ({ key, value })),
    });
  } catch (error) {
    // A service made before ECS's long ARN format cannot take tags: its previous network lives in the state only.
    if (
      awsErrorName(error) !== 'InvalidParameterException' ||
      !/long arn/i.test(String((error as Error).message))
    )
      throw error;
    ctx.ui.notify({
      level: 'warn',
      code: 'setup.service.untaggable',
      text: `ECS service ${target.key} has an old-format ARN and cannot take tags: its previous network is kept in the state file only`,
    });
    return;
  }
  target.tags = { ...target.tags, ...wanted };
}

/**
 * Puts a service back on its previous network (what of it still exists), waits until it is steady
 * there (its tasks have left the stack's subnets, so they can be deleted), and drops it from the stack.
 */
export async function detachService(ctx: StackContext, key: string): Promise<void> {
  const record = ctx.state.services?.[key];
  if (!record) return;
  const { cluster, service: name } = split(key);
  const service = (await describeServices(ctx.aws, [split(key)])).get(key);
  const tags = service ? tagsOf(service) : {};
  const untagOurs = async (): Promise<void> => {
    if (tags[TAG_STACK] !== ctx.name) return;
    await ctx.aws.ecs.UntagResource({
      resourceArn: record.arn || service?.serviceArn || '',
      tagKeys: Object.keys(tags).filter(isOurKey),
    });
  };
  if (!service) {
    ctx.ui.notify({
      level: 'info',
      code: 'teardown.service.gone',
      text: `ECS service ${key} no longer exists; nothing to restore`,
    });
  } else if (usesStack(ctx, service)) {
    const previous = restorable(ctx, key, record.previous);
    ctx.checkpoint();
    await ctx.aws.ecs.UpdateService({
      cluster,
      service: name,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: previous.subnetIds,
          ...(previous.securityGroupIds.length > 0 ? { securityGroups: previous.securityGroupIds } : {}),
          ...(launchTypeOf(service) === 'FARGATE'
            ? { assignPublicIp: previous.assignPublicIp ?? 'DISABLED' }
            : {}),
        },
      },
    });
    await Promise.all([
      waitSteady(
        ctx,
        cluster,
        name,
        `Restoring ECS service ${key}'s previous network (its tasks move back as ECS replaces them)`,
      ),
      untagOurs(),
    ]);
  } else {
    ctx.ui.notify({
      level: 'info',
      code: 'teardown.service.moved',
      text: `ECS service ${key} is no longer in the stack's private subnets; left as it is`,
    });
    await untagOurs();
  }
  delete recordsOf(ctx.state)[key];
  await ctx.save();
}

/** In at least one of the stack's private subnets (a run stopped halfway through a change of zones). */
function usesStack(ctx: StackContext, service: Service): boolean {
  const ours = new Set(
    Object.values(ctx.state.resources)
      .filter((r) => r.kind === 'privateSubnet')
      .map((r) => r.id),
  );
  return networkOf(service).subnetIds.some((id) => ours.has(id));
}

/**
 * The previous network, as far as it still exists. Unlike a function, a service cannot leave the
 * VPC: with none of its subnets left there is nowhere to put it back, and it stays (said).
 */
function restorable(ctx: StackContext, key: string, previous: ServiceNetworkRecord): ServiceNetworkRecord {
  if (!ctx.world.loaded.has('subnets') || !ctx.world.loaded.has('securityGroups')) return previous;
  const subnetIds = previous.subnetIds.filter((id) => ctx.world.subnets.some((s) => s.SubnetId === id));
  const securityGroupIds = previous.securityGroupIds.filter((id) =>
    ctx.world.securityGroups.some((g) => g.GroupId === id),
  );
  if (subnetIds.length === 0)
    throw new FixedIpError(
      'WORKLOAD_REFUSED',
      `none of ECS service ${key}'s previous subnets (${previous.subnetIds.join(', ')}) exists any more, so it has nowhere to go back to`,
      {
        hint: `move it to subnets of your choice (aws ecs update-service --cluster ${split(key).cluster} --service ${split(key).service} --network-configuration ...), then run the command again`,
      },
    );
  const gone = [
    ...previous.subnetIds.filter((id) => !subnetIds.includes(id)),
    ...previous.securityGroupIds.filter((id) => !securityGroupIds.includes(id)),
  ];
  if (gone.length > 0)
    ctx.ui.notify({
      level: 'warn',
      code: 'teardown.service.partly',
      text: `${gone.join(', ')} of ECS service ${key}'s previous network no longer exist; it goes back to the rest`,
    });
  return { ...previous, subnetIds, securityGroupIds };
}

/**
 * Until the service is steady on its new network: one deployment left, its tasks all running.
 * A failed deployment (ECS's circuit breaker) is said with ECS's reason.
 */
async function waitSteady(ctx: StackContext, cluster: string, name: string, text: string): Promise<void> {
  const key = `${cluster}/${name}`;
  const progress = ctx.ui.progress('service.wait', text);
  try {
    await pollUntil(
      async () => {
        const service = (await describeServices(ctx.aws, [split(key)])).get(key);
        if (!service)
          throw new FixedIpError(
            'SERVICE_NOT_FOUND',
            `ECS service ${key} was deleted while fixed-ip waited for it`,
          );
        const deployments = service.deployments ?? [];
        const primary = deployments.find((d) => d.status === 'PRIMARY');
        if (primary?.rolloutState === 'FAILED')
          throw new FixedIpError(
            'SERVICE_DEPLOYMENT_FAILED',
            `ECS could not deploy ${key} on its new network: ${primary.rolloutStateReason ?? 'no reason given'}`,
            {
              hint: `see its events (aws ecs describe-services --cluster ${cluster} --services ${name}); fix the cause and run the command again, or fixed-ip detach puts it back`,
            },
          );
        const old = deployments
          .filter((d) => d.status !== 'PRIMARY')
          .reduce((sum, d) => sum + (d.runningCount ?? 0), 0);
        const running = primary?.runningCount ?? 0;
        const desired = primary?.desiredCount ?? service.desiredCount ?? 0;
        progress.update(
          `${text}: ${running} of ${desired} new task${desired === 1 ? '' : 's'} running${old > 0 ? `, ${old} old still serving` : ''}`,
        );
        const steady =
          deployments.length === 1 &&
          running === desired &&
          (primary?.rolloutState === undefined || primary.rolloutState === 'COMPLETED');
        return steady ? service : undefined;
      },
      {
        clock: ctx.clock,
        signal: ctx.signal,
        schedule: POLL.serviceSteady,
        timeoutMs: STEADY_TIMEOUT_MS,
        onTimeout: () =>
          new FixedIpError(
            'SERVICE_DEPLOYMENT_TIMEOUT',
            `ECS service ${key} is not steady after 20 minutes`,
            {
              hint: `ECS goes on with it; see its events (aws ecs describe-services --cluster ${cluster} --services ${name}), then run the command again`,
            },
          ),
      },
    );
  } catch (error) {
    progress.fail(`${key}: ${error instanceof FixedIpError ? error.message : 'deployment did not finish'}`);
    throw error;
  }
  progress.succeed(`ECS service ${key} is steady on its new network`);
}
