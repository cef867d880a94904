/**
 * ECS's service scheduler, on the simulator's clock. A deployment (at CreateService, or an
 * UpdateService that changes the network, the task definition or forces one) starts its tasks at
 * once (the default maximumPercent of 200 allows it); each gets an interface in one of the
 * deployment's subnets (in turn) and is RUNNING ecsTaskStartMs later, unless it cannot reach its
 * image registry (no route to a NAT, or to an internet gateway with a public IP): then it stops with
 * CannotPullContainerError, and the next one is started ecsRetryMs later. Once the new deployment
 * runs its desired count, the older deployments' tasks are stopped (STOPPED, their interfaces gone,
 * ecsTaskStopMs later), then they go, the rollout is COMPLETED and the service "has reached a
 * steady state". With the circuit breaker on, a deployment whose failed tasks reach the threshold
 * (half the desired count, 3 to 200) is FAILED (and rolled back if asked).
 *
 * Everything is decided at the instants things happen (a task starting, failing or stopping), in
 * order, from the last instant the service was settled up to the call's: see settleServices.
 */
import type { SimContext } from '../context.js';
import { subnetIsPublic, egressFrom } from '../egress.js';
import { allocatePrivateIp } from '../ec2/network-interfaces.js';
import { newAutoPublicIp } from '../ec2/public-ips.js';
import {
  type AwsvpcConfig,
  type DeploymentRecord,
  ecsOf,
  familyRevision,
  findTaskDefinition,
  type LaunchType,
  newDeploymentId,
  newTaskId,
  newUuid,
  type ServiceRecord,
  taskDefinitionArn,
  type TaskRecord,
  writableEcs,
} from './records.js';

const MAX_EVENTS = 100;

export type TaskStatus = 'PENDING' | 'RUNNING' | 'DEPROVISIONING' | 'STOPPED';

export function taskStatus(task: TaskRecord, at: number): TaskStatus {
  if (task.stoppedAt !== undefined && at >= task.stoppedAt) return 'STOPPED';
  if (task.stopRequestedAt !== undefined && at >= task.stopRequestedAt) return 'DEPROVISIONING';
  if (task.runningAt !== undefined && at >= task.runningAt) return 'RUNNING';
  return 'PENDING';
}

/** What the scheduler wants of the task: RUNNING until it is told to stop or fails. */
export function desiredStatus(task: TaskRecord, at: number): 'RUNNING' | 'STOPPED' {
  if (task.stopRequestedAt !== undefined && at >= task.stopRequestedAt) return 'STOPPED';
  if (task.runningAt === undefined && task.stoppedAt !== undefined && at >= task.stoppedAt) return 'STOPPED';
  return 'RUNNING';
}

export function tasksOf(ctx: SimContext, service: Pick<ServiceRecord, 'cluster' | 'name'>): TaskRecord[] {
  return Object.values(ecsOf(ctx).tasks).filter(
    (t) => t.cluster === service.cluster && t.service === service.name,
  );
}

/** The service's circuit breaker threshold: half the desired count, at least 3 and at most 200. */
export const failureThreshold = (desiredCount: number): number =>
  Math.min(200, Math.max(3, Math.ceil(desiredCount / 2)));

export function addEvent(ctx: SimContext, service: ServiceRecord, at: number, message: string): void {
  service.events.unshift({
    id: newUuid(ctx),
    createdAt: at,
    message: `(service ${service.name}) ${message}`,
  });
  service.events.length = Math.min(service.events.length, MAX_EVENTS);
}

/** A new PRIMARY deployment of what the service now says; the one before it is ACTIVE. */
export function startDeployment(ctx: SimContext, service: ServiceRecord, at: number): DeploymentRecord {
  for (const old of service.deployments) old.status = 'ACTIVE';
  const deployment: DeploymentRecord = {
    id: newDeploymentId(ctx),
    status: 'PRIMARY',
    taskDefinition: service.taskDefinition,
    desiredCount: service.desiredCount,
    ...(service.launchType ? { launchType: service.launchType } : {}),
    ...(service.network ? { network: structuredClone(service.network) } : {}),
    createdAt: at,
    updatedAt: at,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment detected.',
    failedTasks: 0,
    launched: 0,
    nextLaunchAt: at,
  };
  service.deployments.unshift(deployment);
  decide(ctx, service, at);
  return deployment;
}

/** The launch type a task of the service runs on (a FARGATE capacity provider is Fargate). */
export function effectiveLaunchType(
  service: Pick<ServiceRecord, 'launchType' | 'capacityProviderStrategy'>,
): LaunchType {
  if (service.launchType) return service.launchType;
  const providers = service.capacityProviderStrategy ?? [];
  return providers.some((p) => p.capacityProvider.startsWith('FARGATE')) ? 'FARGATE' : 'EC2';
}

/** Why a task in this subnet cannot pull its image, if it cannot. */
function pullFailure(
  ctx: SimContext,
  network: AwsvpcConfig,
  subnetId: string,
  publicIp: boolean,
): string | undefined {
  if (publicIp && subnetIsPublic(ctx, subnetId)) return undefined;
  const egress = egressFrom(ctx, subnetId, network.securityGroups);
  if (egress.publicIp !== null) return undefined;
  return `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref: failed to do request: dial tcp: i/o timeout (${egress.reason})`;
}

function newPublicIp(ctx: SimContext): string {
  const taken = new Set(
    Object.values(ecsOf(ctx).tasks).flatMap((t) => (t.eni?.publicIp ? [t.eni.publicIp] : [])),
  );
  for (let tries = 0; tries < 20; tries++) {
    const ip = newAutoPublicIp(ctx);
    if (!taken.has(ip)) return ip;
  }
  return newAutoPublicIp(ctx);
}

function launch(
  ctx: SimContext,
  service: ServiceRecord,
  deployment: DeploymentRecord,
  at: number,
): TaskRecord {
  const network = deployment.network;
  const subnets = network?.subnets ?? [];
  const subnetId = subnets.length > 0 ? (subnets[deployment.launched % subnets.length] ?? '') : '';
  deployment.launched += 1;
  const task: TaskRecord = {
    id: newTaskId(ctx),
    cluster: service.cluster,
    service: service.name,
    deploymentId: deployment.id,
    taskDefinition: deployment.taskDefinition,
    launchType: effectiveLaunchType(service),
    subnetId,
    groupIds: network?.securityGroups ?? [],
    createdAt: at,
  };
  let failure: string | undefined;
  if (network) {
    const subnet = ctx.state.subnets[subnetId];
    const privateIp = subnet ? allocatePrivateIp(ctx, subnet) : undefined;
    const publicIp = network.assignPublicIp === 'ENABLED' && subnetIsPublic(ctx, subnetId);
    if (!subnet) failure = `ResourceInitializationError: subnet ${subnetId} does not exist`;
    else if (privateIp === undefined)
      failure = `ResourceInitializationError: there are no free IP addresses in subnet ${subnetId}`;
    else {
      task.eni = {
        id: `eni-${newTaskId(ctx).slice(0, 17)}`,
        attachmentId: newUuid(ctx),
        privateIp,
        ...(publicIp ? { publicIp: newPublicIp(ctx) } : {}),
      };
      failure = pullFailure(ctx, network, subnetId, publicIp);
    }
  }
  if (failure === undefined) task.runningAt = at + ctx.timings.ecsTaskStartMs;
  else {
    task.stoppedAt = at + ctx.timings.ecsTaskStartMs;
    task.stoppedReason = failure;
    task.stopCode = 'TaskFailedToStart';
  }
  writableEcs(ctx).tasks[task.id] = task;
  return task;
}

function stop(task: TaskRecord, at: number, ctx: SimContext, reason: string): void {
  if (task.stopRequestedAt !== undefined || (task.stoppedAt !== undefined && task.stoppedAt <= at)) return;
  task.stopRequestedAt = at;
  task.stoppedAt = Math.min(task.stoppedAt ?? Infinity, at + ctx.timings.ecsTaskStopMs);
  task.stoppedReason ??= reason;
  task.stopCode ??= 'ServiceSchedulerInitiated';
}

const live = (task: TaskRecord, at: number): boolean => taskStatus(task, at) !== 'STOPPED';
const wanted = (task: TaskRecord, at: number): boolean =>
  live(task, at) && desiredStatus(task, at) === 'RUNNING';

/** What the scheduler does at `at`, given everything that happened up to then. Idempotent at one instant. */
export function decide(ctx: SimContext, service: ServiceRecord, at: number): void {
  const tasks = tasksOf(ctx, service);
  const of = (d: DeploymentRecord) => tasks.filter((t) => t.deploymentId === d.id);
  if (service.status !== 'ACTIVE') {
    for (const task of tasks) stop(task, at, ctx, 'Service is being deleted');
    if (service.status === 'DRAINING' && !tasks.some((t) => live(t, at))) {
      service.status = 'INACTIVE';
      service.inactiveAt = at;
      service.deployments = [];
    }
    return;
  }
  const [primary] = service.deployments;
  if (!primary) return;
  // Tasks of the primary deployment that failed to start by now.
  const failed = of(primary).filter(
    (t) => t.runningAt === undefined && t.stoppedAt !== undefined && t.stoppedAt <= at,
  );
  if (failed.length !== primary.failedTasks) {
    primary.failedTasks = failed.length;
    primary.updatedAt = at;
    const last = Math.max(...failed.map((t) => t.stoppedAt ?? 0));
    primary.nextLaunchAt = Math.max(primary.nextLaunchAt, last + ctx.timings.ecsRetryMs);
    if (
      service.circuitBreaker.enable &&
      primary.rolloutState === 'IN_PROGRESS' &&
      primary.failedTasks >= failureThreshold(primary.desiredCount)
    ) {
      primary.rolloutState = 'FAILED';
      primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
      addEvent(ctx, service, at, `deployment ${primary.id} deployment failed: tasks failed to start.`);
      const previous = service.deployments[1];
      if (service.circuitBreaker.rollback && previous) {
        // Back to what the last deployment ran: a new deployment of it.
        service.taskDefinition = previous.taskDefinition;
        if (previous.network) service.network = structuredClone(previous.network);
        addEvent(ctx, service, at, `deployment ${primary.id} rolling back to ${previous.id}.`);
        const rollback = startDeployment(ctx, service, at);
        rollback.rolloutStateReason = `ECS deployment circuit breaker: rolling back to deploymentId ${previous.id}.`;
        return;
      }
    }
  }
  if (primary.rolloutState === 'FAILED') return;
  // Start what is missing (one batch; after a failure, once the back-off is over).
  const starting = of(primary).filter((t) => wanted(t, at));
  if (at >= primary.nextLaunchAt) {
    const missing = primary.desiredCount - starting.length;
    const launchedNow: string[] = [];
    for (let i = 0; i < missing; i++) launchedNow.push(launch(ctx, service, primary, at).id);
    if (launchedNow.length > 0)
      addEvent(
        ctx,
        service,
        at,
        `has started ${launchedNow.length} tasks: ${launchedNow.map((id) => `(task ${id})`).join(' ')}.`,
      );
  }
  // Too many (the desired count went down): the newest go.
  for (const extra of starting.slice(primary.desiredCount))
    stop(extra, at, ctx, 'Scaling activity initiated by (deployment ' + primary.id + ')');
  const running = of(primary).filter((t) => wanted(t, at) && taskStatus(t, at) === 'RUNNING');
  if (running.length < primary.desiredCount) return;
  // The new deployment is up: the older ones' tasks stop, and they go once none is left.
  for (const old of service.deployments.slice(1)) {
    const oldTasks = of(old).filter((t) => wanted(t, at));
    for (const task of oldTasks)
      stop(task, at, ctx, `Scaling activity initiated by (deployment ${primary.id})`);
    if (oldTasks.length > 0)
      addEvent(
        ctx,
        service,
        at,
        `has stopped ${oldTasks.length} running tasks: ${oldTasks.map((t) => `(task ${t.id})`).join(' ')}.`,
      );
  }
  service.deployments = service.deployments.filter((d) => d === primary || of(d).some((t) => live(t, at)));
  if (service.deployments.length === 1 && primary.rolloutState === 'IN_PROGRESS') {
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = 'ECS deployment completed.';
    primary.updatedAt = at;
    addEvent(ctx, service, at, 'has reached a steady state.');
  }
}

/** The next instant after `after` at which something happens to the service's tasks. */
function nextEvent(ctx: SimContext, service: ServiceRecord, after: number): number | undefined {
  const times = tasksOf(ctx, service).flatMap((t) => [t.runningAt, t.stoppedAt]);
  times.push(service.deployments[0]?.nextLaunchAt);
  const future = times.filter((t): t is number => t !== undefined && t > after);
  return future.length === 0 ? undefined : Math.min(...future);
}

/** Brings every service up to `ctx.now`, and drops what ECS has forgotten by then. */
export function settleServices(ctx: SimContext): void {
  const ecs = ctx.state.ecs;
  if (!ecs) return;
  for (const service of Object.values(ecs.services)) {
    let at = service.settledAt;
    for (let guard = 0; guard < 10_000; guard++) {
      decide(ctx, service, at);
      const next = nextEvent(ctx, service, at);
      if (next === undefined || next > ctx.now) break;
      at = next;
    }
    service.settledAt = Math.max(service.settledAt, ctx.now);
  }
  const forgetAt = ctx.now - ctx.timings.ecsGoneVisibleMs;
  for (const task of Object.values(ecs.tasks))
    if (task.stoppedAt !== undefined && task.stoppedAt <= forgetAt) delete ecs.tasks[task.id];
  for (const [key, service] of Object.entries(ecs.services))
    if (service.inactiveAt !== undefined && service.inactiveAt <= forgetAt) delete ecs.services[key];
}

/** The task definition a deployment runs, for its output (`arn:…:task-definition/family:revision`). */
export function deploymentTaskDefinitionArn(ctx: SimContext, familyRev: string): string {
  const definition = findTaskDefinition(ctx, familyRev);
  return taskDefinitionArn(ctx, definition ? familyRevision(definition) : familyRev);
}
