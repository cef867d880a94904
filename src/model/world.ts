import type {
  Address,
  Filter,
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
  const Filters = scope.vpcId ? [{ Name: 'vpc-id', Values: [scope.vpcId] }] : [stackFilter(scope.stack)];
  await Promise.all(
    ALL_PARTS.filter((part) => parts.includes(part)).map((part) =>
      describePart(aws, world, part, WHOLE.includes(part) ? [] : Filters, true),
    ),
  );
  world.vpc = scope.vpcId ? world.vpcs.find((v) => v.VpcId === scope.vpcId) : undefined;
  return world;
}

/** Listed whole, whatever the scope (see loadWorld). */
const WHOLE: readonly WorldPart[] = ['internetGateways', 'addresses'];

/** The filter naming a part's resources by id. */
const ID_FILTER: Record<WorldPart, string> = {
  vpcs: 'vpc-id',
  subnets: 'subnet-id',
  routeTables: 'route-table-id',
  internetGateways: 'internet-gateway-id',
  securityGroups: 'group-id',
  natGateways: 'nat-gateway-id',
  addresses: 'allocation-id',
  instances: 'instance-id',
  networkInterfaces: 'network-interface-id',
};

/**
 * The resources of these ids, wherever they are (any VPC): one Describe per part, filtered by id, so
 * an id that no longer exists is simply not listed.
 */
export async function loadByIds(
  aws: AwsPort,
  ids: ReadonlyMap<WorldPart, readonly string[]>,
): Promise<World> {
  const world = emptyWorld();
  await Promise.all(
    [...ids]
      .filter(([, values]) => values.length > 0)
      .map(([part, values]) =>
        describePart(aws, world, part, [{ Name: ID_FILTER[part], Values: [...values] }], false),
      ),
  );
  return world;
}

/** The ids of a part's resources in the world (whatever their state). */
export function idsIn(world: World, part: WorldPart): Set<string> {
  const all: Array<string | undefined> = {
    vpcs: () => world.vpcs.map((v) => v.VpcId),
    subnets: () => world.subnets.map((s) => s.SubnetId),
    routeTables: () => world.routeTables.map((t) => t.RouteTableId),
    internetGateways: () => world.internetGateways.map((g) => g.InternetGatewayId),
    securityGroups: () => world.securityGroups.map((g) => g.GroupId),
    natGateways: () => world.natGateways.map((n) => n.NatGatewayId),
    addresses: () => world.addresses.map((a) => a.AllocationId),
    instances: () => world.instances.map((i) => i.InstanceId),
    networkInterfaces: () => world.networkInterfaces.map((e) => e.NetworkInterfaceId),
  }[part]();
  return new Set(all.filter((id): id is string => id !== undefined));
}

/** A world holding both worlds' resources (the first one's VPC). */
export function mergeWorlds(a: World, b: World): World {
  return {
    vpc: a.vpc,
    vpcs: [...a.vpcs, ...b.vpcs],
    subnets: [...a.subnets, ...b.subnets],
    routeTables: [...a.routeTables, ...b.routeTables],
    internetGateways: [...a.internetGateways, ...b.internetGateways],
    securityGroups: [...a.securityGroups, ...b.securityGroups],
    natGateways: [...a.natGateways, ...b.natGateways],
    addresses: [...a.addresses, ...b.addresses],
    instances: [...a.instances, ...b.instances],
    instanceStatuses: [...a.instanceStatuses, ...b.instanceStatuses],
    networkInterfaces: [...a.networkInterfaces, ...b.networkInterfaces],
    functions: [...a.functions, ...b.functions],
    loaded: new Set([...a.loaded, ...b.loaded]),
  };
}

/** One part of the world, described with these filters (none: everything); `statuses`: instance status checks too. */
async function describePart(
  aws: AwsPort,
  world: World,
  part: WorldPart,
  filters: Filter[],
  statuses: boolean,
): Promise<void> {
  const input = filters.length > 0 ? { Filters: filters } : {};
  switch (part) {
    case 'vpcs':
      world.vpcs = (await aws.ec2.DescribeVpcs(input)).Vpcs ?? [];
      break;
    case 'subnets':
      world.subnets = (await aws.ec2.DescribeSubnets(input)).Subnets ?? [];
      break;
    case 'routeTables':
      world.routeTables = (await aws.ec2.DescribeRouteTables(input)).RouteTables ?? [];
      break;
    case 'internetGateways':
      world.internetGateways = (await aws.ec2.DescribeInternetGateways(input)).InternetGateways ?? [];
      break;
    case 'securityGroups':
      world.securityGroups = (await aws.ec2.DescribeSecurityGroups(input)).SecurityGroups ?? [];
      break;
    case 'natGateways':
      world.natGateways =
        (await aws.ec2.DescribeNatGateways(filters.length > 0 ? { Filter: filters } : {})).NatGateways ?? [];
      break;
    case 'addresses':
      world.addresses = (await aws.ec2.DescribeAddresses(input)).Addresses ?? [];
      break;
    case 'instances': {
      const out = await aws.ec2.DescribeInstances(input);
      world.instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
      // Status checks are asked only when there is an instance (DescribeInstanceStatus has no VPC filter).
      const InstanceIds = world.instances
        .filter((i) => i.State?.Name !== 'terminated')
        .map((i) => i.InstanceId ?? '');
      if (statuses && InstanceIds.length > 0)
        world.instanceStatuses =
          (await aws.ec2.DescribeInstanceStatus({ InstanceIds, IncludeAllInstances: true }))
            .InstanceStatuses ?? [];
      break;
    }
    case 'networkInterfaces':
      world.networkInterfaces =
        (await aws.ec2.DescribeNetworkInterfaces({ ...input, IncludeManagedResources: true }))
          .NetworkInterfaces ?? [];
      break;
  }
  world.loaded.add(part);
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
