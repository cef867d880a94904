import type { Route, RouteTable } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import {
  clientToken,
  dropRecord,
  putRecord,
  recordIn,
  type StackContext,
  vpcIdOf,
} from '../model/context.js';
import { tagSpec } from '../model/tags.js';
import { findListed } from './find.js';
import { baseRecord, identityKey, type Kind, PLACEHOLDER, type RouteTarget } from '../model/kind.js';
import { NAT_MODE } from './nat-modes.js';
import { kindNamed } from './registry.js';
import { ROUTE_TABLES } from '../model/world.js';
import { idRef, type IacResource } from '../model/iac.js';

type Which = 'public' | 'private';
const ANYWHERE = '0.0.0.0/0';

export const publicRouteTableRecord = z.extend(baseRecord, {
  kind: z.literal('publicRouteTable'),
  associationIds: z.optional(z.array(z.string())),
});
export const privateRouteTableRecord = z.extend(baseRecord, {
  kind: z.literal('privateRouteTable'),
  associationIds: z.optional(z.array(z.string())),
});

// This kind's state records, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    publicRouteTable: z.infer<typeof publicRouteTableRecord>;
    privateRouteTable: z.infer<typeof privateRouteTableRecord>;
  }
}

/** Where 0.0.0.0/0 must point: the internet gateway (public), or the NAT the mode picks for the zone. */
function target(ctx: StackContext, which: Which, zone: string): RouteTarget & { label: string } {
  if (which === 'public') {
    const id = ctx.state.resources.internetGateway?.id ?? '';
    return { GatewayId: id, label: id };
  }
  const nat = NAT_MODE[ctx.state.shape.nat].target(ctx.state.shape.zones, zone);
  const id = ctx.state.resources[identityKey(nat)]?.id ?? '';
  return { ...kindNamed(nat.kind).routeTarget?.(id), label: id };
}

function defaultRoute(table: RouteTable | undefined): Route | undefined {
  return table?.Routes?.find((route) => route.DestinationCidrBlock === ANYWHERE);
}

function routeIsRight(ctx: StackContext, which: Which, zone: string, table: RouteTable | undefined): boolean {
  const route = defaultRoute(table);
  const want = target(ctx, which, zone);
  return (
    route !== undefined &&
    route.State !== 'blackhole' &&
    (['GatewayId', 'NatGatewayId', 'NetworkInterfaceId'] as const).every(
      (field) => want[field] === undefined || route[field] === want[field],
    )
  );
}

/**
 * A route table as code: the table, its route to 0.0.0.0/0 (to whatever it points at now), and its
 * subnet associations, each with the import id the AWS provider documents for it.
 */
function tableAsCode(id: string, table: RouteTable | undefined, tags: IacResource['tags']): IacResource[] {
  const vpcId = idRef(table?.VpcId ?? '');
  const route = defaultRoute(table);
  const targets = {
    gateway_id: route?.GatewayId,
    nat_gateway_id: route?.NatGatewayId,
    network_interface_id: route?.NetworkInterfaceId,
  };
  return [
    {
      id,
      part: '',
      tags,
      terraform: { type: 'aws_route_table', attributes: { vpc_id: vpcId }, importId: id },
      cloudformation: {
        type: 'AWS::EC2::RouteTable',
        properties: { VpcId: vpcId },
        identifier: { RouteTableId: id },
      },
    },
    ...(route
      ? [
          {
            id: `${id}_${ANYWHERE}`,
            part: 'route',
            terraform: {
              type: 'aws_route',
              attributes: {
                route_table_id: idRef(id),
                destination_cidr_block: ANYWHERE,
                ...Object.fromEntries(
                  Object.entries(targets).flatMap(([key, value]) => (value ? [[key, idRef(value)]] : [])),
                ),
              },
              importId: `${id}_${ANYWHERE}`,
            },
            cloudformation: {
              type: 'AWS::EC2::Route',
              properties: {
                RouteTableId: idRef(id),
                DestinationCidrBlock: ANYWHERE,
                GatewayId: route.GatewayId ? idRef(route.GatewayId) : undefined,
                NatGatewayId: route.NatGatewayId ? idRef(route.NatGatewayId) : undefined,
                NetworkInterfaceId: route.NetworkInterfaceId ? idRef(route.NetworkInterfaceId) : undefined,
              },
              identifier: { RouteTableId: id, CidrBlock: ANYWHERE },
            },
          } satisfies IacResource,
        ]
      : []),
    ...(table?.Associations ?? [])
      .filter((a) => a.SubnetId !== undefined && a.Main !== true)
      .map((a): IacResource => ({
        id: a.RouteTableAssociationId ?? `${a.SubnetId}/${id}`,
        part: 'association',
        terraform: {
          type: 'aws_route_table_association',
          attributes: { subnet_id: idRef(a.SubnetId ?? ''), route_table_id: idRef(id) },
          importId: `${a.SubnetId}/${id}`,
        },
        cloudformation: {
          type: 'AWS::EC2::SubnetRouteTableAssociation',
          properties: { SubnetId: idRef(a.SubnetId ?? ''), RouteTableId: idRef(id) },
          identifier: { Id: a.RouteTableAssociationId ?? '' },
        },
      })),
  ];
}

function routeTableKind(which: Which, article: number): Kind {
  const name = `${which}RouteTable` as const;
  const subnetKind = `${which}Subnet` as const;
  const role = `${which}-route-table`;
  const title = which === 'public' ? 'Public route table' : 'Private route table';
  const via = which === 'public' ? 'internet gateway' : 'NAT';
  const subnetOf = (ctx: StackContext, zone: string): string => recordIn(ctx, subnetKind, zone)?.id ?? '';
  const find = (ctx: StackContext, zone: string): RouteTable | undefined => {
    const listed = findListed(ctx, kind, zone);
    return listed ? ctx.world.routeTables.find((t) => t.RouteTableId === listed.id) : undefined;
  };
  const isAssociated = (ctx: StackContext, zone: string, table: RouteTable | undefined): boolean =>
    table?.Associations?.some((a) => a.SubnetId === subnetOf(ctx, zone)) ?? false;

  const kind: Kind = {
    name,
    role,
    part: ROUTE_TABLES,
    zonal: true,
    article,
    title,
    record: which === 'public' ? publicRouteTableRecord : privateRouteTableRecord,
    iam: {
      read: ['ec2:DescribeRouteTables'],
      create: [
        'ec2:CreateRouteTable',
        'ec2:CreateRoute',
        'ec2:ReplaceRoute',
        'ec2:AssociateRouteTable',
        'ec2:CreateTags',
      ],
      remove: ['ec2:DisassociateRouteTable', 'ec2:DeleteRouteTable'],
    },
    hourlyUsd: () => 0,

    iac(ctx, record, live) {
      const table = ctx.world.routeTables.find((t) => t.RouteTableId === record.id);
      return { owned: tableAsCode(record.id, table, live.tags) };
    },

    list: (world) =>
      world.routeTables.map((t) => ({
        id: t.RouteTableId ?? '',
        tags: t.Tags,
        // A table's zone is its subnet's.
        zone: world.subnets.find((s) => t.Associations?.some((a) => a.SubnetId === s.SubnetId))
          ?.AvailabilityZone,
        extra: {},
      })),

    plan(ctx, zone = '') {
      const table = find(ctx, zone);
      if (!table)
        return { action: 'create', detail: `${ANYWHERE} -> ${via}, for the ${which} subnet in ${zone}` };
      const complete = routeIsRight(ctx, which, zone, table) && isAssociated(ctx, zone, table);
      return { action: complete ? 'done' : 'repair', detail: `${table.RouteTableId ?? ''} (${zone})` };
    },

    async ensure(ctx, zone = '') {
      let table = find(ctx, zone);
      if (!table) {
        ctx.checkpoint();
        const created = await ctx.aws.ec2.CreateRouteTable({
          VpcId: vpcIdOf(ctx),
          // The subnet id changes with every new stack, so a token never names a table deleted earlier.
          ClientToken: clientToken(ctx, `${which}-rt`, vpcIdOf(ctx), subnetOf(ctx, zone)),
          TagSpecifications: tagSpec('route-table', role, ctx.name, zone),
        });
        table = created.RouteTable;
      }
      const id = table?.RouteTableId ?? '';
      const recorded = recordIn(ctx, name, zone);
      await putRecord(ctx, {
        kind: name,
        id,
        owned: true,
        zone,
        ...(recorded?.associationIds ? { associationIds: recorded.associationIds } : {}),
      });
      const { label, ...to } = target(ctx, which, zone);
      if (!routeIsRight(ctx, which, zone, table)) {
        ctx.checkpoint();
        const route = { RouteTableId: id, DestinationCidrBlock: ANYWHERE, ...to };
        if (defaultRoute(table)) {
          // A blackhole left by a deleted NAT, a NAT replaced by a change of mode, or a route changed by hand.
          await ctx.aws.ec2.ReplaceRoute(route);
        } else {
          try {
            await ctx.aws.ec2.CreateRoute(route);
          } catch (error) {
            if (awsErrorName(error) !== 'RouteAlreadyExists') throw error;
            await ctx.aws.ec2.ReplaceRoute(route);
          }
        }
      }
      if (!isAssociated(ctx, zone, table)) {
        ctx.checkpoint();
        const associated = await ctx.aws.ec2.AssociateRouteTable({
          RouteTableId: id,
          SubnetId: subnetOf(ctx, zone),
        });
        const ids = [
          ...(recorded?.associationIds ?? []),
          ...(associated.AssociationId ? [associated.AssociationId] : []),
        ];
        await putRecord(ctx, { kind: name, id, owned: true, zone, associationIds: ids });
      }
      return `${id} (${ANYWHERE} -> ${label}, ${zone})`;
    },

    check(ctx, zone = '') {
      const record = recordIn(ctx, name, zone);
      if (!record)
        return {
          ok: false,
          id: undefined,
          state: 'missing',
          problem: `no ${which} route table recorded in ${zone}; run fixed-ip setup`,
        };
      const table = ctx.world.routeTables.find((t) => t.RouteTableId === record.id);
      if (!table)
        return {
          ok: false,
          id: record.id,
          state: 'missing',
          problem: `${which} route table ${record.id} (${zone}) was deleted; run fixed-ip setup to repair`,
        };
      if (!routeIsRight(ctx, which, zone, table)) {
        const route = defaultRoute(table);
        const now = route
          ? route.State === 'blackhole'
            ? 'a blackhole'
            : (route.GatewayId ?? route.NatGatewayId ?? route.NetworkInterfaceId ?? 'elsewhere')
          : 'nowhere';
        return {
          ok: false,
          id: record.id,
          state: 'drifted',
          problem: `${ANYWHERE} in ${record.id} (${zone}) points to ${now}, not the ${via}; run fixed-ip setup to repair`,
        };
      }
      if (!isAssociated(ctx, zone, table)) {
        return {
          ok: false,
          id: record.id,
          state: 'drifted',
          problem: `${record.id} is no longer associated with the ${which} subnet in ${zone}; run fixed-ip setup to repair`,
        };
      }
      return { ok: true, id: record.id, state: 'active' };
    },

    async remove(ctx, zone) {
      const record = recordIn(ctx, name, zone);
      if (!record) return { outcome: 'gone', detail: '' };
      const table = ctx.world.routeTables.find((t) => t.RouteTableId === record.id);
      const ids = new Set([
        ...(table?.Associations ?? [])
          .filter((a) => !a.Main && a.RouteTableAssociationId)
          .map((a) => a.RouteTableAssociationId ?? ''),
        ...(record.associationIds ?? []),
      ]);
      for (const associationId of ids) {
        ctx.checkpoint();
        try {
          await ctx.aws.ec2.DisassociateRouteTable({ AssociationId: associationId });
        } catch (error) {
          if (awsErrorName(error) !== 'InvalidAssociationID.NotFound') throw error;
        }
      }
      ctx.checkpoint();
      let outcome: 'removed' | 'gone' = 'removed';
      try {
        await ctx.aws.ec2.DeleteRouteTable({ RouteTableId: record.id });
      } catch (error) {
        if (awsErrorName(error) !== 'InvalidRouteTableID.NotFound') throw error;
        outcome = 'gone';
      }
      await dropRecord(ctx, name, zone);
      return { outcome, detail: record.id };
    },

    dryRuns: (aws, stack, zone, targets) => [
      {
        action: 'ec2:CreateRouteTable',
        call: () =>
          aws.ec2.CreateRouteTable({
            DryRun: true,
            VpcId: targets.vpcId ?? `vpc-${PLACEHOLDER}`,
            TagSpecifications: tagSpec('route-table', role, stack, zone),
          }),
      },
      {
        action: 'ec2:CreateRoute',
        onOwnResource: true,
        call: () =>
          aws.ec2.CreateRoute({
            DryRun: true,
            RouteTableId: `rtb-${PLACEHOLDER}`,
            DestinationCidrBlock: ANYWHERE,
            GatewayId: `igw-${PLACEHOLDER}`,
          }),
      },
      {
        action: 'ec2:AssociateRouteTable',
        onOwnResource: true,
        call: () =>
          aws.ec2.AssociateRouteTable({
            DryRun: true,
            RouteTableId: `rtb-${PLACEHOLDER}`,
            SubnetId: `subnet-${PLACEHOLDER}`,
          }),
      },
    ],
  };
  return kind;
}

/** Step 3: 0.0.0.0/0 -> internet gateway, for each public subnet. */
export const publicRouteTable = routeTableKind('public', 3);
/** Step 6: 0.0.0.0/0 -> the NAT, for each private subnet. */
export const privateRouteTable = routeTableKind('private', 6);
