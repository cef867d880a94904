/**
 * Gateway VPC endpoints for S3 and DynamoDB (`--endpoints s3,dynamodb`): free, and the cure for
 * the NAT's per-GB charge on a function's same-region S3 and DynamoDB traffic, which then goes
 * through the endpoint instead of the NAT. One endpoint per service, on every private route table
 * of the stack. Everything of this kind is here: its setting, its recipe node, its part of the
 * world, its IAM statements; the engine and commands know nothing of it.
 *
 * What a careful user must hear before one is made: a request through a VPC endpoint carries no
 * public source IP, so a bucket or table policy that allowlists the NAT's IP (`aws:SourceIp`) stops
 * matching that traffic; such a policy should name the endpoint (`aws:SourceVpce`) or the VPC
 * (`aws:SourceVpc`) instead.
 */
import type { VpcEndpoint } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import { badOption } from '../errors.js';
import {
  clientToken,
  dropRecord,
  putRecord,
  recordIn,
  vpcIdOf,
  type StackContext,
} from '../model/context.js';
import { baseRecord, PLACEHOLDER, type Kind, type KindInput, type KindName } from '../model/kind.js';
import { BYTES_PER_BILLED_GB, HOURS_PER_MONTH } from '../model/pricing.js';
import { isOurs, tagSpec } from '../model/tags.js';
import { extraPart, type World } from '../model/world.js';
import type { ResourceRecord } from '../state/identity.js';
import type { Shape } from '../state/schema.js';
import { findListed, provenAs } from './find.js';
import { notRecorded } from './status.js';
import { idRef, type IacExport } from '../model/iac.js';

const SERVICES = ['s3', 'dynamodb'] as const;
/** What AWS calls an endpoint id it does not know. */
const NOT_FOUND = ['InvalidVpcEndpointId.NotFound', 'InvalidVpcEndpoint.NotFound'];
type Service = (typeof SERVICES)[number];

/** The account's gateway endpoints (in the stack's VPC, or carrying its tag). */
export const VPC_ENDPOINTS = extraPart<VpcEndpoint>({
  name: 'vpcEndpoints',
  idFilter: 'vpc-endpoint-id',
  describe: async (aws, filters) =>
    (await aws.ec2.DescribeVpcEndpoints(filters.length > 0 ? { Filters: filters } : {})).VpcEndpoints ?? [],
  idOf: (endpoint) => endpoint.VpcEndpointId,
});

const s3EndpointRecord = z.extend(baseRecord, { kind: z.literal('s3Endpoint') });
const dynamodbEndpointRecord = z.extend(baseRecord, { kind: z.literal('dynamodbEndpoint') });

// This kind's state records, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    s3Endpoint: z.infer<typeof s3EndpointRecord>;
    dynamodbEndpoint: z.infer<typeof dynamodbEndpointRecord>;
  }
}

const KIND_OF: Record<Service, Extract<KindName, 's3Endpoint' | 'dynamodbEndpoint'>> = {
  s3: 's3Endpoint',
  dynamodb: 'dynamodbEndpoint',
};
const TITLE: Record<Service, string> = { s3: 'S3', dynamodb: 'DynamoDB' };

/** The setting both kinds read: which gateway endpoints the stack has (none unless asked). */
const ENDPOINTS: KindInput = {
  key: 'endpoints',
  flag: '--endpoints <list>',
  description:
    'free gateway VPC endpoints on the private subnets: s3, dynamodb, s3,dynamodb or none (same-region traffic to them skips the NAT and its per-GB charge)',
  parse(text) {
    const words = text
      .split(',')
      .map((word) => word.trim().toLowerCase())
      .filter(Boolean);
    if (words.length === 1 && words[0] === 'none') return [];
    const wrong = words.filter((word) => !(SERVICES as readonly string[]).includes(word));
    if (words.length === 0 || wrong.length > 0)
      throw badOption(
        `--endpoints ${text}: ${wrong.length > 0 ? `${wrong.join(', ')} has no gateway endpoint` : 'names no service'}`,
        'use s3, dynamodb, s3,dynamodb or none',
      );
    return SERVICES.filter((service) => words.includes(service));
  },
  schema: z.array(z.enum(SERVICES)),
  widest: [...SERVICES],
  fromRecords(records: readonly ResourceRecord[]) {
    const found = SERVICES.filter((service) => records.some((r) => r.kind === KIND_OF[service]));
    return found.length > 0 ? found : undefined;
  },
};

const wanted = (shape: Shape, service: Service): boolean =>
  ((shape.inputs?.endpoints ?? []) as readonly string[]).includes(service);

const serviceName = (ctx: StackContext, service: Service): string =>
  `com.amazonaws.${ctx.aws.region}.${service}`;

const live = (endpoint: VpcEndpoint): boolean =>
  !['deleting', 'deleted', 'failed', 'rejected', 'expired'].includes((endpoint.State ?? '').toLowerCase());

/** This service's gateway endpoints in the world. */
function endpointsOf(world: World, service: Service): VpcEndpoint[] {
  return VPC_ENDPOINTS.get(world).filter(
    (e) => e.ServiceName?.endsWith(`.${service}`) === true && (e.VpcEndpointType ?? 'Gateway') === 'Gateway',
  );
}

/** The stack's private route tables for these zones, as far as they exist yet. */
function privateTables(ctx: StackContext, zones: readonly string[]): string[] {
  return zones
    .map((zone) => recordIn(ctx, 'privateRouteTable', zone)?.id)
    .filter((id): id is string => id !== undefined);
}

/** Another endpoint of the service (not the stack's) already routing some of these tables. */
function foreignOn(
  ctx: StackContext,
  kind: Kind,
  service: Service,
  tables: readonly string[],
): VpcEndpoint | undefined {
  const mine = findListed(ctx, kind, undefined)?.id;
  return endpointsOf(ctx.world, service).find(
    (e) =>
      live(e) &&
      e.VpcEndpointId !== mine &&
      !isOurs(e.Tags, ctx.name, kind.role) &&
      (e.RouteTableIds ?? []).some((id) => tables.includes(id)),
  );
}

const SOURCE_IP_WARNING =
  'requests through it carry no public source IP: a bucket or table policy that allowlists the NAT IP (aws:SourceIp) stops matching them; name the endpoint (aws:SourceVpce) or the VPC (aws:SourceVpc) there instead';

function gatewayEndpoint(service: Service): Kind {
  const name = KIND_OF[service];
  const role = `${service}-endpoint`;
  const title = `${TITLE[service]} gateway endpoint`;
  const kind: Kind = {
    name,
    part: VPC_ENDPOINTS,
    needs: [VPC_ENDPOINTS],
    role,
    zonal: false,
    article: 6,
    title,
    record: service === 's3' ? s3EndpointRecord : dynamodbEndpointRecord,
    inputs: [ENDPOINTS],
    iam: {
      read: ['ec2:DescribeVpcEndpoints'],
      create: ['ec2:CreateVpcEndpoint', 'ec2:CreateTags'],
      change: ['ec2:ModifyVpcEndpoint'],
      remove: ['ec2:DeleteVpcEndpoints'],
      scope: { ownType: 'vpc-endpoint', refersTo: ['vpc', 'route-table'] },
    },
    // Gateway endpoints are free: no hourly charge, no per-GB charge.
    hourlyUsd: () => 0,

    iac(ctx, record, listed): IacExport {
      const endpoint = endpointsOf(ctx.world, service).find((e) => e.VpcEndpointId === record.id);
      const ours = new Set(privateTables(ctx, ctx.state.shape.zones));
      const tables = (endpoint?.RouteTableIds ?? []).filter((id) => ours.has(id));
      if (!record.owned)
        // Yours, with the stack's private route tables added: only those associations are the stack's.
        return {
          reused: {
            id: record.id,
            title: `your ${title}`,
            terraform: { type: 'aws_vpc_endpoint', attributes: { id: record.id } },
            cloudformation: { parameterType: 'String' },
          },
          owned: tables.map((table) => ({
            id: `${record.id}/${table}`,
            part: `route-table-${table}`,
            terraform: {
              type: 'aws_vpc_endpoint_route_table_association',
              attributes: { vpc_endpoint_id: idRef(record.id), route_table_id: idRef(table) },
              importId: `${record.id}/${table}`,
            },
            // CloudFormation has no resource for one route table of an endpoint: it stays as it is.
          })),
          notes:
            tables.length > 0
              ? [
                  `${record.id} is your ${title}: fixed-ip added the stack's route tables ${tables.join(', ')} to it; they stay on it`,
                ]
              : [],
        };
      const vpcId = idRef(endpoint?.VpcId ?? '');
      const routeTables = (endpoint?.RouteTableIds ?? []).map(idRef);
      return {
        owned: [
          {
            id: record.id,
            part: '',
            tags: listed.tags,
            terraform: {
              type: 'aws_vpc_endpoint',
              attributes: {
                vpc_id: vpcId,
                service_name: endpoint?.ServiceName ?? serviceName(ctx, service),
                vpc_endpoint_type: 'Gateway',
                route_table_ids: routeTables,
              },
              importId: record.id,
            },
            cloudformation: {
              type: 'AWS::EC2::VPCEndpoint',
              properties: {
                VpcId: vpcId,
                ServiceName: endpoint?.ServiceName ?? serviceName(ctx, service),
                VpcEndpointType: 'Gateway',
                RouteTableIds: routeTables,
              },
              identifier: { Id: record.id },
            },
          },
        ],
      };
    },

    // The free cure for the NAT's per-GB charge on same-region traffic to this service, when some
    // private route table of the stack has no endpoint of it (the stack's or yours). Traffic is not
    // known by destination: the saving is at most the whole charge.
    saving(ctx, traffic) {
      // Asked for already (by this plan, or the stack): nothing more to save.
      if (wanted(ctx.state.shape, service)) return undefined;
      const tables = privateTables(ctx, ctx.state.shape.zones);
      const routed = endpointsOf(ctx.world, service)
        .filter(live)
        .flatMap((e) => e.RouteTableIds ?? []);
      if (tables.length > 0 && tables.every((id) => routed.includes(id))) return undefined;
      const usd = (traffic.chargedBytes / BYTES_PER_BILLED_GB) * traffic.perGbUsd;
      return {
        flag: ENDPOINTS.flag.split(' ')[0] ?? '--endpoints',
        value: service,
        upToUsd: usd,
        upToMonthlyUsd: traffic.days > 0 ? (usd / traffic.days) * (HOURS_PER_MONTH / 24) : 0,
        caveat: SOURCE_IP_WARNING,
      };
    },

    // After every private route table: the endpoint's routes go into them.
    nodes: (shape) =>
      wanted(shape, service)
        ? [{ id: { kind: name }, after: shape.zones.map((zone) => ({ kind: 'privateRouteTable', zone })) }]
        : [],

    list: (world) =>
      endpointsOf(world, service)
        .filter(live)
        .map((e) => ({ id: e.VpcEndpointId ?? '', tags: e.Tags, zone: undefined, extra: {} })),

    plan(ctx, _zone, targets) {
      const tables = privateTables(ctx, targets.shape.zones);
      const found = findListed(ctx, kind, undefined);
      const endpoint = endpointsOf(ctx.world, service).find((e) => e.VpcEndpointId === found?.id);
      if (found && endpoint) {
        // Zones whose private route table the endpoint does not route yet (or that has none yet).
        const off =
          targets.shape.zones.length -
          tables.filter((id) => (endpoint.RouteTableIds ?? []).includes(id)).length;
        return off > 0
          ? { action: 'repair', detail: `${found.id}: add ${off} private route table(s)` }
          : { action: 'done', detail: found.id };
      }
      const reusable = reusableForeign(ctx, tables, targets.shape.zones.length);
      if (reusable) return { action: 'reuse', detail: `${reusable} (already routes every private subnet)` };
      return {
        action: 'create',
        detail: `${title} on ${targets.shape.zones.length} private route table(s), free; ${SOURCE_IP_WARNING}`,
      };
    },

    async ensure(ctx, _zone, targets) {
      const tables = privateTables(ctx, targets.shape.zones);
      const found = findListed(ctx, kind, undefined);
      const endpoint = endpointsOf(ctx.world, service).find((e) => e.VpcEndpointId === found?.id);
      if (found && endpoint) {
        const routed = endpoint.RouteTableIds ?? [];
        const add = tables.filter((id) => !routed.includes(id));
        // Only route tables of this stack that the shape no longer has (a zone left) are taken off.
        const drop = routed.filter(
          (id) =>
            !tables.includes(id) &&
            ctx.world.routeTables.some(
              (t) => t.RouteTableId === id && provenAs(t.Tags, ctx.name, ['privateRouteTable']),
            ),
        );
        const owned = recordOwned(ctx, found.id);
        if (!owned) {
          // Yours, reused: fixed-ip never changes it.
          if (add.length > 0)
            throw badOption(
              `the ${title.toLowerCase()} ${found.id} the stack reuses (not fixed-ip's) does not route ${add.join(', ')}`,
              `add those route tables to it yourself, or leave ${service} out of --endpoints`,
            );
          await putRecord(ctx, { kind: name, id: found.id, owned });
          return `${found.id} (yours: reused, never deleted)`;
        }
        if (add.length > 0 || drop.length > 0) {
          ctx.checkpoint();
          await ctx.aws.ec2.ModifyVpcEndpoint({
            VpcEndpointId: found.id,
            ...(add.length > 0 ? { AddRouteTableIds: add } : {}),
            ...(drop.length > 0 ? { RemoveRouteTableIds: drop } : {}),
          });
        }
        await putRecord(ctx, { kind: name, id: found.id, owned });
        return `${found.id} (${tables.length} private route table(s))`;
      }
      const reusable = reusableForeign(ctx, tables, targets.shape.zones.length);
      if (reusable) {
        await putRecord(ctx, { kind: name, id: reusable, owned: false });
        return `${reusable} (yours, already on every private route table: reused, never deleted)`;
      }
      const blocking = foreignOn(ctx, kind, service, tables);
      if (blocking) throw badOption(blockerText(blocking, service), 'see fixed-ip plan');
      ctx.ui.notify({
        level: 'warn',
        code: 'setup.endpoint.source-ip',
        text: `${title}: ${SOURCE_IP_WARNING}`,
      });
      ctx.checkpoint();
      const created = await ctx.aws.ec2Create.CreateVpcEndpoint({
        VpcEndpointType: 'Gateway',
        VpcId: vpcIdOf(ctx),
        ServiceName: serviceName(ctx, service),
        RouteTableIds: tables,
        ClientToken: clientToken(ctx, role, vpcIdOf(ctx), ...tables),
        TagSpecifications: tagSpec('vpc-endpoint', role, ctx.name),
      });
      const id = created.VpcEndpoint?.VpcEndpointId ?? '';
      await putRecord(ctx, { kind: name, id, owned: true });
      return `${id} (${tables.length} private route table(s))`;
    },

    check(ctx) {
      const record = ctx.state.resources[name];
      if (!record) return notRecorded(title.toLowerCase());
      const endpoint = endpointsOf(ctx.world, service).find((e) => e.VpcEndpointId === record.id);
      if (!endpoint || !live(endpoint)) {
        // Listed only when the part was loaded: an empty list that was not asked for proves nothing.
        if (!ctx.world.loaded.has(VPC_ENDPOINTS.name)) return { ok: true, id: record.id, state: 'recorded' };
        return {
          ok: false,
          id: record.id,
          state: 'missing',
          problem: `${title.toLowerCase()} ${record.id} was deleted; run fixed-ip setup to recreate it`,
        };
      }
      const tables = privateTables(ctx, ctx.state.shape.zones);
      const off = tables.filter((id) => !(endpoint.RouteTableIds ?? []).includes(id));
      if (off.length > 0)
        return {
          ok: false,
          id: record.id,
          state: 'drifted',
          problem: `${record.id} no longer routes ${off.join(', ')}: that traffic to ${TITLE[service]} pays the NAT's per-GB charge; run fixed-ip setup to add them back`,
        };
      return { ok: true, id: record.id, state: (endpoint.State ?? 'available').toLowerCase() };
    },

    async remove(ctx) {
      const record = ctx.state.resources[name];
      if (!record) return { outcome: 'gone', detail: '' };
      ctx.checkpoint();
      // AWS names an unknown id in `Unsuccessful`; a NotFound error, or moto's silence, means the same.
      const out = await ctx.aws.ec2
        .DeleteVpcEndpoints({ VpcEndpointIds: [record.id] })
        .catch((error: unknown) => {
          if (!NOT_FOUND.includes(awsErrorName(error) ?? '')) throw error;
          return {
            Unsuccessful: [{ ResourceId: record.id, Error: { Code: awsErrorName(error), Message: '' } }],
          };
        });
      const failed = (out.Unsuccessful ?? []).find((item) => item.ResourceId === record.id);
      const code = failed?.Error?.Code;
      if (failed && !NOT_FOUND.includes(code ?? ''))
        throw Object.assign(new Error(failed.Error?.Message ?? `could not delete ${record.id}`), {
          name: code ?? 'DeleteVpcEndpointsFailed',
        });
      await dropRecord(ctx, name, undefined);
      return { outcome: failed ? 'gone' : 'removed', detail: record.id };
    },

    blockers(ctx, _zone, targets) {
      const tables = privateTables(ctx, targets.shape.zones);
      if (findListed(ctx, kind, undefined) || reusableForeign(ctx, tables, targets.shape.zones.length))
        return Promise.resolve([]);
      const blocking = foreignOn(ctx, kind, service, tables);
      return Promise.resolve(blocking ? [blockerText(blocking, service)] : []);
    },

    dryRuns: (aws, stack, _zone, targets) => [
      {
        action: 'ec2:CreateVpcEndpoint',
        call: () =>
          aws.ec2.CreateVpcEndpoint({
            DryRun: true,
            VpcEndpointType: 'Gateway',
            VpcId: targets.vpcId ?? `vpc-${PLACEHOLDER}`,
            ServiceName: `com.amazonaws.${aws.region}.${service}`,
            RouteTableIds: [`rtb-${PLACEHOLDER}`],
            TagSpecifications: tagSpec('vpc-endpoint', role, stack),
          }),
      },
    ],
  };

  /** Yours, of this service, already on every private route table of the stack: reused as it is. */
  function reusableForeign(ctx: StackContext, tables: readonly string[], zones: number): string | undefined {
    if (tables.length === 0 || tables.length < zones) return undefined;
    return endpointsOf(ctx.world, service).find(
      (e) =>
        live(e) &&
        !isOurs(e.Tags, ctx.name, role) &&
        tables.every((id) => (e.RouteTableIds ?? []).includes(id)),
    )?.VpcEndpointId;
  }

  /** A reused endpoint stays not owned; one fixed-ip made stays owned. */
  function recordOwned(ctx: StackContext, id: string): boolean {
    const record = ctx.state.resources[name];
    if (record?.id === id) return record.owned;
    const endpoint = endpointsOf(ctx.world, service).find((e) => e.VpcEndpointId === id);
    return isOurs(endpoint?.Tags, ctx.name, role);
  }

  return kind;
}

function blockerText(blocking: VpcEndpoint, service: Service): string {
  return `the ${TITLE[service]} gateway endpoint ${blocking.VpcEndpointId ?? ''} (not fixed-ip's) already routes some of the private route tables (${(blocking.RouteTableIds ?? []).join(', ')}), and a route table takes one endpoint per service: add the stack's other private route tables to it, or leave ${service} out of --endpoints`;
}

export const s3Endpoint = gatewayEndpoint('s3');
export const dynamodbEndpoint = gatewayEndpoint('dynamodb');
