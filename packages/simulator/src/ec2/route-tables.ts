/** Route tables: routes to an attached internet gateway or a NAT gateway of the same VPC, one table per subnet. */
import type { Route, RouteTable, RouteTableAssociation, TagSpecification } from '@aws-sdk/client-ec2';
import { cidrContains, parseCidr } from '../cidr.js';
import { rememberToken, requestParams, resourceForToken, validateClientToken } from '../client-tokens.js';
import type { SimContext } from '../context.js';
import { describeOperation, recordsOf } from '../describe.js';
import {
  ec2DependencyViolation,
  ec2Error,
  Ec2ErrorCode,
  ec2InvalidParameter,
  ec2MissingParameter,
  ec2NotFound,
} from '../errors.js';
import type { FilterFields } from '../filters.js';
import { newId } from '../ids.js';
import {
  attachmentIsLive,
  instanceState,
  interfaceIsLive,
  natIsGone,
  natState,
  newRecord,
} from '../lifecycle.js';
import type { InstanceRecord, RouteRecord, RouteTableRecord, Tags } from '../model.js';
import { requireRouteTable, requireSubnet, requireVpc } from './lookup.js';
import { tagList, tagsFromSpecifications } from './tags.js';
import { EC2_RESOURCE_TYPES } from './resource-types.js';

interface RouteInput {
  RouteTableId?: string;
  DestinationCidrBlock?: string;
  GatewayId?: string;
  NatGatewayId?: string;
  NetworkInterfaceId?: string;
}

export function insertRouteTable(
  ctx: SimContext,
  vpcId: string | undefined,
  tags: Tags,
  visibleAt: number,
): RouteTableRecord {
  const vpc = requireVpc(ctx, vpcId);
  const table: RouteTableRecord = {
    ...newRecord(ctx, 'rtb', visibleAt, tags),
    vpcId: vpc.id,
    routes: [{ destination: vpc.cidr, gatewayId: 'local', origin: 'CreateRouteTable' }],
    associations: [],
  };
  ctx.state.routeTables[table.id] = table;
  return table;
}

/** The instance an interface is attached to now, if any. */
function instanceBehind(ctx: SimContext, eniId: string): InstanceRecord | undefined {
  const eni = ctx.state.networkInterfaces[eniId];
  if (!eni || !interfaceIsLive(ctx, eni) || !attachmentIsLive(ctx, eni) || !eni.attachment) return undefined;
  return ctx.state.instances[eni.attachment.instanceId];
}

function routeIsActive(ctx: SimContext, table: RouteTableRecord, route: RouteRecord): boolean {
  if (route.networkInterfaceId !== undefined) {
    // AWS: a route to an interface whose instance is stopped (or gone) is a blackhole.
    const instance = instanceBehind(ctx, route.networkInterfaceId);
    const state = instance ? instanceState(instance, ctx.now) : 'terminated';
    return state === 'running' || state === 'pending';
  }
  if (route.natGatewayId !== undefined) {
    const nat = ctx.state.natGateways[route.natGatewayId];
    if (!nat || natIsGone(nat, ctx)) return false;
    const state = natState(nat, ctx.now);
    return state !== 'deleted' && state !== 'failed';
  }
  if (route.gatewayId !== undefined && route.gatewayId !== 'local') {
    return ctx.state.internetGateways[route.gatewayId]?.vpcId === table.vpcId;
  }
  return true;
}

function toRoute(ctx: SimContext, table: RouteTableRecord, route: RouteRecord): Route {
  return {
    DestinationCidrBlock: route.destination,
    ...(route.gatewayId !== undefined ? { GatewayId: route.gatewayId } : {}),
    ...(route.natGatewayId !== undefined ? { NatGatewayId: route.natGatewayId } : {}),
    ...(route.networkInterfaceId !== undefined
      ? {
          NetworkInterfaceId: route.networkInterfaceId,
          ...(instanceBehind(ctx, route.networkInterfaceId)
            ? {
                InstanceId: instanceBehind(ctx, route.networkInterfaceId)?.id,
                InstanceOwnerId: ctx.state.accountId,
              }
            : {}),
        }
      : {}),
    Origin: route.origin,
    State: routeIsActive(ctx, table, route) ? 'active' : 'blackhole',
  };
}

function toAssociations(table: RouteTableRecord): RouteTableAssociation[] {
  return table.associations.map((a) => ({
    Main: a.main,
    RouteTableAssociationId: a.id,
    RouteTableId: table.id,
    ...(a.subnetId !== null ? { SubnetId: a.subnetId } : {}),
    AssociationState: { State: 'associated' },
  }));
}

function toRouteTable(ctx: SimContext, table: RouteTableRecord): RouteTable {
  return {
    RouteTableId: table.id,
    VpcId: table.vpcId,
    OwnerId: ctx.state.accountId,
    Routes: [
      ...table.routes.map((r) => toRoute(ctx, table, r)),
      ...EC2_RESOURCE_TYPES.flatMap((type) => type.routes?.(ctx, table) ?? []),
    ],
    Associations: toAssociations(table),
    PropagatingVgws: [],
    Tags: tagList(table.tags),
  };
}

function routeTableFields(ctx: SimContext): FilterFields<RouteTableRecord> {
  return {
    'route-table-id': (t) => t.id,
    'vpc-id': (t) => t.vpcId,
    'association.subnet-id': (t) => t.associations.map((a) => a.subnetId),
    'association.main': (t) => t.associations.map((a) => a.main),
    'association.route-table-association-id': (t) => t.associations.map((a) => a.id),
    'association.route-table-id': (t) => (t.associations.length > 0 ? t.id : undefined),
    'route.destination-cidr-block': (t) => t.routes.map((r) => r.destination),
    'route.gateway-id': (t) => t.routes.map((r) => r.gatewayId),
    'route.nat-gateway-id': (t) => t.routes.map((r) => r.natGatewayId),
    'route.network-interface-id': (t) => t.routes.map((r) => r.networkInterfaceId),
    'route.origin': (t) => t.routes.map((r) => r.origin),
    'route.state': (t) => t.routes.map((r) => (routeIsActive(ctx, t, r) ? 'active' : 'blackhole')),
    'owner-id': () => ctx.state.accountId,
  };
}

/** The route's target, checked as CreateRoute and ReplaceRoute check it. */
function validateTarget(
  ctx: SimContext,
  table: RouteTableRecord,
  input: RouteInput,
): Pick<RouteRecord, 'gatewayId' | 'natGatewayId' | 'networkInterfaceId'> {
  const targets = [input.GatewayId, input.NatGatewayId, input.NetworkInterfaceId].filter(
    (t) => t !== undefined,
  );
  if (targets.length > 1) {
    throw ec2Error(
      Ec2ErrorCode.invalidParameterCombination,
      'Exactly one of gatewayId, natGatewayId or networkInterfaceId may be given for a route.',
    );
  }
  if (input.NetworkInterfaceId !== undefined) {
    const eni = ctx.state.networkInterfaces[input.NetworkInterfaceId];
    if (!eni || !interfaceIsLive(ctx, eni))
      throw ec2NotFound(Ec2ErrorCode.networkInterfaceNotFound, 'networkInterface', [
        input.NetworkInterfaceId,
      ]);
    if (eni.vpcId !== table.vpcId) {
      throw ec2InvalidParameter(
        `route table ${table.id} and interface ${eni.id} belong to different networks`,
      );
    }
    return { networkInterfaceId: eni.id };
  }
  if (input.GatewayId !== undefined) {
    if (!input.GatewayId.startsWith('igw-'))
      throw ec2InvalidParameter(`Invalid value '${input.GatewayId}' for gatewayId.`);
    const igw = ctx.state.internetGateways[input.GatewayId];
    if (!igw) throw ec2NotFound(Ec2ErrorCode.internetGatewayNotFound, 'internetGateway', [input.GatewayId]);
    if (igw.vpcId !== table.vpcId) {
      throw ec2InvalidParameter(
        `route table ${table.id} and network gateway ${igw.id} belong to different networks`,
      );
    }
    return { gatewayId: igw.id };
  }
  if (input.NatGatewayId !== undefined) {
    const nat = ctx.state.natGateways[input.NatGatewayId];
    const state = nat ? natState(nat, ctx.now) : 'deleted';
    if (!nat || state === 'deleted' || state === 'failed') {
      throw ec2NotFound(Ec2ErrorCode.natGatewayIdNotFound, 'natGateway', [input.NatGatewayId]);
    }
    if (nat.vpcId !== table.vpcId) {
      throw ec2InvalidParameter(
        `route table ${table.id} and network gateway ${nat.id} belong to different networks`,
      );
    }
    return { natGatewayId: nat.id };
  }
  throw ec2MissingParameter('gatewayId, natGatewayId, or another route target');
}

function validateDestination(
  ctx: SimContext,
  table: RouteTableRecord,
  destination: string | undefined,
): string {
  if (destination === undefined) throw ec2MissingParameter('destinationCidrBlock');
  const cidr = parseCidr(destination);
  if (!cidr)
    throw ec2InvalidParameter(
      `Value (${destination}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`,
    );
  const vpcCidr = parseCidr(requireVpc(ctx, table.vpcId).cidr);
  if (vpcCidr && cidrContains(vpcCidr, cidr)) {
    throw ec2InvalidParameter(
      `The destination CIDR block ${destination} is equal to or more specific than one of this VPC's CIDR blocks. This route can target only an interface or an instance.`,
    );
  }
  return destination;
}

export const routeTableOperations = {
  DescribeRouteTables: describeOperation({
    list: 'RouteTables',
    records: (ctx) => recordsOf(ctx.state.routeTables),
    ids: (input: { RouteTableIds?: string[] }) => input.RouteTableIds,
    fields: routeTableFields,
    notFound: (missing) => ec2NotFound(Ec2ErrorCode.routeTableNotFound, 'routeTable', missing),
    show: toRouteTable,
  }),

  CreateRouteTable(
    ctx: SimContext,
    input: { VpcId?: string; ClientToken?: string; TagSpecifications?: TagSpecification[] },
  ): object {
    validateClientToken(input.ClientToken);
    const params = requestParams(input);
    const earlier = resourceForToken(ctx, 'CreateRouteTable', input.ClientToken, params);
    const earlierTable = earlier === undefined ? undefined : ctx.state.routeTables[earlier];
    if (earlierTable) return { RouteTable: toRouteTable(ctx, earlierTable), ClientToken: input.ClientToken };
    const tags = tagsFromSpecifications(input.TagSpecifications, 'route-table');
    const table = insertRouteTable(ctx, input.VpcId, tags, ctx.now + ctx.timings.eventualConsistencyMs);
    rememberToken(ctx, 'CreateRouteTable', input.ClientToken, params, table.id);
    return {
      RouteTable: toRouteTable(ctx, table),
      ...(input.ClientToken !== undefined ? { ClientToken: input.ClientToken } : {}),
    };
  },

  DeleteRouteTable(ctx: SimContext, input: { RouteTableId?: string }): object {
    const table = requireRouteTable(ctx, input.RouteTableId);
    // The main table always has its main association, so it is never deletable by the user.
    if (table.associations.length > 0)
      throw ec2DependencyViolation(`The routeTable '${table.id}' has dependencies and cannot be deleted.`);
    delete ctx.state.routeTables[table.id];
    return {};
  },

  CreateRoute(ctx: SimContext, input: RouteInput): object {
    const table = requireRouteTable(ctx, input.RouteTableId);
    const destination = validateDestination(ctx, table, input.DestinationCidrBlock);
    const target = validateTarget(ctx, table, input);
    if (table.routes.some((r) => r.destination === destination)) {
      throw ec2Error(
        Ec2ErrorCode.routeAlreadyExists,
        `The route identified by ${destination} already exists.`,
      );
    }
    table.routes.push({ destination, ...target, origin: 'CreateRoute' });
    return { Return: true };
  },

  ReplaceRoute(ctx: SimContext, input: RouteInput): object {
    const table = requireRouteTable(ctx, input.RouteTableId);
    const destination = validateDestination(ctx, table, input.DestinationCidrBlock);
    const index = table.routes.findIndex((r) => r.destination === destination);
    if (index < 0) {
      throw ec2InvalidParameter(
        `There is no route defined for '${destination}' in the route table. Use CreateRoute instead.`,
      );
    }
    const target = validateTarget(ctx, table, input);
    table.routes[index] = { destination, ...target, origin: 'CreateRoute' };
    return {};
  },

  DeleteRoute(ctx: SimContext, input: { RouteTableId?: string; DestinationCidrBlock?: string }): object {
    const table = requireRouteTable(ctx, input.RouteTableId);
    const destination = input.DestinationCidrBlock ?? '';
    const route = table.routes.find((r) => r.destination === destination);
    if (!route) {
      throw ec2Error(
        Ec2ErrorCode.routeNotFound,
        `no route with destination-cidr-block ${destination} in route table ${table.id}`,
      );
    }
    if (route.gatewayId === 'local')
      throw ec2InvalidParameter(`cannot remove local route ${destination} in route table ${table.id}`);
    table.routes = table.routes.filter((r) => r !== route);
    return {};
  },

  AssociateRouteTable(ctx: SimContext, input: { RouteTableId?: string; SubnetId?: string }): object {
    const table = requireRouteTable(ctx, input.RouteTableId);
    const subnet = requireSubnet(ctx, input.SubnetId);
    if (subnet.vpcId !== table.vpcId)
      throw ec2InvalidParameter(
        `Route table ${table.id} and subnet ${subnet.id} belong to different networks`,
      );
    const current = recordsOf(ctx.state.routeTables).find((t) =>
      t.associations.some((a) => a.subnetId === subnet.id),
    );
    if (current) {
      throw ec2Error(
        Ec2ErrorCode.alreadyAssociated,
        `the specified association for route table ${current.id} conflicts with an existing association`,
      );
    }
    const association = { id: newId(ctx.state, 'rtbassoc'), subnetId: subnet.id, main: false };
    table.associations.push(association);
    return { AssociationId: association.id, AssociationState: { State: 'associated' } };
  },

  DisassociateRouteTable(ctx: SimContext, input: { AssociationId?: string }): object {
    const table = recordsOf(ctx.state.routeTables).find((t) =>
      t.associations.some((a) => a.id === input.AssociationId),
    );
    const association = table?.associations.find((a) => a.id === input.AssociationId);
    if (!table || !association)
      throw ec2NotFound(Ec2ErrorCode.associationNotFound, 'association', [String(input.AssociationId)]);
    if (association.main)
      throw ec2InvalidParameter(`cannot disassociate the main route table association ${association.id}`);
    table.associations = table.associations.filter((a) => a !== association);
    return {};
  },
};
