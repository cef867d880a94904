/**
 * Amazon ECS's part of the account: clusters, task definitions, services with their deployments,
 * and tasks. Kept under `ecs` (absent until the first cluster), so older saved accounts load as
 * they are. ARNs are the long format AWS has used since 2021 (`service/CLUSTER/NAME`).
 */
import type { SimContext } from '../context.js';
import { ecsError } from '../errors.js';
import { randomInt, type RandomState } from '../ids.js';

export type LaunchType = 'FARGATE' | 'EC2';

export interface AwsvpcConfig {
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: 'ENABLED' | 'DISABLED';
}

export interface ClusterRecord {
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  tags: Record<string, string>;
  createdAt: number;
}

export interface TaskDefinitionRecord {
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  networkMode: 'awsvpc' | 'bridge' | 'host' | 'none';
  requiresCompatibilities: LaunchType[];
  /** As registered (name, image, portMappings, essential…), given back as they came. */
  containerDefinitions: Array<Record<string, unknown>>;
  cpu?: string;
  memory?: string;
  registeredAt: number;
  tags: Record<string, string>;
}

export interface DeploymentRecord {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  /** family:revision */
  taskDefinition: string;
  desiredCount: number;
  launchType?: LaunchType;
  network?: AwsvpcConfig;
  createdAt: number;
  updatedAt: number;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
  failedTasks: number;
  /** Tasks launched for it so far (spreads them over its subnets in turn). */
  launched: number;
  /** No task is launched for it before this (ECS backs off after a task fails to start). */
  nextLaunchAt: number;
}

export interface ServiceRecord {
  cluster: string;
  name: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  /** family:revision */
  taskDefinition: string;
  desiredCount: number;
  launchType?: LaunchType;
  capacityProviderStrategy?: Array<{ capacityProvider: string; weight?: number; base?: number }>;
  network?: AwsvpcConfig;
  minimumHealthyPercent: number;
  maximumPercent: number;
  circuitBreaker: { enable: boolean; rollback: boolean };
  /** Newest first, as DescribeServices gives them. */
  deployments: DeploymentRecord[];
  /** Newest first; AWS keeps the last 100. */
  events: Array<{ id: string; createdAt: number; message: string }>;
  tags: Record<string, string>;
  createdAt: number;
  /** The scheduler has acted on everything up to this instant (scheduler.ts). */
  settledAt: number;
  /** INACTIVE from this instant; DescribeServices shows it for an hour more. */
  inactiveAt?: number;
}

export interface TaskRecord {
  id: string;
  cluster: string;
  service: string;
  deploymentId: string;
  taskDefinition: string;
  launchType: LaunchType;
  subnetId: string;
  groupIds: string[];
  /** Absent when the task never got an interface (its subnet was gone or full). */
  eni?: { id: string; attachmentId: string; privateIp: string; publicIp?: string };
  createdAt: number;
  /** RUNNING from then on; absent for a task that fails to start. */
  runningAt?: number;
  /** Told to stop (desiredStatus STOPPED) at this instant. */
  stopRequestedAt?: number;
  /** STOPPED from then on, its interface gone. */
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: 'TaskFailedToStart' | 'ServiceSchedulerInitiated';
}

export interface EcsAccount {
  clusters: Record<string, ClusterRecord>;
  /** By `family:revision`. */
  taskDefinitions: Record<string, TaskDefinitionRecord>;
  /** By `CLUSTER/NAME`; an INACTIVE service stays until its name is used again or an hour passes. */
  services: Record<string, ServiceRecord>;
  tasks: Record<string, TaskRecord>;
}

declare module '../model.js' {
  interface AccountState {
    ecs?: EcsAccount;
  }
}

const EMPTY: EcsAccount = { clusters: {}, taskDefinitions: {}, services: {}, tasks: {} };

/** The ECS part of the account to read (an account that never used ECS has an empty one). */
export const ecsOf = (ctx: SimContext): EcsAccount => ctx.state.ecs ?? EMPTY;

/** The ECS part of the account to change (made on the first write). */
export const writableEcs = (ctx: SimContext): EcsAccount =>
  (ctx.state.ecs ??= { clusters: {}, taskDefinitions: {}, services: {}, tasks: {} });

const arnPrefix = (ctx: SimContext): string => `arn:aws:ecs:${ctx.state.region}:${ctx.state.accountId}`;
export const clusterArn = (ctx: SimContext, name: string): string => `${arnPrefix(ctx)}:cluster/${name}`;
export const serviceArn = (ctx: SimContext, cluster: string, name: string): string =>
  `${arnPrefix(ctx)}:service/${cluster}/${name}`;
export const taskDefinitionArn = (ctx: SimContext, familyRevision: string): string =>
  `${arnPrefix(ctx)}:task-definition/${familyRevision}`;
export const taskArn = (ctx: SimContext, task: Pick<TaskRecord, 'cluster' | 'id'>): string =>
  `${arnPrefix(ctx)}:task/${task.cluster}/${task.id}`;

/** A name or an ARN of this region and account (`…:cluster/NAME`, `…:service/CLUSTER/NAME`): the last part. */
export function lastPart(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn;
}

export const invalidParameter = (message: string) => ecsError('InvalidParameterException', message);

/** The cluster named (default `default`): ClusterNotFoundException unless it is ACTIVE. */
export function requireCluster(ctx: SimContext, cluster: unknown): ClusterRecord {
  const name = typeof cluster === 'string' && cluster !== '' ? lastPart(cluster) : 'default';
  const found = ecsOf(ctx).clusters[name];
  if (!found || found.status !== 'ACTIVE') throw ecsError('ClusterNotFoundException', 'Cluster not found.');
  return found;
}

/** The service of the cluster, in any status; ServiceNotFoundException when there is none. */
export function requireService(ctx: SimContext, cluster: ClusterRecord, service: unknown): ServiceRecord {
  if (typeof service !== 'string' || service === '') throw invalidParameter('service can not be blank.');
  const found = ecsOf(ctx).services[`${cluster.name}/${lastPart(service)}`];
  if (!found) throw ecsError('ServiceNotFoundException', 'Service not found.');
  return found;
}

export function requireActiveService(
  ctx: SimContext,
  cluster: ClusterRecord,
  service: unknown,
): ServiceRecord {
  const found = requireService(ctx, cluster, service);
  if (found.status !== 'ACTIVE') throw ecsError('ServiceNotActiveException', 'Service was not ACTIVE.');
  return found;
}

/** `family`, `family:revision` or an ARN; `family` alone is its latest ACTIVE revision. */
export function findTaskDefinition(ctx: SimContext, reference: unknown): TaskDefinitionRecord | undefined {
  if (typeof reference !== 'string' || reference === '') return undefined;
  const ref = reference.startsWith('arn:') ? reference.slice(reference.lastIndexOf('/') + 1) : reference;
  const all = ecsOf(ctx).taskDefinitions;
  if (ref.includes(':')) return all[ref];
  return Object.values(all)
    .filter((d) => d.family === ref && d.status === 'ACTIVE')
    .sort((a, b) => b.revision - a.revision)[0];
}

export const familyRevision = (d: TaskDefinitionRecord): string => `${d.family}:${d.revision}`;

function hex(state: RandomState, length: number): string {
  let text = '';
  while (text.length < length) text += randomInt(state, 16).toString(16);
  return text;
}

/** A task id: 32 hex digits. */
export const newTaskId = (ctx: SimContext): string => hex(ctx.state, 32);

/** A deployment id: `ecs-svc/` and 19 digits. */
export function newDeploymentId(ctx: SimContext): string {
  let digits = String(1 + randomInt(ctx.state, 9));
  while (digits.length < 19) digits += String(randomInt(ctx.state, 10));
  return `ecs-svc/${digits}`;
}

export function newUuid(ctx: SimContext): string {
  const h = hex(ctx.state, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

/** ECS's tags on the wire: `{ key, value }`, lower case. */
export const tagList = (tags: Record<string, string>): Array<{ key: string; value: string }> =>
  Object.entries(tags).map(([key, value]) => ({ key, value }));

const MAX_TAGS = 50;

/** Checks tags as ECS does (1-128 character keys, values up to 256, not `aws:`, 50 per resource). */
export function checkTags(given: unknown, existing: Record<string, string> = {}): Record<string, string> {
  if (given === undefined) return {};
  if (!Array.isArray(given)) throw invalidParameter('Tags must be a list.');
  const tags: Record<string, string> = {};
  for (const tag of given as Array<{ key?: unknown; value?: unknown }>) {
    const key = tag.key;
    const value = tag.value ?? '';
    if (typeof key !== 'string' || key.length < 1 || key.length > 128)
      throw invalidParameter('Tag keys must be between 1 and 128 characters.');
    if (typeof value !== 'string' || value.length > 256)
      throw invalidParameter(`The value of tag ${key} must be at most 256 characters.`);
    if (key.toLowerCase().startsWith('aws:'))
      throw invalidParameter(`Tag key ${key} is invalid: the aws: prefix is reserved for AWS use.`);
    tags[key] = value;
  }
  if (Object.keys({ ...existing, ...tags }).length > MAX_TAGS)
    throw invalidParameter(`A resource can have at most ${MAX_TAGS} tags.`);
  return tags;
}

/** An ECS task's interface while the task holds it (from its start until it is STOPPED). */
export const taskHoldsInterface = (task: TaskRecord, at: number): boolean =>
  task.eni !== undefined && at >= task.createdAt && (task.stoppedAt === undefined || at < task.stoppedAt);

export interface TaskInterface {
  id: string;
  subnetId: string;
  groupIds: string[];
  privateIp: string;
  publicIp?: string;
  createdAt: number;
  /** As AWS describes a task's interface: the ARN of the task's ENI attachment. */
  description: string;
}

/** The interfaces ECS tasks (awsvpc) hold now: requester-managed, in the account's subnets. */
export function taskInterfaces(ctx: SimContext): TaskInterface[] {
  return Object.values(ecsOf(ctx).tasks).flatMap((task) =>
    task.eni && taskHoldsInterface(task, ctx.now)
      ? [
          {
            id: task.eni.id,
            subnetId: task.subnetId,
            groupIds: task.groupIds,
            privateIp: task.eni.privateIp,
            ...(task.eni.publicIp ? { publicIp: task.eni.publicIp } : {}),
            createdAt: task.createdAt,
            description: `${arnPrefix(ctx)}:attachment/${task.eni.attachmentId}`,
          },
        ]
      : [],
  );
}

/** The resource a tagging call names: a cluster, a service or a task definition of this account. */
export function taggedResource(ctx: SimContext, arn: unknown): { tags: Record<string, string> } {
  if (typeof arn !== 'string') throw invalidParameter('resourceArn can not be blank.');
  const prefix = `${arnPrefix(ctx)}:`;
  if (!arn.startsWith(prefix)) throw invalidParameter('The ARN provided is invalid.');
  const [type, ...path] = arn.slice(prefix.length).split('/');
  const ecs = ecsOf(ctx);
  if (type === 'cluster' && path.length === 1) {
    const cluster = ecs.clusters[path[0] ?? ''];
    if (!cluster || cluster.status !== 'ACTIVE')
      throw ecsError('ClusterNotFoundException', 'Cluster not found.');
    return cluster;
  }
  if (type === 'service' && path.length === 2) {
    const service = ecs.services[path.join('/')];
    if (service && service.status !== 'INACTIVE') return service;
  }
  if (type === 'task-definition' && path.length === 1) {
    const definition = ecs.taskDefinitions[path[0] ?? ''];
    if (definition) return definition;
  }
  throw ecsError('ResourceNotFoundException', 'The specified resource could not be found.');
}
