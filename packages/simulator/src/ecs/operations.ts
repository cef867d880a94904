/**
 * Amazon ECS's operations: what tests seed with (CreateCluster, RegisterTaskDefinition,
 * CreateService, DeleteService, DeleteCluster) and what fixed-ip calls on services it moves into
 * its private subnets. The rules are AWS's: networkConfiguration only and always for awsvpc task
 * definitions; 1-16 subnets of one VPC; at most 5 security groups of that VPC; no public IP on the
 * EC2 launch type; ClusterNotFoundException, ServiceNotFoundException, ServiceNotActiveException;
 * DescribeServices answers unknown names in `failures` (reason MISSING); 50 tags per resource.
 */
import type { SimContext } from '../context.js';
import { ecsError } from '../errors.js';
import {
  type AwsvpcConfig,
  checkTags,
  clusterArn,
  type ClusterRecord,
  ecsOf,
  familyRevision,
  findTaskDefinition,
  invalidParameter,
  lastPart,
  type LaunchType,
  requireActiveService,
  requireCluster,
  requireService,
  serviceArn,
  type ServiceRecord,
  taggedResource,
  tagList,
  taskArn,
  taskDefinitionArn,
  type TaskDefinitionRecord,
  type TaskRecord,
  writableEcs,
} from './records.js';
import {
  decide,
  deploymentTaskDefinitionArn,
  desiredStatus,
  effectiveLaunchType,
  startDeployment,
  tasksOf,
  taskStatus,
} from './scheduler.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- inputs arrive untyped from the SDK
type Input = Record<string, any>;

const NETWORK_MODES = ['awsvpc', 'bridge', 'host', 'none'];
const LAUNCH_TYPES = ['FARGATE', 'EC2'];
const NAME = /^[A-Za-z0-9_-]{1,255}$/;

function clusterShape(ctx: SimContext, cluster: ClusterRecord, withTags = false): object {
  const services = Object.values(ecsOf(ctx).services).filter(
    (s) => s.cluster === cluster.name && s.status === 'ACTIVE',
  );
  const tasks = Object.values(ecsOf(ctx).tasks).filter((t) => t.cluster === cluster.name);
  return {
    clusterArn: clusterArn(ctx, cluster.name),
    clusterName: cluster.name,
    status: cluster.status,
    activeServicesCount: services.length,
    runningTasksCount: tasks.filter((t) => taskStatus(t, ctx.now) === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => taskStatus(t, ctx.now) === 'PENDING').length,
    registeredContainerInstancesCount: 0,
    ...(withTags ? { tags: tagList(cluster.tags) } : {}),
  };
}

function taskDefinitionShape(ctx: SimContext, d: TaskDefinitionRecord): object {
  return {
    taskDefinitionArn: taskDefinitionArn(ctx, familyRevision(d)),
    family: d.family,
    revision: d.revision,
    status: d.status,
    networkMode: d.networkMode,
    requiresCompatibilities: d.requiresCompatibilities,
    compatibilities: fargateCompatible(d) ? ['EC2', 'FARGATE'] : ['EC2'],
    containerDefinitions: structuredClone(d.containerDefinitions),
    ...(d.cpu !== undefined ? { cpu: d.cpu } : {}),
    ...(d.memory !== undefined ? { memory: d.memory } : {}),
    registeredAt: new Date(d.registeredAt),
  };
}

const awsvpcShape = (network: AwsvpcConfig) => ({ awsvpcConfiguration: structuredClone(network) });

function serviceShape(ctx: SimContext, service: ServiceRecord, withTags: boolean): object {
  const tasks = tasksOf(ctx, service);
  const count = (deploymentId: string | undefined, status: string) =>
    tasks.filter(
      (t) =>
        (deploymentId === undefined || t.deploymentId === deploymentId) &&
        desiredStatus(t, ctx.now) === 'RUNNING' &&
        taskStatus(t, ctx.now) === status,
    ).length;
  return {
    serviceArn: serviceArn(ctx, service.cluster, service.name),
    serviceName: service.name,
    clusterArn: clusterArn(ctx, service.cluster),
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: count(undefined, 'RUNNING'),
    pendingCount: count(undefined, 'PENDING'),
    ...(service.launchType ? { launchType: service.launchType } : {}),
    ...(service.capacityProviderStrategy
      ? { capacityProviderStrategy: service.capacityProviderStrategy }
      : {}),
    ...(effectiveLaunchType(service) === 'FARGATE'
      ? { platformVersion: 'LATEST', platformFamily: 'Linux' }
      : {}),
    taskDefinition: deploymentTaskDefinitionArn(ctx, service.taskDefinition),
    deploymentConfiguration: {
      deploymentCircuitBreaker: service.circuitBreaker,
      maximumPercent: service.maximumPercent,
      minimumHealthyPercent: service.minimumHealthyPercent,
    },
    deployments: service.deployments.map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: deploymentTaskDefinitionArn(ctx, d.taskDefinition),
      desiredCount: d.desiredCount,
      pendingCount: count(d.id, 'PENDING'),
      runningCount: count(d.id, 'RUNNING'),
      failedTasks: d.failedTasks,
      createdAt: new Date(d.createdAt),
      updatedAt: new Date(d.updatedAt),
      ...(d.launchType ? { launchType: d.launchType } : {}),
      ...(d.network ? { networkConfiguration: awsvpcShape(d.network) } : {}),
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
    })),
    events: service.events.map((e) => ({ id: e.id, createdAt: new Date(e.createdAt), message: e.message })),
    createdAt: new Date(service.createdAt),
    ...(service.network ? { networkConfiguration: awsvpcShape(service.network) } : {}),
    schedulingStrategy: 'REPLICA',
    ...(withTags ? { tags: tagList(service.tags) } : {}),
  };
}

function taskShape(ctx: SimContext, task: TaskRecord): object {
  const status = taskStatus(task, ctx.now);
  const eni = task.eni;
  const subnet = ctx.state.subnets[task.subnetId];
  const attachmentStatus =
    status === 'STOPPED' ? 'DELETED' : status === 'DEPROVISIONING' ? 'DETACHING' : 'ATTACHED';
  return {
    taskArn: taskArn(ctx, task),
    clusterArn: clusterArn(ctx, task.cluster),
    taskDefinitionArn: deploymentTaskDefinitionArn(ctx, task.taskDefinition),
    group: `service:${task.service}`,
    startedBy: task.deploymentId,
    lastStatus: status,
    desiredStatus: desiredStatus(task, ctx.now),
    launchType: task.launchType,
    ...(subnet ? { availabilityZone: subnet.az } : {}),
    createdAt: new Date(task.createdAt),
    ...(task.runningAt !== undefined && ctx.now >= task.runningAt
      ? { startedAt: new Date(task.runningAt) }
      : {}),
    ...(task.stopRequestedAt !== undefined && ctx.now >= task.stopRequestedAt
      ? { stoppingAt: new Date(task.stopRequestedAt) }
      : {}),
    ...(status === 'STOPPED' && task.stoppedAt !== undefined
      ? {
          stoppedAt: new Date(task.stoppedAt),
          ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
          ...(task.stopCode ? { stopCode: task.stopCode } : {}),
        }
      : {}),
    attachments: eni
      ? [
          {
            id: eni.attachmentId,
            type: 'ElasticNetworkInterface',
            status: attachmentStatus,
            details: [
              { name: 'subnetId', value: task.subnetId },
              { name: 'networkInterfaceId', value: eni.id },
              { name: 'privateIPv4Address', value: eni.privateIp },
            ],
          },
        ]
      : [],
    containers: [],
  };
}

/** A page of `items` from `nextToken` (an offset ECS would keep opaque). */
function page<T>(items: T[], input: Input, max: number): { page: T[]; nextToken?: string } {
  const size = input.maxResults === undefined ? max : Number(input.maxResults);
  if (!Number.isInteger(size) || size < 1 || size > 100)
    throw invalidParameter('maxResults must be between 1 and 100.');
  let start = 0;
  if (input.nextToken !== undefined) {
    const decoded = Number(
      Buffer.from(String(input.nextToken), 'base64')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0 || decoded > items.length)
      throw invalidParameter('Invalid nextToken.');
    start = decoded;
  }
  const end = start + size;
  return {
    page: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(`offset:${end}`).toString('base64') } : {}),
  };
}

/** Checks an awsvpc configuration against the account (AWS's rules, in its order). */
function checkNetwork(ctx: SimContext, given: Input | undefined, launchType: LaunchType): AwsvpcConfig {
  const config = given?.awsvpcConfiguration as Input | undefined;
  if (!config)
    throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  const subnets = Array.isArray(config.subnets) ? (config.subnets as string[]) : [];
  if (subnets.length === 0) throw invalidParameter('subnets can not be empty.');
  if (subnets.length > 16) throw invalidParameter('At most 16 subnets can be specified.');
  const vpcs = new Set<string>();
  for (const id of subnets) {
    const subnet = ctx.state.subnets[id];
    if (!subnet)
      throw invalidParameter(
        `Error retrieving subnet information for [${id}]: The subnet ID '${id}' does not exist`,
      );
    vpcs.add(subnet.vpcId);
  }
  if (vpcs.size > 1) throw invalidParameter('The subnets must all belong to the same VPC.');
  const [vpcId] = [...vpcs];
  const groups = Array.isArray(config.securityGroups) ? (config.securityGroups as string[]) : [];
  if (groups.length > 5) throw invalidParameter('At most 5 security groups can be specified.');
  for (const id of groups) {
    const group = ctx.state.securityGroups[id];
    if (!group)
      throw invalidParameter(
        `Error retrieving security group information for [${id}]: The security group '${id}' does not exist`,
      );
    if (group.vpcId !== vpcId)
      throw invalidParameter(
        `Security group ${id} does not belong to the VPC of the subnets (${String(vpcId)}).`,
      );
  }
  const assignPublicIp: unknown = config.assignPublicIp ?? 'DISABLED';
  if (assignPublicIp !== 'ENABLED' && assignPublicIp !== 'DISABLED')
    throw invalidParameter(`assignPublicIp must be ENABLED or DISABLED, not ${String(assignPublicIp)}.`);
  if (assignPublicIp === 'ENABLED' && launchType === 'EC2')
    throw invalidParameter('Assign public IP is not supported for this launch type.');
  // No group given: the VPC's default group, as ECS does.
  const securityGroups =
    groups.length > 0 ? [...new Set(groups)] : [ctx.state.vpcs[vpcId ?? '']?.defaultSecurityGroupId ?? ''];
  return { subnets: [...new Set(subnets)], securityGroups, assignPublicIp };
}

/** The network a service of this task definition takes: required for awsvpc, refused for the others. */
function networkFor(
  ctx: SimContext,
  definition: TaskDefinitionRecord,
  given: Input | undefined,
  launchType: LaunchType,
): AwsvpcConfig | undefined {
  if (definition.networkMode !== 'awsvpc') {
    if (given?.awsvpcConfiguration)
      throw invalidParameter(
        'Network Configuration is not valid for the given networkMode of this task definition.',
      );
    return undefined;
  }
  return checkNetwork(ctx, given, launchType);
}

function requireTaskDefinition(ctx: SimContext, reference: unknown): TaskDefinitionRecord {
  const definition = findTaskDefinition(ctx, reference);
  if (!definition) throw ecsError('ClientException', 'Unable to describe task definition.');
  return definition;
}

/** ECS finds a task definition Fargate-compatible when it is awsvpc with a task-level cpu and memory. */
const fargateCompatible = (d: TaskDefinitionRecord): boolean =>
  d.networkMode === 'awsvpc' && d.cpu !== undefined && d.memory !== undefined;

function checkCompatibility(definition: TaskDefinitionRecord, launchType: LaunchType): void {
  if (launchType === 'FARGATE' && !fargateCompatible(definition))
    throw invalidParameter('Task definition does not support launch_type FARGATE.');
}

function circuitBreakerOf(given: Input | undefined, previous = { enable: false, rollback: false }) {
  const breaker = given?.deploymentCircuitBreaker as Input | undefined;
  if (!breaker) return previous;
  if (typeof breaker.enable !== 'boolean' || typeof breaker.rollback !== 'boolean')
    throw invalidParameter('deploymentCircuitBreaker needs enable and rollback.');
  return { enable: breaker.enable, rollback: breaker.rollback };
}

export const ecsOperations = {
  CreateCluster(ctx: SimContext, input: Input): object {
    const name = (input.clusterName as string | undefined) ?? 'default';
    if (!NAME.test(name))
      throw invalidParameter('Cluster name can have up to 255 letters, numbers, hyphens and underscores.');
    const tags = checkTags(input.tags);
    const existing = ecsOf(ctx).clusters[name];
    // An ACTIVE cluster of that name is simply given back.
    if (existing?.status === 'ACTIVE') return { cluster: clusterShape(ctx, existing) };
    const cluster: ClusterRecord = { name, status: 'ACTIVE', tags, createdAt: ctx.now };
    writableEcs(ctx).clusters[name] = cluster;
    return { cluster: clusterShape(ctx, cluster) };
  },

  DeleteCluster(ctx: SimContext, input: Input): object {
    const cluster = requireCluster(ctx, input.cluster);
    const services = Object.values(ecsOf(ctx).services).filter(
      (s) => s.cluster === cluster.name && s.status !== 'INACTIVE',
    );
    if (services.length > 0)
      throw ecsError(
        'ClusterContainsServicesException',
        'The Cluster cannot be deleted while Services are active.',
      );
    if (
      Object.values(ecsOf(ctx).tasks).some(
        (t) => t.cluster === cluster.name && taskStatus(t, ctx.now) !== 'STOPPED',
      )
    )
      throw ecsError(
        'ClusterContainsTasksException',
        'The Cluster cannot be deleted while Tasks are active.',
      );
    cluster.status = 'INACTIVE';
    return { cluster: clusterShape(ctx, cluster) };
  },

  ListClusters(ctx: SimContext, input: Input): object {
    const arns = Object.values(ecsOf(ctx).clusters)
      .filter((c) => c.status === 'ACTIVE')
      .map((c) => clusterArn(ctx, c.name))
      .sort();
    const { page: clusterArns, nextToken } = page(arns, input, 100);
    return { clusterArns, ...(nextToken ? { nextToken } : {}) };
  },

  RegisterTaskDefinition(ctx: SimContext, input: Input): object {
    const family = input.family as string | undefined;
    if (!family || !NAME.test(family))
      throw ecsError(
        'ClientException',
        'Family contains invalid characters or is longer than 255 characters.',
      );
    const containers = Array.isArray(input.containerDefinitions)
      ? (input.containerDefinitions as Input[])
      : [];
    if (containers.length === 0) throw ecsError('ClientException', 'Container list cannot be empty.');
    for (const container of containers) {
      if (!container.name || !container.image)
        throw ecsError('ClientException', 'Container.name and Container.image should not be null or empty.');
    }
    const networkMode = (input.networkMode as string | undefined) ?? 'bridge';
    if (!NETWORK_MODES.includes(networkMode))
      throw ecsError(
        'ClientException',
        `Network mode ${networkMode} is not valid: use awsvpc, bridge, host or none.`,
      );
    const compatibilities = (input.requiresCompatibilities as string[] | undefined) ?? [];
    for (const c of compatibilities)
      if (!LAUNCH_TYPES.includes(c))
        throw ecsError('ClientException', `requiresCompatibilities ${c} is not valid: use FARGATE or EC2.`);
    if (compatibilities.includes('FARGATE')) {
      if (networkMode !== 'awsvpc')
        throw ecsError('ClientException', 'Fargate only supports network mode \u2018awsvpc\u2019.');
      if (input.cpu === undefined || input.memory === undefined)
        throw ecsError('ClientException', "Fargate requires that 'cpu' be defined at the task level.");
    }
    // awsvpc containers map each port to itself.
    for (const container of containers)
      for (const mapping of (container.portMappings as Input[] | undefined) ?? [])
        if (
          networkMode === 'awsvpc' &&
          mapping.hostPort !== undefined &&
          mapping.hostPort !== mapping.containerPort
        )
          throw ecsError(
            'ClientException',
            'When networkMode=awsvpc, the host ports and container ports in port mappings must match.',
          );
    const tags = checkTags(input.tags);
    const revision =
      Math.max(
        0,
        ...Object.values(ecsOf(ctx).taskDefinitions)
          .filter((d) => d.family === family)
          .map((d) => d.revision),
      ) + 1;
    const definition: TaskDefinitionRecord = {
      family,
      revision,
      status: 'ACTIVE',
      networkMode: networkMode as TaskDefinitionRecord['networkMode'],
      requiresCompatibilities: compatibilities as LaunchType[],
      containerDefinitions: structuredClone(containers),
      ...(input.cpu !== undefined ? { cpu: String(input.cpu) } : {}),
      ...(input.memory !== undefined ? { memory: String(input.memory) } : {}),
      registeredAt: ctx.now,
      tags,
    };
    writableEcs(ctx).taskDefinitions[familyRevision(definition)] = definition;
    return { taskDefinition: taskDefinitionShape(ctx, definition), tags: tagList(tags) };
  },

  DescribeTaskDefinition(ctx: SimContext, input: Input): object {
    const definition = requireTaskDefinition(ctx, input.taskDefinition);
    return { taskDefinition: taskDefinitionShape(ctx, definition) };
  },

  CreateService(ctx: SimContext, input: Input): object {
    const cluster = requireCluster(ctx, input.cluster);
    const name = input.serviceName as string | undefined;
    if (!name || !NAME.test(name))
      throw invalidParameter('Service name can have up to 255 letters, numbers, hyphens and underscores.');
    if (input.launchType !== undefined && input.capacityProviderStrategy !== undefined)
      throw invalidParameter(
        'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
      );
    if (input.launchType !== undefined && !LAUNCH_TYPES.includes(input.launchType as string))
      throw invalidParameter(`launchType ${String(input.launchType)} is not valid: use FARGATE or EC2.`);
    const definition = requireTaskDefinition(ctx, input.taskDefinition);
    const shape = {
      launchType: input.launchType as LaunchType | undefined,
      capacityProviderStrategy: input.capacityProviderStrategy as ServiceRecord['capacityProviderStrategy'],
    };
    const launchType = effectiveLaunchType(shape);
    checkCompatibility(definition, launchType);
    const network = networkFor(ctx, definition, input.networkConfiguration as Input | undefined, launchType);
    const desiredCount = (input.desiredCount as number | undefined) ?? 0;
    if (!Number.isInteger(desiredCount) || desiredCount < 0)
      throw invalidParameter('desiredCount must be 0 or more.');
    const config = input.deploymentConfiguration as Input | undefined;
    const circuitBreaker = circuitBreakerOf(config);
    const tags = checkTags(input.tags);
    const key = `${cluster.name}/${name}`;
    const existing = ecsOf(ctx).services[key];
    if (existing && existing.status !== 'INACTIVE')
      throw invalidParameter('Creation of service was not idempotent.');
    // An INACTIVE service's tasks are all stopped; they stay listed as STOPPED under the new one's name.
    const service: ServiceRecord = {
      cluster: cluster.name,
      name,
      status: 'ACTIVE',
      taskDefinition: familyRevision(definition),
      desiredCount,
      ...(shape.launchType ? { launchType: shape.launchType } : {}),
      ...(shape.capacityProviderStrategy
        ? { capacityProviderStrategy: structuredClone(shape.capacityProviderStrategy) }
        : {}),
      ...(network ? { network } : {}),
      minimumHealthyPercent: (config?.minimumHealthyPercent as number | undefined) ?? 100,
      maximumPercent: (config?.maximumPercent as number | undefined) ?? 200,
      circuitBreaker,
      deployments: [],
      events: [],
      tags,
      createdAt: ctx.now,
      settledAt: ctx.now,
    };
    // Neither: the cluster's default capacity provider strategy, and a cluster without one (every
    // simulated cluster) runs the service on the EC2 launch type.
    if (!shape.launchType && !shape.capacityProviderStrategy) service.launchType = 'EC2';
    writableEcs(ctx).services[key] = service;
    startDeployment(ctx, service, ctx.now);
    return { service: serviceShape(ctx, service, false) };
  },

  UpdateService(ctx: SimContext, input: Input): object {
    const cluster = requireCluster(ctx, input.cluster);
    const service = requireActiveService(ctx, cluster, input.service);
    const definition =
      input.taskDefinition !== undefined
        ? requireTaskDefinition(ctx, input.taskDefinition)
        : requireTaskDefinition(ctx, service.taskDefinition);
    const launchType = effectiveLaunchType(service);
    checkCompatibility(definition, launchType);
    const given = input.networkConfiguration as Input | undefined;
    // Without a new network, the service keeps its own (checked against the task definition).
    const network =
      given !== undefined
        ? networkFor(ctx, definition, given, launchType)
        : definition.networkMode === 'awsvpc'
          ? (service.network ?? checkNetwork(ctx, undefined, launchType))
          : undefined;
    if (definition.networkMode !== 'awsvpc' && service.network && given === undefined)
      throw invalidParameter(
        'Network Configuration is not valid for the given networkMode of this task definition.',
      );
    const desiredCount = (input.desiredCount as number | undefined) ?? service.desiredCount;
    if (!Number.isInteger(desiredCount) || desiredCount < 0)
      throw invalidParameter('desiredCount must be 0 or more.');
    const config = input.deploymentConfiguration as Input | undefined;
    const circuitBreaker = circuitBreakerOf(config, service.circuitBreaker);
    const changed =
      input.forceNewDeployment === true ||
      familyRevision(definition) !== service.taskDefinition ||
      JSON.stringify(network) !== JSON.stringify(service.network);
    service.taskDefinition = familyRevision(definition);
    if (network) service.network = network;
    else delete service.network;
    service.desiredCount = desiredCount;
    service.circuitBreaker = circuitBreaker;
    if (config?.minimumHealthyPercent !== undefined)
      service.minimumHealthyPercent = config.minimumHealthyPercent as number;
    if (config?.maximumPercent !== undefined) service.maximumPercent = config.maximumPercent as number;
    if (changed) startDeployment(ctx, service, ctx.now);
    else {
      const [primary] = service.deployments;
      if (primary && primary.desiredCount !== desiredCount) {
        primary.desiredCount = desiredCount;
        primary.updatedAt = ctx.now;
        if (primary.rolloutState === 'COMPLETED') primary.rolloutState = 'IN_PROGRESS';
        settleNow(ctx, service);
      }
    }
    return { service: serviceShape(ctx, service, false) };
  },

  DeleteService(ctx: SimContext, input: Input): object {
    const cluster = requireCluster(ctx, input.cluster);
    const service = requireService(ctx, cluster, input.service);
    if (service.status === 'INACTIVE') throw ecsError('ServiceNotActiveException', 'Service was not ACTIVE.');
    if (service.status === 'ACTIVE' && service.desiredCount > 0 && input.force !== true)
      throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
    service.status = 'DRAINING';
    service.desiredCount = 0;
    const answer = serviceShape(ctx, service, false);
    settleNow(ctx, service);
    return { service: answer };
  },

  ListServices(ctx: SimContext, input: Input): object {
    const cluster = requireCluster(ctx, input.cluster);
    const arns = Object.values(ecsOf(ctx).services)
      .filter((s) => s.cluster === cluster.name && s.status !== 'INACTIVE')
      .filter((s) => input.launchType === undefined || effectiveLaunchType(s) === input.launchType)
      .map((s) => serviceArn(ctx, s.cluster, s.name))
      .sort();
    const { page: serviceArns, nextToken } = page(arns, input, 10);
    return { serviceArns, ...(nextToken ? { nextToken } : {}) };
  },

  DescribeServices(ctx: SimContext, input: Input): object {
    const cluster = requireCluster(ctx, input.cluster);
    const names = Array.isArray(input.services) ? (input.services as string[]) : [];
    if (names.length === 0) throw invalidParameter('Services cannot be empty.');
    if (names.length > 10) throw invalidParameter('services can have at most 10 items.');
    const withTags = Array.isArray(input.include) && (input.include as string[]).includes('TAGS');
    const services: object[] = [];
    const failures: object[] = [];
    for (const name of names) {
      const service = ecsOf(ctx).services[`${cluster.name}/${lastPart(name)}`];
      if (service) services.push(serviceShape(ctx, service, withTags));
      else failures.push({ arn: serviceArn(ctx, cluster.name, lastPart(name)), reason: 'MISSING' });
    }
    return { services, failures };
  },

  ListTasks(ctx: SimContext, input: Input): object {
    const cluster = requireCluster(ctx, input.cluster);
    if (input.serviceName !== undefined) requireService(ctx, cluster, input.serviceName);
    const wanted = (input.desiredStatus as string | undefined) ?? 'RUNNING';
    if (!['RUNNING', 'PENDING', 'STOPPED'].includes(wanted))
      throw invalidParameter(`desiredStatus ${wanted} is not valid: use RUNNING, PENDING or STOPPED.`);
    const arns = Object.values(ecsOf(ctx).tasks)
      .filter((t) => t.cluster === cluster.name)
      .filter((t) => input.serviceName === undefined || t.service === lastPart(input.serviceName as string))
      .filter((t) => input.launchType === undefined || t.launchType === input.launchType)
      .filter((t) =>
        wanted === 'STOPPED'
          ? desiredStatus(t, ctx.now) === 'STOPPED'
          : desiredStatus(t, ctx.now) === 'RUNNING' &&
            (wanted === 'RUNNING' || taskStatus(t, ctx.now) === 'PENDING'),
      )
      .map((t) => taskArn(ctx, t))
      .sort();
    const { page: taskArns, nextToken } = page(arns, input, 100);
    return { taskArns, ...(nextToken ? { nextToken } : {}) };
  },

  DescribeTasks(ctx: SimContext, input: Input): object {
    const cluster = requireCluster(ctx, input.cluster);
    const ids = Array.isArray(input.tasks) ? (input.tasks as string[]) : [];
    if (ids.length === 0) throw invalidParameter('Tasks cannot be empty.');
    if (ids.length > 100) throw invalidParameter('tasks can have at most 100 items.');
    const tasks: object[] = [];
    const failures: object[] = [];
    for (const id of ids) {
      const task = ecsOf(ctx).tasks[lastPart(id)];
      if (task && task.cluster === cluster.name) tasks.push(taskShape(ctx, task));
      else
        failures.push({
          arn: id.startsWith('arn:') ? id : taskArn(ctx, { cluster: cluster.name, id }),
          reason: 'MISSING',
        });
    }
    return { tasks, failures };
  },

  ListContainerInstances(ctx: SimContext, input: Input): object {
    // The simulator runs no EC2 capacity for clusters: every cluster has no container instances.
    requireCluster(ctx, input.cluster);
    return { containerInstanceArns: [] };
  },

  DescribeContainerInstances(ctx: SimContext, input: Input): object {
    const cluster = requireCluster(ctx, input.cluster);
    const ids = Array.isArray(input.containerInstances) ? (input.containerInstances as string[]) : [];
    if (ids.length === 0) throw invalidParameter('ContainerInstances cannot be empty.');
    return {
      containerInstances: [],
      failures: ids.map((id) => ({
        arn: id.startsWith('arn:')
          ? id
          : `${clusterArn(ctx, cluster.name).replace(':cluster/', ':container-instance/')}/${id}`,
        reason: 'MISSING',
      })),
    };
  },

  TagResource(ctx: SimContext, input: Input): object {
    const resource = taggedResource(ctx, input.resourceArn);
    const tags = checkTags(input.tags, resource.tags);
    if (Object.keys(tags).length === 0) throw invalidParameter('Tags can not be empty.');
    Object.assign(resource.tags ?? {}, tags);
    return {};
  },

  UntagResource(ctx: SimContext, input: Input): object {
    const resource = taggedResource(ctx, input.resourceArn);
    const keys = Array.isArray(input.tagKeys) ? (input.tagKeys as string[]) : [];
    if (keys.length === 0) throw invalidParameter('TagKeys can not be empty.');
    for (const key of keys) delete resource.tags[key];
    return {};
  },

  ListTagsForResource(ctx: SimContext, input: Input): object {
    const resource = taggedResource(ctx, input.resourceArn);
    return { tags: tagList(resource.tags ?? {}) };
  },
};

/** What the service now says, acted on at once (settleServices repeats it idempotently). */
function settleNow(ctx: SimContext, service: ServiceRecord): void {
  service.settledAt = ctx.now;
  decide(ctx, service, ctx.now);
}

/** ECS in the account's snapshot (only when it has clusters): services with their network and tasks. */
export function ecsSnapshot(ctx: SimContext): Record<string, unknown> {
  const ecs = ctx.state.ecs;
  if (!ecs || Object.keys(ecs.clusters).length === 0) return {};
  return {
    ecs: {
      clusters: Object.values(ecs.clusters)
        .filter((c) => c.status === 'ACTIVE')
        .map((c) => c.name)
        .sort(),
      services: Object.values(ecs.services)
        .filter((s) => s.status !== 'INACTIVE')
        .map((s) => ({
          cluster: s.cluster,
          name: s.name,
          status: s.status,
          taskDefinition: s.taskDefinition,
          desiredCount: s.desiredCount,
          network: s.network ?? null,
          deployments: s.deployments.map((d) => ({
            status: d.status,
            rolloutState: d.rolloutState,
            subnets: d.network?.subnets ?? [],
          })),
          tasks: tasksOf(ctx, s)
            .filter((t) => taskStatus(t, ctx.now) !== 'STOPPED')
            .map((t) => ({ subnetId: t.subnetId, lastStatus: taskStatus(t, ctx.now) }))
            .sort((a, b) => `${a.subnetId}${a.lastStatus}`.localeCompare(`${b.subnetId}${b.lastStatus}`)),
          tags: Object.fromEntries(Object.entries(s.tags).sort(([a], [b]) => a.localeCompare(b))),
        }))
        .sort((a, b) => `${a.cluster}/${a.name}`.localeCompare(`${b.cluster}/${b.name}`)),
    },
  };
}
