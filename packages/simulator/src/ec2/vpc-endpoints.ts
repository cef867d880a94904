/**
 * Gateway VPC endpoints (S3, DynamoDB): free, regional, and wired into route tables as a route to
 * the service's prefix list. What AWS enforces and this models: the service must exist in the
 * region; each route table must be in the endpoint's VPC; a route table holds at most one route to
 * a prefix list (a second endpoint of the same service on it is RouteAlreadyExists); an unknown id
 * is NotFound for Describe and Modify, and an Unsuccessful item (not an error) for Delete. The
 * routes are shown in DescribeRouteTables (see `endpointRoutes`). Everything of the type is here
 * (`vpcEndpointType`, listed in resource-types.ts).
 */
import type { Route, TagSpecification, VpcEndpoint } from '@aws-sdk/client-ec2';
import type { SimContext } from '../context.js';
import { rememberToken, requestParams, resourceForToken, validateClientToken } from '../client-tokens.js';
import { describeOperation, recordsOf } from '../describe.js';
import { ec2Error, Ec2ErrorCode, ec2InvalidParameter, ec2MissingParameter, ec2NotFound } from '../errors.js';
import type { FilterFields } from '../filters.js';
import { newRecord } from '../lifecycle.js';
import type { ResourceRecord, RouteTableRecord } from '../model.js';
import { requireRouteTable, requireVpc } from './lookup.js';
import type { Ec2ResourceType } from './resource-type.js';
import { tagList, tagsFromSpecifications } from './tags.js';

export interface VpcEndpointRecord extends ResourceRecord {
  vpcId: string;
  serviceName: string;
  routeTableIds: string[];
}

// The account keeps its endpoints here (absent on accounts saved before endpoints were modeled).
declare module '../model.js' {
  interface AccountState {
    vpcEndpoints?: Record<string, VpcEndpointRecord>;
  }
}

/** The services with a gateway endpoint. */
const GATEWAY_SERVICES = ['s3', 'dynamodb'];

/** The service's prefix list in a region: stable for the account's region, as AWS's are. */
export function prefixListId(region: string, service: string): string {
  let hash = 0;
  for (const char of `${region}/${service}`) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `pl-${hash.toString(16).padStart(8, '0')}`;
}

/** The account's endpoints, to read (a read must not add the map: the simulator tells reads by an unchanged account). */
const endpointsOf = (ctx: SimContext): Readonly<Record<string, VpcEndpointRecord>> =>
  ctx.state.vpcEndpoints ?? {};
/** The account's endpoints, to change. */
const writableEndpoints = (ctx: SimContext): Record<string, VpcEndpointRecord> =>
  (ctx.state.vpcEndpoints ??= {});

const serviceOf = (ctx: SimContext, name: string): string | undefined => {
  const prefix = `com.amazonaws.${ctx.state.region}.`;
  const service = name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
  return service !== undefined && GATEWAY_SERVICES.includes(service) ? service : undefined;
};

/** The routes the endpoints put in a route table (DescribeRouteTables shows them). */
function endpointRoutes(ctx: SimContext, table: RouteTableRecord): Route[] {
  return recordsOf(ctx.state.vpcEndpoints ?? {})
    .filter((endpoint) => endpoint.routeTableIds.includes(table.id))
    .map((endpoint) => ({
      DestinationPrefixListId: prefixListId(ctx.state.region, serviceOf(ctx, endpoint.serviceName) ?? ''),
      GatewayId: endpoint.id,
      Origin: 'CreateRoute',
      State: 'active',
    }));
}

/** Route tables an endpoint may be added to: in its VPC, with no route to the service yet. */
function checkRouteTables(ctx: SimContext, endpoint: VpcEndpointRecord, ids: readonly string[]): void {
  for (const id of ids) {
    const table = requireRouteTable(ctx, id);
    if (table.vpcId !== endpoint.vpcId)
      throw ec2InvalidParameter(`route table ${id} is not in the endpoint's VPC ${endpoint.vpcId}`);
    const other = recordsOf(endpointsOf(ctx)).find(
      (e) => e.id !== endpoint.id && e.serviceName === endpoint.serviceName && e.routeTableIds.includes(id),
    );
    if (other)
      throw ec2Error(
        Ec2ErrorCode.routeAlreadyExists,
        `route table ${id} already has a route with destination-prefix-list-id ${prefixListId(ctx.state.region, serviceOf(ctx, endpoint.serviceName) ?? '')}`,
      );
  }
}

function toEndpoint(ctx: SimContext, endpoint: VpcEndpointRecord): VpcEndpoint {
  return {
    VpcEndpointId: endpoint.id,
    VpcEndpointType: 'Gateway',
    VpcId: endpoint.vpcId,
    ServiceName: endpoint.serviceName,
    // The API answers in lower case (the SDK's enum says 'Available'); moto does too.
    State: 'available' as VpcEndpoint['State'],
    RouteTableIds: [...endpoint.routeTableIds],
    PolicyDocument: JSON.stringify({
      Version: '2008-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
    }),
    OwnerId: ctx.state.accountId,
    CreationTimestamp: new Date(endpoint.createdAt),
    Tags: tagList(endpoint.tags),
  };
}

const fields: FilterFields<VpcEndpointRecord> = {
  'vpc-endpoint-id': (e) => e.id,
  'vpc-id': (e) => e.vpcId,
  'service-name': (e) => e.serviceName,
  'vpc-endpoint-state': () => 'available',
  'vpc-endpoint-type': () => 'Gateway',
};

const notFound = (ids: readonly string[]): Error =>
  ec2NotFound(Ec2ErrorCode.vpcEndpointNotFound, 'VpcEndpoint', ids);

interface CreateInput {
  VpcId?: string;
  ServiceName?: string;
  VpcEndpointType?: string;
  RouteTableIds?: string[];
  ClientToken?: string;
  TagSpecifications?: TagSpecification[];
}

const vpcEndpointOperations = {
  DescribeVpcEndpoints: describeOperation({
    list: 'VpcEndpoints',
    records: (ctx) => recordsOf(endpointsOf(ctx)),
    ids: (input: { VpcEndpointIds?: string[] }) => input.VpcEndpointIds,
    fields: () => fields,
    notFound,
    show: toEndpoint,
  }),

  CreateVpcEndpoint(ctx: SimContext, input: CreateInput): object {
    validateClientToken(input.ClientToken);
    if (input.VpcId === undefined) throw ec2MissingParameter('VpcId');
    if (input.ServiceName === undefined) throw ec2MissingParameter('ServiceName');
    const params = requestParams(input as Record<string, unknown>);
    const earlier = resourceForToken(ctx, 'CreateVpcEndpoint', input.ClientToken, params);
    const earlierEndpoint = earlier === undefined ? undefined : endpointsOf(ctx)[earlier];
    if (earlierEndpoint)
      return { VpcEndpoint: toEndpoint(ctx, earlierEndpoint), ClientToken: input.ClientToken };
    const vpc = requireVpc(ctx, input.VpcId);
    if (input.VpcEndpointType !== 'Gateway')
      throw ec2InvalidParameter('only Gateway endpoints are modeled (VpcEndpointType Gateway)');
    if (serviceOf(ctx, input.ServiceName) === undefined)
      throw ec2Error(
        Ec2ErrorCode.invalidServiceName,
        `The Vpc Endpoint Service '${input.ServiceName}' does not exist`,
      );
    const tags = tagsFromSpecifications(input.TagSpecifications, 'vpc-endpoint');
    const endpoint: VpcEndpointRecord = {
      ...newRecord(ctx, 'vpce', ctx.now + ctx.timings.eventualConsistencyMs, tags),
      vpcId: vpc.id,
      serviceName: input.ServiceName,
      routeTableIds: [],
    };
    const tables = [...new Set(input.RouteTableIds ?? [])];
    checkRouteTables(ctx, endpoint, tables);
    endpoint.routeTableIds = tables;
    writableEndpoints(ctx)[endpoint.id] = endpoint;
    rememberToken(ctx, 'CreateVpcEndpoint', input.ClientToken, params, endpoint.id);
    return {
      VpcEndpoint: toEndpoint(ctx, endpoint),
      ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
    };
  },

  ModifyVpcEndpoint(
    ctx: SimContext,
    input: { VpcEndpointId?: string; AddRouteTableIds?: string[]; RemoveRouteTableIds?: string[] },
  ): object {
    const endpoint = endpointsOf(ctx)[input.VpcEndpointId ?? ''];
    if (!endpoint) throw notFound([input.VpcEndpointId ?? '']);
    const adding = (input.AddRouteTableIds ?? []).filter((id) => !endpoint.routeTableIds.includes(id));
    checkRouteTables(ctx, endpoint, adding);
    const removing = new Set(input.RemoveRouteTableIds ?? []);
    endpoint.routeTableIds = [...endpoint.routeTableIds.filter((id) => !removing.has(id)), ...adding];
    return { Return: true };
  },

  DeleteVpcEndpoints(ctx: SimContext, input: { VpcEndpointIds?: string[] }): object {
    if (!input.VpcEndpointIds?.length) throw ec2MissingParameter('VpcEndpointId');
    const Unsuccessful = [];
    for (const id of input.VpcEndpointIds) {
      if (endpointsOf(ctx)[id]) delete writableEndpoints(ctx)[id];
      else
        Unsuccessful.push({
          ResourceId: id,
          Error: {
            Code: Ec2ErrorCode.vpcEndpointNotFound,
            Message: `The VpcEndpoint ID '${id}' does not exist`,
          },
        });
    }
    return { Unsuccessful };
  },
};

/** The endpoint as a resource type: its operations, authorization, tags, routes and snapshot. */
export const vpcEndpointType: Ec2ResourceType = {
  prefix: 'vpce',
  arnType: 'vpc-endpoint',
  operations: vpcEndpointOperations,
  tags: (state, id) => state.vpcEndpoints?.[id]?.tags,
  taggable: (state, id) => state.vpcEndpoints?.[id],
  authorize: {
    CreateVpcEndpoint: (input, auth) => [
      ...auth.creating('vpc-endpoint', input.TagSpecifications),
      ...auth.own(input.VpcId),
      ...strings(input.RouteTableIds).flatMap(auth.own),
    ],
    ModifyVpcEndpoint: (input, auth) => [
      ...auth.own(input.VpcEndpointId),
      ...strings(input.AddRouteTableIds).flatMap(auth.own),
      ...strings(input.RemoveRouteTableIds).flatMap(auth.own),
    ],
    DeleteVpcEndpoints: (input, auth) => strings(input.VpcEndpointIds).flatMap(auth.own),
  },
  routes: endpointRoutes,
  snapshot(ctx) {
    const all = recordsOf(ctx.state.vpcEndpoints ?? {});
    if (all.length === 0) return {};
    return {
      vpcEndpoints: all
        .map((e) => ({
          id: e.id,
          vpcId: e.vpcId,
          serviceName: e.serviceName,
          routeTableIds: [...e.routeTableIds].sort(),
          tags: Object.fromEntries(Object.entries(e.tags).sort(([a], [b]) => a.localeCompare(b))),
        }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    };
  },
};

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
