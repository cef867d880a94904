import type {
  Address,
  Instance,
  InstanceStatus,
  InternetGateway,
  NatGateway,
  NetworkInterface,
  RouteTable,
  SecurityGroup,
  Subnet,
  Vpc,
} from '@aws-sdk/client-ec2';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { AwsPort } from '../aws/port.js';
import { stackFilter } from './tags.js';

/**
 * What exists around a stack right now, fetched in one batch of parallel Describe calls so every
 * kind can find its resources (by state id, then by tags) without a call of its own. With the
 * VPC known, everything in it; without (a lost state file), everything carrying the stack's tag.
 */
export interface World {
  vpc: Vpc | undefined;
  vpcs: Vpc[];
  subnets: Subnet[];
  routeTables: RouteTable[];
  internetGateways: InternetGateway[];
  securityGroups: SecurityGroup[];
  natGateways: NatGateway[];
  addresses: Address[];
  /** Instances in the VPC (a NAT instance), terminated ones included while AWS lists them. */
  instances: Instance[];
  /** Status checks of those instances (loaded with them). */
  instanceStatuses: InstanceStatus[];
  /** Network interfaces in the VPC (a NAT instance's, Lambda's). */
  networkInterfaces: NetworkInterface[];
  /** The stack's functions' current configurations (loaded by the commands that need them). */
  functions: FunctionConfiguration[];
  /** Which parts were described (an empty list that was not asked for proves nothing). */
  loaded: Set<WorldPart>;
}

export type WorldPart = Exclude<keyof World, 'functions' | 'vpc' | 'loaded' | 'instanceStatuses'>;

/** What every shape's kinds read. */
export const BASE_PARTS: readonly WorldPart[] = [
  'vpcs',
  'subnets',
  'routeTables',
  'internetGateways',
  'securityGroups',
  'natGateways',
  'addresses',
];

/** Everything, for finding a stack by its tags (its shape is not known yet). */
export const ALL_PARTS: readonly WorldPart[] = [...BASE_PARTS, 'instances', 'networkInterfaces'];

export function emptyWorld(): World {
  return {
    vpc: undefined,
    vpcs: [],
    subnets: [],
    routeTables: [],
    internetGateways: [],
    securityGroups: [],
    natGateways: [],
    addresses: [],
    instances: [],
    instanceStatuses: [],
    networkInterfaces: [],
    functions: [],
    loaded: new Set(),
  };
}

/**
 * One describe pass. `vpcId` scopes the VPC-bound parts to the stack's VPC; without it they are
 * scoped to the stack's tag (a lost state file). Internet gateways and Elastic IPs are listed whole:
 * a gateway fixed-ip created but had not yet attached is in no VPC, and a kept or adopted Elastic IP
 * has none (an account has few of both).
 */
export async function loadWorld(
  aws: AwsPort,
  scope: { vpcId: string | undefined; stack: string },
  parts: readonly WorldPart[] = ALL_PARTS,
): Promise<World> {
  const world = emptyWorld();
  const want = new Set(parts);
  const Filters = scope.vpcId ? [{ Name: 'vpc-id', Values: [scope.vpcId] }] : [stackFilter(scope.stack)];
  const tasks: Promise<void>[] = [];
  const add = (part: WorldPart, load: () => Promise<void>): void => {
    if (want.has(part)) tasks.push(load().then(() => void world.loaded.add(part)));
  };
  add('vpcs', async () => {
    world.vpcs = (await aws.ec2.DescribeVpcs({ Filters })).Vpcs ?? [];
  });
  add('subnets', async () => {
    world.subnets = (await aws.ec2.DescribeSubnets({ Filters })).Subnets ?? [];
  });
  add('routeTables', async () => {
    world.routeTables = (await aws.ec2.DescribeRouteTables({ Filters })).RouteTables ?? [];
  });
  add('internetGateways', async () => {
    world.internetGateways = (await aws.ec2.DescribeInternetGateways({})).InternetGateways ?? [];
  });
  add('securityGroups', async () => {
    world.securityGroups = (await aws.ec2.DescribeSecurityGroups({ Filters })).SecurityGroups ?? [];
  });
  add('natGateways', async () => {
    world.natGateways = (await aws.ec2.DescribeNatGateways({ Filter: Filters })).NatGateways ?? [];
  });
  add('addresses', async () => {
    world.addresses = (await aws.ec2.DescribeAddresses({})).Addresses ?? [];
  });
  add('instances', async () => {
    const out = await aws.ec2.DescribeInstances({ Filters });
    world.instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    // Status checks are asked only when there is an instance (DescribeInstanceStatus has no VPC filter).
    const InstanceIds = world.instances
      .filter((i) => i.State?.Name !== 'terminated')
      .map((i) => i.InstanceId ?? '');
    if (InstanceIds.length > 0)
      world.instanceStatuses =
        (await aws.ec2.DescribeInstanceStatus({ InstanceIds, IncludeAllInstances: true })).InstanceStatuses ??
        [];
  });
  add('networkInterfaces', async () => {
    world.networkInterfaces =
      (await aws.ec2.DescribeNetworkInterfaces({ Filters, IncludeManagedResources: true }))
        .NetworkInterfaces ?? [];
  });
  await Promise.all(tasks);
  world.vpc = scope.vpcId ? world.vpcs.find((v) => v.VpcId === scope.vpcId) : undefined;
  return world;
}

export function attachedGateway(world: World, vpcId: string): InternetGateway | undefined {
  return world.internetGateways.find((igw) =>
    // AWS reports an attached gateway as 'available', although the SDK's type says 'attached'.
    igw.Attachments?.some((a) => a.VpcId === vpcId && ['available', 'attached'].includes(a.State ?? '')),
  );
}

export const activeNat = (nat: NatGateway): boolean => nat.State === 'pending' || nat.State === 'available';

/** The zone a subnet of the world is in. */
export function zoneOfSubnet(world: World, subnetId: string | undefined): string | undefined {
  return world.subnets.find((s) => s.SubnetId === subnetId)?.AvailabilityZone;
}
