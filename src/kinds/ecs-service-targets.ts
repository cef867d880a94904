/**
 * ECS services as setup finds them: the `--ecs-service` flag read, each service described (with
 * its tags, task definition and, for the EC2 launch type, where its cluster's capacity runs), and
 * what would stop fixed-ip from attaching it, said before anything is made.
 */
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Subnet } from '@aws-sdk/client-ec2';
import type { AwsPort } from '../aws/port.js';
import { badOption } from '../errors.js';
import type { ServiceTarget } from '../model/context.js';
import { TAG_STACK } from '../model/tags.js';
import type { ServiceNetworkRecord, StackState } from '../state/schema.js';

/** ECS's limit on a service's security groups (awsvpcConfiguration.securityGroups). */
export const SERVICE_GROUP_LIMIT = 5;
/** DescribeServices names at most 10 services a call. */
const DESCRIBE_BATCH = 10;

export interface ServiceName {
  cluster: string;
  service: string;
  /** `cluster/service`: the key of the stack's record. */
  key: string;
}

const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * `--ecs-service CLUSTER/SERVICE`, or a service's ARN (arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/SERVICE).
 * An ARN of another region or account is refused: a stack serves its own region and account.
 */
export function serviceInput(value: string, region: string, accountId: string): ServiceName {
  const arn = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):service\/([^/]+)\/([^/]+)$/.exec(value);
  if (arn) {
    const [, arnRegion = '', arnAccount = '', cluster = '', service = ''] = arn;
    if (arnRegion !== region)
      throw badOption(
        `--ecs-service ${value} is in ${arnRegion}, but this run is in ${region}`,
        `run with --region ${arnRegion}, or name a service of ${region}`,
      );
    if (arnAccount !== accountId)
      throw badOption(
        `--ecs-service ${value} belongs to account ${arnAccount}, but your credentials are for ${accountId}`,
        `use credentials for account ${arnAccount}`,
      );
    return { cluster, service, key: `${cluster}/${service}` };
  }
  return checkServiceName(value);
}

/** The flag's syntax alone (before any AWS call). */
export function checkServiceName(value: string): ServiceName {
  if (value.startsWith('arn:')) {
    if (/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/[^/]+\/[^/]+$/.test(value)) {
      const [cluster = '', service = ''] = value.split(':service/')[1]?.split('/') ?? [];
      return { cluster, service, key: `${cluster}/${service}` };
    }
    throw badOption(
      `--ecs-service ${value} is not an ECS service ARN`,
      'pass CLUSTER/SERVICE, or an ARN like arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/SERVICE',
    );
  }
  const [cluster = '', service = '', ...rest] = value.split('/');
  if (rest.length > 0 || !NAME.test(cluster) || !NAME.test(service))
    throw badOption(
      `--ecs-service ${value} is not CLUSTER/SERVICE`,
      'name the cluster and the service, e.g. --ecs-service prod/api (aws ecs list-services --cluster prod)',
    );
  return { cluster, service, key: `${cluster}/${service}` };
}

/** The services, by key (absent: no such active service), in one DescribeServices per 10 of a cluster. */
export async function describeServices(
  aws: AwsPort,
  names: readonly ServiceName[],
): Promise<Map<string, Service>> {
  const found = new Map<string, Service>();
  const byCluster = new Map<string, ServiceName[]>();
  for (const name of names) byCluster.set(name.cluster, [...(byCluster.get(name.cluster) ?? []), name]);
  await Promise.all(
    [...byCluster].flatMap(([cluster, inCluster]) =>
      chunks(inCluster, DESCRIBE_BATCH).map(async (batch) => {
        let services: Service[];
        try {
          const out = await aws.ecs.DescribeServices({
            cluster,
            services: batch.map((n) => n.service),
            include: ['TAGS'],
          });
          services = out.services ?? [];
        } catch (error) {
          // No such cluster: none of its services exists.
          if ((error as { name?: string }).name === 'ClusterNotFoundException') return;
          throw error;
        }
        for (const service of services) {
          if (service.status === 'INACTIVE') continue;
          const name = batch.find((n) => n.service === service.serviceName);
          if (name) found.set(name.key, service);
        }
      }),
    ),
  );
  return found;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The service's awsvpc settings now (empty when it has none: not awsvpc). */
export function networkOf(service: Service): ServiceNetworkRecord {
  const config = service.networkConfiguration?.awsvpcConfiguration;
  return {
    subnetIds: [...(config?.subnets ?? [])],
    securityGroupIds: [...(config?.securityGroups ?? [])],
    ...(launchTypeOf(service) === 'FARGATE'
      ? { assignPublicIp: config?.assignPublicIp === 'ENABLED' ? 'ENABLED' : 'DISABLED' }
      : {}),
  };
}

/** FARGATE or EC2: a capacity provider strategy of Fargate providers only counts as Fargate. */
export function launchTypeOf(service: Service): 'FARGATE' | 'EC2' {
  if (service.launchType === 'FARGATE') return 'FARGATE';
  if (service.launchType === 'EC2' || service.launchType === 'EXTERNAL') return 'EC2';
  const providers = (service.capacityProviderStrategy ?? []).map((s) => s.capacityProvider ?? '');
  return providers.length > 0 && providers.every((p) => p.startsWith('FARGATE')) ? 'FARGATE' : 'EC2';
}

export const tagsOf = (service: Service): Record<string, string> =>
  Object.fromEntries((service.tags ?? []).map((t) => [t.key ?? '', t.value ?? '']));

/** What the stack gives an attached service. */
export interface StackNetwork {
  subnetIds: string[];
  securityGroupId: string;
}

/**
 * In exactly the stack's private subnets, with its security group and no public IP (other
 * groups of its own may stay beside it: a load balancer's rules name them).
 */
export function isServiceAttached(service: Service, stack: StackNetwork): boolean {
  const now = networkOf(service);
  return (
    stack.subnetIds.length > 0 &&
    stack.subnetIds.every(Boolean) &&
    now.subnetIds.length === stack.subnetIds.length &&
    stack.subnetIds.every((id) => now.subnetIds.includes(id)) &&
    now.securityGroupIds.includes(stack.securityGroupId) &&
    now.assignPublicIp !== 'ENABLED'
  );
}

/** What setup reads of a service before deciding: its task definition, and where EC2 capacity runs. */
export interface ServiceFacts {
  service: Service;
  taskDefinition: TaskDefinition | undefined;
  /** The VPC of each subnet the service uses now (unknown subnets absent). */
  subnetVpcs: Map<string, string>;
  /** For the EC2 launch type: the VPCs its cluster's container instances run in. */
  capacityVpcs: string[] | undefined;
}

export async function readFacts(
  aws: AwsPort,
  name: ServiceName,
  service: Service,
  knownSubnets: readonly Subnet[],
): Promise<ServiceFacts> {
  const subnets = networkOf(service).subnetIds;
  const unknown = subnets.filter((id) => !knownSubnets.some((s) => s.SubnetId === id));
  const [taskDefinition, described, capacityVpcs] = await Promise.all([
    service.taskDefinition
      ? aws.ecs
          .DescribeTaskDefinition({ taskDefinition: service.taskDefinition })
          .then((out) => out.taskDefinition)
      : Promise.resolve(undefined),
    unknown.length > 0
      ? aws.ec2
          .DescribeSubnets({ Filters: [{ Name: 'subnet-id', Values: unknown }] })
          .then((out) => out.Subnets ?? [])
      : Promise.resolve([]),
    launchTypeOf(service) === 'EC2' ? capacityVpcsOf(aws, name.cluster) : Promise.resolve(undefined),
  ]);
  const subnetVpcs = new Map(
    [...knownSubnets, ...described].map((s) => [s.SubnetId ?? '', s.VpcId ?? ''] as const),
  );
  return { service, taskDefinition, subnetVpcs, capacityVpcs };
}

/** The VPCs a cluster's registered container instances run in (one page of 100 is plenty here). */
async function capacityVpcsOf(aws: AwsPort, cluster: string): Promise<string[]> {
  const listed = await aws.ecs.ListContainerInstances({ cluster, maxResults: 100 });
  const arns = listed.containerInstanceArns ?? [];
  if (arns.length === 0) return [];
  const described = await aws.ecs.DescribeContainerInstances({ cluster, containerInstances: arns });
  const ids = (described.containerInstances ?? []).map((c) => c.ec2InstanceId ?? '').filter(Boolean);
  if (ids.length === 0) return [];
  const out = await aws.ec2.DescribeInstances({ InstanceIds: ids });
  return [
    ...new Set(
      (out.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.VpcId ?? '')).filter(Boolean),
    ),
  ];
}

/** The VPC a service runs in now, by its subnets (undefined when they are gone). */
export function serviceVpc(facts: ServiceFacts): string | undefined {
  return networkOf(facts.service)
    .subnetIds.map((id) => facts.subnetVpcs.get(id))
    .find((vpc) => vpc);
}

/**
 * Why a service cannot be attached to a stack in `vpcId`, each in one line (empty: it can). Only
 * what fixed-ip can see: its network mode, its deployments, who deploys it, where its capacity
 * runs, and tasks reached at their own public IPs.
 */
export function refusalsOf(
  name: ServiceName,
  facts: ServiceFacts,
  vpcId: string | undefined,
  stack: string,
  state: StackState,
): string[] {
  const { service, taskDefinition } = facts;
  const key = name.key;
  const out: string[] = [];
  const mode = taskDefinition?.networkMode ?? 'bridge';
  if (mode !== 'awsvpc') {
    out.push(
      `ECS service ${key} uses network mode ${mode}: only awsvpc tasks have network settings of their own to move into the stack's subnets (register a task definition with networkMode awsvpc first)`,
    );
    return out;
  }
  const controller = service.deploymentController?.type ?? 'ECS';
  if (controller !== 'ECS')
    out.push(
      `ECS service ${key} is deployed by ${controller === 'CODE_DEPLOY' ? 'CodeDeploy' : 'an external controller'}, which owns its network settings: change its subnets there`,
    );
  const primary = (service.deployments ?? []).find((d) => d.status === 'PRIMARY');
  if (primary?.rolloutState === 'FAILED')
    out.push(
      `ECS service ${key}'s latest deployment has failed (${primary.rolloutStateReason ?? 'no reason given'}): fix it first, so a failure after the move is not taken for the move's`,
    );
  const inVpc = serviceVpc(facts);
  if (vpcId !== undefined && inVpc !== undefined && inVpc !== vpcId)
    out.push(
      `ECS service ${key} runs in ${inVpc}, not the stack's ${vpcId}: move it into that VPC first, or run with --vpc ${inVpc}`,
    );
  if (vpcId !== undefined && facts.capacityVpcs !== undefined && !facts.capacityVpcs.includes(vpcId))
    out.push(
      facts.capacityVpcs.length === 0
        ? `ECS service ${key} uses the EC2 launch type and cluster ${name.cluster} has no container instances to place its tasks on`
        : `ECS service ${key} uses the EC2 launch type and cluster ${name.cluster}'s container instances run in ${facts.capacityVpcs.join(', ')}, not the stack's ${vpcId}: its tasks could not be placed in the stack's subnets`,
    );
  const network = networkOf(service);
  const ports = (taskDefinition?.containerDefinitions ?? []).flatMap((c) =>
    (c.portMappings ?? []).map((p) => p.containerPort ?? p.hostPort ?? 0),
  );
  const reachable =
    (service.loadBalancers ?? []).length > 0 ||
    (service.serviceRegistries ?? []).length > 0 ||
    (service.deployments ?? []).some((d) => d.serviceConnectConfiguration?.enabled === true);
  if (network.assignPublicIp === 'ENABLED' && ports.length > 0 && !reachable)
    out.push(
      `ECS service ${key} is reached at its tasks' public IPs (port ${[...new Set(ports)].join(', ')}, no load balancer): in private subnets nothing outside the VPC could reach it; put a load balancer in front of it first`,
    );
  const owner = service.tags?.find((t) => t.key === TAG_STACK)?.value;
  if (owner !== undefined && owner !== stack && !state.services?.[key])
    out.push(
      `ECS service ${key} belongs to stack ${owner}: take it out first (fixed-ip detach --name ${owner} --ecs-service ${key})`,
    );
  const kept = network.securityGroupIds.length;
  if (kept + 1 > 5 && !network.securityGroupIds.some((g) => state.resources.securityGroup?.id === g))
    out.push(
      `ECS service ${key} has ${kept} security groups and the stack adds its own (ECS allows ${SERVICE_GROUP_LIMIT}): remove one of them first`,
    );
  return out;
}

/** The target setup works from, for a service it described. */
export function toServiceTarget(
  name: ServiceName,
  facts: ServiceFacts,
  previous: ServiceNetworkRecord,
  attached: boolean,
): ServiceTarget {
  const { service } = facts;
  return {
    key: name.key,
    cluster: name.cluster,
    service: name.service,
    arn: service.serviceArn ?? '',
    previous,
    attached,
    launchType: launchTypeOf(service),
    keptGroups: previous.securityGroupIds,
    tags: tagsOf(service),
  };
}
