/**
 * Finding a resource an operation names. Mutating operations see every resource, visible or not:
 * eventual consistency only hides things from Describe calls.
 */
import type { SimContext } from '../context.js';
import { ec2Error, Ec2ErrorCode, ec2InvalidParameter, ec2NotFound } from '../errors.js';
import { instanceIsGone, interfaceIsLive, natIsGone } from '../lifecycle.js';
import type {
  AddressRecord,
  InstanceRecord,
  NetworkInterfaceRecord,
  InternetGatewayRecord,
  NatGatewayRecord,
  RouteTableRecord,
  SecurityGroupRecord,
  SubnetRecord,
  Tags,
  VpcRecord,
} from '../model.js';

export function requireVpc(ctx: SimContext, id: string | undefined): VpcRecord {
  const vpc = id === undefined ? undefined : ctx.state.vpcs[id];
  if (!vpc) throw ec2NotFound(Ec2ErrorCode.vpcNotFound, 'vpc', [String(id)]);
  return vpc;
}

export function requireSubnet(ctx: SimContext, id: string | undefined): SubnetRecord {
  const subnet = id === undefined ? undefined : ctx.state.subnets[id];
  if (!subnet) throw ec2NotFound(Ec2ErrorCode.subnetNotFound, 'subnet', [String(id)]);
  return subnet;
}

export function requireInternetGateway(ctx: SimContext, id: string | undefined): InternetGatewayRecord {
  const igw = id === undefined ? undefined : ctx.state.internetGateways[id];
  if (!igw) throw ec2NotFound(Ec2ErrorCode.internetGatewayNotFound, 'internetGateway', [String(id)]);
  return igw;
}

export function requireRouteTable(ctx: SimContext, id: string | undefined): RouteTableRecord {
  const table = id === undefined ? undefined : ctx.state.routeTables[id];
  if (!table) throw ec2NotFound(Ec2ErrorCode.routeTableNotFound, 'routeTable', [String(id)]);
  return table;
}

export function requireSecurityGroup(ctx: SimContext, id: string | undefined): SecurityGroupRecord {
  const group = id === undefined ? undefined : ctx.state.securityGroups[id];
  if (!group) throw ec2Error(Ec2ErrorCode.groupNotFound, `The security group '${String(id)}' does not exist`);
  return group;
}

export function requireAddress(ctx: SimContext, allocationId: string | undefined): AddressRecord {
  const address = allocationId === undefined ? undefined : ctx.state.addresses[allocationId];
  if (!address)
    throw ec2Error(
      Ec2ErrorCode.allocationNotFound,
      `The allocation ID '${String(allocationId)}' does not exist`,
    );
  return address;
}

/** DescribeNatGateways and DeleteNatGateway: AWS's `NatGatewayNotFound`, the code the SDK's waiters expect. */
export function requireNatGateway(ctx: SimContext, id: string | undefined): NatGatewayRecord {
  const nat = id === undefined ? undefined : ctx.state.natGateways[id];
  if (!nat || natIsGone(nat, ctx))
    throw ec2Error(Ec2ErrorCode.natGatewayNotFound, `NAT gateway ${String(id)} was not found`);
  return nat;
}

/** One of the account's own network interfaces (not a NAT gateway's or Lambda's). */
export function requireNetworkInterface(ctx: SimContext, id: string | undefined): NetworkInterfaceRecord {
  const eni = id === undefined ? undefined : ctx.state.networkInterfaces[id];
  if (!eni || !interfaceIsLive(ctx, eni))
    throw ec2NotFound(Ec2ErrorCode.networkInterfaceNotFound, 'networkInterface', [String(id)]);
  return eni;
}

export function requireInstance(ctx: SimContext, id: string | undefined): InstanceRecord {
  const instance = id === undefined ? undefined : ctx.state.instances[id];
  if (!instance || instanceIsGone(instance, ctx))
    throw ec2NotFound(Ec2ErrorCode.instanceNotFound, 'instance', [String(id)]);
  return instance;
}

/** What CreateTags and DeleteTags change: a resource's tags, replaced whole. */
export interface Taggable {
  tags: Tags;
}

/**
 * Any taggable resource by its id, with the NotFound its kind would give. `others` finds the types
 * that carry their own module (a launch template, a VPC endpoint: ec2/resource-types.ts).
 */
export function findTaggable(
  ctx: SimContext,
  id: string,
  others: (id: string) => Taggable | undefined = () => undefined,
): Taggable {
  const prefix = id.slice(0, id.lastIndexOf('-'));
  switch (prefix) {
    case 'vpc':
      return requireVpc(ctx, id);
    case 'subnet':
      return requireSubnet(ctx, id);
    case 'igw':
      return requireInternetGateway(ctx, id);
    case 'rtb':
      return requireRouteTable(ctx, id);
    case 'sg':
      return requireSecurityGroup(ctx, id);
    case 'eipalloc':
      return requireAddress(ctx, id);
    case 'nat':
      return requireNatGateway(ctx, id);
    case 'eni':
      return requireNetworkInterface(ctx, id);
    case 'i':
      return requireInstance(ctx, id);
    case 'vol': {
      // An instance's root volume, which lives as long as the instance.
      const instance = Object.values(ctx.state.instances).find(
        (i) => i.volume.id === id && !instanceIsGone(i, ctx),
      );
      if (!instance) throw ec2NotFound(Ec2ErrorCode.volumeNotFound, 'volume', [id]);
      return instance.volume;
    }
    default: {
      const other = others(id);
      if (!other) throw ec2InvalidParameter(`Invalid id: "${id}"`);
      return other;
    }
  }
}
