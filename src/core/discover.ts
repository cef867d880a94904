import {
  type Address,
  type InternetGateway,
  type NatGateway,
  type RouteTable,
  type SecurityGroup,
  type Subnet,
  type Tag,
  type Vpc,
} from '@aws-sdk/client-ec2';
import type { AwsPort } from '../aws/port.js';
import { emptyState, RESOURCE_KEYS, type ResourceKey, type StackState } from '../state/schema.js';
import { activeNat } from './live.js';
import { decodeVpcConfig, isOurs, type Role, stackFilter, TAG_FUNCTION_PREFIX } from './tags.js';

/** Everything in the region carrying the stack's tags, duplicates included. */
export interface TaggedResources {
  vpcs: Vpc[];
  subnets: Subnet[];
  routeTables: RouteTable[];
  securityGroups: SecurityGroup[];
  natGateways: NatGateway[];
  addresses: Address[];
  internetGateways: InternetGateway[];
}

export async function describeTagged(aws: AwsPort, name: string): Promise<TaggedResources> {
  const Filters = [stackFilter(name)];
  const [vpcs, subnets, tables, groups, nats, addresses, gateways] = await Promise.all([
    aws.ec2.DescribeVpcs({ Filters }),
    aws.ec2.DescribeSubnets({ Filters }),
    aws.ec2.DescribeRouteTables({ Filters }),
    aws.ec2.DescribeSecurityGroups({ Filters }),
    aws.ec2.DescribeNatGateways({ Filter: Filters }),
    aws.ec2.DescribeAddresses({ Filters }),
    aws.ec2.DescribeInternetGateways({ Filters }),
  ]);
  return {
    vpcs: (vpcs.Vpcs ?? []).filter((v) => isOurs(v.Tags, name, 'vpc')),
    subnets: (subnets.Subnets ?? []).filter((s) => isOurs(s.Tags, name)),
    routeTables: (tables.RouteTables ?? []).filter((t) => isOurs(t.Tags, name)),
    securityGroups: (groups.SecurityGroups ?? []).filter((g) => isOurs(g.Tags, name, 'security-group')),
    // A failed or deleted gateway costs nothing and vanishes by itself within the hour.
    natGateways: (nats.NatGateways ?? []).filter(
      (n) => isOurs(n.Tags, name, 'nat-gateway') && (activeNat(n) || n.State === 'deleting'),
    ),
    addresses: (addresses.Addresses ?? []).filter((a) => isOurs(a.Tags, name, 'elastic-ip')),
    internetGateways: (gateways.InternetGateways ?? []).filter((g) =>
      isOurs(g.Tags, name, 'internet-gateway'),
    ),
  };
}

/**
 * Rebuilds a stack's state from its tags when the state file is lost (deleted, another machine, a
 * teammate). Only tagged resources are found, so only what fixed-ip created is ever listed as owned.
 * Returns null when nothing in the region carries the stack's tags.
 */
export async function discoverStack(
  aws: AwsPort,
  name: string,
  accountId: string,
): Promise<StackState | null> {
  return stateFromTags(await describeTagged(aws, name), name, aws.region, accountId);
}

/** One state from tagged resources: the first of each role (the next ones are duplicates). */
export function stateFromTags(
  tagged: TaggedResources,
  name: string,
  region: string,
  accountId: string,
): StackState | null {
  const ours = (tags: Tag[] | undefined, role: Role) => isOurs(tags, name, role);
  const state = emptyState(name, region, accountId);

  const vpc = tagged.vpcs[0];
  const publicSubnet = tagged.subnets.find((s) => ours(s.Tags, 'public-subnet'));
  const privateSubnet = tagged.subnets.find((s) => ours(s.Tags, 'private-subnet'));
  const publicTable = tagged.routeTables.find((t) => ours(t.Tags, 'public-route-table'));
  const privateTable = tagged.routeTables.find((t) => ours(t.Tags, 'private-route-table'));
  const group = tagged.securityGroups[0];
  const nat = tagged.natGateways[0];
  const address = tagged.addresses[0];
  const gateway = tagged.internetGateways[0];

  const vpcId =
    vpc?.VpcId ??
    publicSubnet?.VpcId ??
    privateSubnet?.VpcId ??
    publicTable?.VpcId ??
    privateTable?.VpcId ??
    group?.VpcId ??
    nat?.VpcId ??
    gateway?.Attachments?.[0]?.VpcId;
  if (vpcId)
    state.vpc = {
      id: vpcId,
      owned: vpc !== undefined && vpc.VpcId === vpcId,
      cidrs: vpc?.CidrBlock ? [vpc.CidrBlock] : [],
    };
  if (gateway?.InternetGatewayId) state.internetGateway = { id: gateway.InternetGatewayId, owned: true };
  if (publicSubnet?.SubnetId) {
    state.publicSubnet = {
      id: publicSubnet.SubnetId,
      owned: true,
      cidr: publicSubnet.CidrBlock ?? '',
      az: publicSubnet.AvailabilityZone ?? '',
    };
  }
  if (privateSubnet?.SubnetId) {
    state.privateSubnet = {
      id: privateSubnet.SubnetId,
      owned: true,
      cidr: privateSubnet.CidrBlock ?? '',
      az: privateSubnet.AvailabilityZone ?? '',
    };
  }
  if (publicTable?.RouteTableId) state.publicRouteTable = { id: publicTable.RouteTableId, owned: true };
  if (privateTable?.RouteTableId) state.privateRouteTable = { id: privateTable.RouteTableId, owned: true };
  if (group?.GroupId) state.securityGroup = { id: group.GroupId, owned: true };
  if (nat?.NatGatewayId) state.natGateway = { id: nat.NatGatewayId, owned: true };
  if (address?.AllocationId)
    state.elasticIp = { id: address.AllocationId, owned: true, publicIp: address.PublicIp ?? '' };
  for (const tag of privateSubnet?.Tags ?? []) {
    if (!tag.Key?.startsWith(TAG_FUNCTION_PREFIX)) continue;
    const fn = tag.Key.slice(TAG_FUNCTION_PREFIX.length);
    state.functions[fn] = {
      arn: `arn:aws:lambda:${region}:${accountId}:function:${fn}`,
      previous: decodeVpcConfig(tag.Value ?? ''),
      attached: true,
    };
  }
  const found = vpcId !== undefined || state.elasticIp !== undefined || state.internetGateway !== undefined;
  return found ? state : null;
}

/** Ids of every resource a state records. */
function recordedIds(state: StackState): Set<string> {
  return new Set(RESOURCE_KEYS.map((key) => state[key]?.id).filter((id): id is string => id !== undefined));
}

/**
 * Fills the records a state lacks from the stack's tags: what an interrupted run created but had
 * not yet recorded (the process died between the create and the state write). Only resources in
 * the state's VPC are taken; returns the keys filled.
 */
export function adoptTagged(state: StackState, tagged: TaggedResources): ResourceKey[] {
  const found = stateFromTags(tagged, state.name, state.region, state.accountId);
  if (!found) return [];
  if (state.vpc && found.vpc && found.vpc.id !== state.vpc.id) {
    // Tagged resources in another VPC are no part of this state: leave them to leftoversOf.
    return [];
  }
  const recorded = recordedIds(state);
  const filled: ResourceKey[] = [];
  for (const key of RESOURCE_KEYS) {
    const record = found[key];
    if (state[key] !== undefined || record === undefined || recorded.has(record.id)) continue;
    if (key === 'vpc' && !record.owned) continue;
    Object.assign(state, { [key]: record });
    filled.push(key);
  }
  if (!state.vpc && found.vpc) state.vpc = found.vpc;
  for (const [fn, record] of Object.entries(found.functions)) state.functions[fn] ??= record;
  return filled;
}

/**
 * Tagged resources no state records: duplicates an interrupted or concurrent run left behind.
 * Returned as states, one per layer of duplicates (the second of each role, then the third...),
 * so teardown can remove each layer in the same safe order as the stack itself.
 */
export function leftoversOf(state: StackState, tagged: TaggedResources): StackState[] {
  const recorded = recordedIds(state);
  const rest: TaggedResources = {
    vpcs: tagged.vpcs.filter((v) => !recorded.has(v.VpcId ?? '')),
    subnets: tagged.subnets.filter((s) => !recorded.has(s.SubnetId ?? '')),
    routeTables: tagged.routeTables.filter((t) => !recorded.has(t.RouteTableId ?? '')),
    securityGroups: tagged.securityGroups.filter((g) => !recorded.has(g.GroupId ?? '')),
    natGateways: tagged.natGateways.filter((n) => !recorded.has(n.NatGatewayId ?? '')),
    addresses: tagged.addresses.filter((a) => !recorded.has(a.AllocationId ?? '')),
    internetGateways: tagged.internetGateways.filter((g) => !recorded.has(g.InternetGatewayId ?? '')),
  };
  const layers: StackState[] = [];
  for (;;) {
    const layer = stateFromTags(rest, state.name, state.region, state.accountId);
    if (!layer) return layers;
    layer.functions = {};
    // The layer's VPC is known only for the detach and lookups; it is removed only when it is a duplicate.
    const taken = recordedIds(layer);
    if (layer.vpc && !rest.vpcs.some((v) => v.VpcId === layer.vpc?.id))
      layer.vpc = { ...layer.vpc, owned: false };
    const before = JSON.stringify(rest);
    rest.vpcs = rest.vpcs.filter((v) => !taken.has(v.VpcId ?? ''));
    rest.subnets = rest.subnets.filter((s) => !taken.has(s.SubnetId ?? ''));
    rest.routeTables = rest.routeTables.filter((t) => !taken.has(t.RouteTableId ?? ''));
    rest.securityGroups = rest.securityGroups.filter((g) => !taken.has(g.GroupId ?? ''));
    rest.natGateways = rest.natGateways.filter((n) => !taken.has(n.NatGatewayId ?? ''));
    rest.addresses = rest.addresses.filter((a) => !taken.has(a.AllocationId ?? ''));
    rest.internetGateways = rest.internetGateways.filter((g) => !taken.has(g.InternetGatewayId ?? ''));
    layers.push(layer);
    if (JSON.stringify(rest) === before) return layers;
  }
}
