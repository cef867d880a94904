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
 * The parts below are the ones several kinds read; a kind with resources of its own declares its
 * part with `extraPart` (kept in `extra`), and the world needs no edit for it.
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
  /** The parts kinds declare for themselves (`extraPart`), by part name. */
  extra: Record<string, unknown[]>;
  /** The names of the parts that were described (an empty list that was not asked for proves nothing). */
  loaded: Set<string>;
}

/**
 * One part of the world: how it is described (with filters, or none for everything), how its
 * resources are named by id, and where it is kept in the world.
 */
export interface PartSpec<T> {
  readonly name: string;
  /** The Describe filter naming its resources by id. */
  readonly idFilter: string;
  /** Listed whole, whatever the scope (an internet gateway not yet attached is in no VPC). */
  readonly whole?: boolean;
  /**
   * Found by a name derived from the stack, outside EC2 (an IAM instance profile): loaded for the
   * shapes whose kinds read it, never in a search across every part (a call to IAM for every
   * stack found by its tags).
   */
  readonly byName?: boolean;
  /**
   * One Describe (`statuses`: what a full load adds, the instances' status checks). `stack` is the
   * stack the world is loaded for (undefined when loaded by ids): what a part outside EC2's filters
   * (an IAM instance profile, named after its stack) is found by.
   */
  describe(aws: AwsPort, filters: Filter[], into: World, statuses: boolean, stack?: string): Promise<T[]>;
  idOf(item: T): string | undefined;
  get(world: World): T[];
  set(world: World, items: T[]): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of parts of any item type
export type WorldPart = PartSpec<any>;

const input = (filters: Filter[]): { Filters?: Filter[] } => (filters.length > 0 ? { Filters: filters } : {});

type Builtin = Exclude<keyof World, 'vpc' | 'functions' | 'extra' | 'loaded' | 'instanceStatuses'>;

/** A part kept in one of the world's own fields. */
function builtin<K extends Builtin>(
  name: K,
  spec: Omit<PartSpec<World[K][number]>, 'name' | 'get' | 'set'>,
): PartSpec<World[K][number]> {
  return {
    name,
    ...spec,
    get: (world) => world[name],
    set: (world, items) => {
      world[name] = items as World[K];
    },
  };
}

/** A part a kind declares for its own resources, kept in `world.extra[name]`. */
export function extraPart<T>(spec: Omit<PartSpec<T>, 'get' | 'set'>): PartSpec<T> {
  return {
    ...spec,
    get: (world) => (world.extra[spec.name] ?? []) as T[],
    set: (world, items) => {
      world.extra[spec.name] = items;
    },
  };
}

export const VPCS = builtin('vpcs', {
  idFilter: 'vpc-id',
  describe: async (aws, f) => (await aws.ec2.DescribeVpcs(input(f))).Vpcs ?? [],
  idOf: (v) => v.VpcId,
});
export const SUBNETS = builtin('subnets', {
  idFilter: 'subnet-id',
  describe: async (aws, f) => (await aws.ec2.DescribeSubnets(input(f))).Subnets ?? [],
  idOf: (s) => s.SubnetId,
});
export const ROUTE_TABLES = builtin('routeTables', {
  idFilter: 'route-table-id',
  describe: async (aws, f) => (await aws.ec2.DescribeRouteTables(input(f))).RouteTables ?? [],
  idOf: (t) => t.RouteTableId,
});
export const INTERNET_GATEWAYS = builtin('internetGateways', {
  idFilter: 'internet-gateway-id',
  whole: true,
  describe: async (aws, f) => (await aws.ec2.DescribeInternetGateways(input(f))).InternetGateways ?? [],
  idOf: (g) => g.InternetGatewayId,
});
export const SECURITY_GROUPS = builtin('securityGroups', {
  idFilter: 'group-id',
  describe: async (aws, f) => (await aws.ec2.DescribeSecurityGroups(input(f))).SecurityGroups ?? [],
  idOf: (g) => g.GroupId,
});
export const NAT_GATEWAYS = builtin('natGateways', {
  idFilter: 'nat-gateway-id',
  // DescribeNatGateways names its filters `Filter`.
  describe: async (aws, f) =>
    (await aws.ec2.DescribeNatGateways(f.length > 0 ? { Filter: f } : {})).NatGateways ?? [],
  idOf: (n) => n.NatGatewayId,
});
/** Listed whole: a kept or adopted Elastic IP is in no VPC (an account has few). */
export const ADDRESSES = builtin('addresses', {
  idFilter: 'allocation-id',
  whole: true,
  describe: async (aws, f) => (await aws.ec2.DescribeAddresses(input(f))).Addresses ?? [],
  idOf: (a) => a.AllocationId,
});
export const INSTANCES = builtin('instances', {
  idFilter: 'instance-id',
  async describe(aws, f, into, statuses) {
    const out = await aws.ec2.DescribeInstances(input(f));
    const instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    // Status checks are asked only when there is an instance (DescribeInstanceStatus has no VPC filter).
    const InstanceIds = instances
      .filter((i) => i.State?.Name !== 'terminated')
      .map((i) => i.InstanceId ?? '');
    if (statuses && InstanceIds.length > 0)
      into.instanceStatuses =
        (await aws.ec2.DescribeInstanceStatus({ InstanceIds, IncludeAllInstances: true })).InstanceStatuses ??
        [];
    return instances;
  },
  idOf: (i) => i.InstanceId,
});
export const NETWORK_INTERFACES = builtin('networkInterfaces', {
  idFilter: 'network-interface-id',
  describe: async (aws, f) =>
    (await aws.ec2.DescribeNetworkInterfaces({ ...input(f), IncludeManagedResources: true }))
      .NetworkInterfaces ?? [],
  idOf: (e) => e.NetworkInterfaceId,
});

/** What every shape's kinds read. */
export const BASE_PARTS: readonly WorldPart[] = [
  VPCS,
  SUBNETS,
  ROUTE_TABLES,
  INTERNET_GATEWAYS,
  SECURITY_GROUPS,
  NAT_GATEWAYS,
  ADDRESSES,
];
const BUILTIN_PARTS: readonly WorldPart[] = [...BASE_PARTS, INSTANCES, NETWORK_INTERFACES];

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
    extra: {},
    loaded: new Set(),
  };
}

/**
 * One describe pass over these parts. `vpcId` scopes the VPC-bound parts to the stack's VPC;
 * without it they are scoped to the stack's tag (a lost state file). Parts marked `whole` are
 * listed whole.
 */
export async function loadWorld(
  aws: AwsPort,
  scope: { vpcId: string | undefined; stack: string },
  parts: readonly WorldPart[],
): Promise<World> {
  const world = emptyWorld();
  const Filters = scope.vpcId ? [{ Name: 'vpc-id', Values: [scope.vpcId] }] : [stackFilter(scope.stack)];
  await Promise.all(
    unique(parts).map((part) => describePart(aws, world, part, part.whole ? [] : Filters, true, scope.stack)),
  );
  world.vpc = scope.vpcId ? world.vpcs.find((v) => v.VpcId === scope.vpcId) : undefined;
  return world;
}

function unique(parts: readonly WorldPart[]): WorldPart[] {
  const byName = new Map<string, WorldPart>();
  for (const part of parts) if (!byName.has(part.name)) byName.set(part.name, part);
  return [...byName.values()];
}

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
        describePart(aws, world, part, [{ Name: part.idFilter, Values: [...values] }], false),
      ),
  );
  return world;
}

/** The ids of a part's resources in the world (whatever their state). */
export function idsIn(world: World, part: WorldPart): Set<string> {
  const items: unknown[] = part.get(world);
  const ids = items.map((item): string | undefined => part.idOf(item));
  return new Set(ids.filter((id): id is string => id !== undefined));
}

/** A world holding both worlds' resources (the first one's VPC). */
export function mergeWorlds(a: World, b: World): World {
  const merged: World = {
    ...emptyWorld(),
    vpc: a.vpc,
    instanceStatuses: [...a.instanceStatuses, ...b.instanceStatuses],
    functions: [...a.functions, ...b.functions],
    loaded: new Set([...a.loaded, ...b.loaded]),
  };
  for (const part of BUILTIN_PARTS) {
    const [first, second]: unknown[][] = [part.get(a), part.get(b)];
    part.set(merged, [...first, ...second]);
  }
  for (const name of new Set([...Object.keys(a.extra), ...Object.keys(b.extra)]))
    merged.extra[name] = [...(a.extra[name] ?? []), ...(b.extra[name] ?? [])];
  return merged;
}

/** One part of the world, described with these filters (none: everything). */
async function describePart(
  aws: AwsPort,
  world: World,
  part: WorldPart,
  filters: Filter[],
  statuses: boolean,
  stack?: string,
): Promise<void> {
  part.set(world, await part.describe(aws, filters, world, statuses, stack));
  world.loaded.add(part.name);
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
