import { type RouteTable } from '@aws-sdk/client-ec2';
import { awsErrorName } from '../aws/errors.js';
import { clientToken, type StackContext, vpcIdOf } from '../core/context.js';
import { isOurs, tagSpec } from '../core/tags.js';
import { notRecorded, type Step, type StepKey } from './step.js';

type Which = 'public' | 'private';
const ANYWHERE = '0.0.0.0/0';

function findTable(ctx: StackContext, which: Which): RouteTable | undefined {
  const recorded = ctx.state[`${which}RouteTable`]?.id;
  return ctx.live.routeTables.find(
    (table) => table.RouteTableId === recorded || isOurs(table.Tags, ctx.name, `${which}-route-table`),
  );
}

/** Where 0.0.0.0/0 must point: the internet gateway (public) or the NAT gateway (private). */
function target(ctx: StackContext, which: Which): { GatewayId?: string; NatGatewayId?: string } {
  return which === 'public'
    ? { GatewayId: ctx.state.internetGateway?.id ?? '' }
    : { NatGatewayId: ctx.state.natGateway?.id ?? '' };
}

function defaultRoute(table: RouteTable | undefined) {
  return table?.Routes?.find((route) => route.DestinationCidrBlock === ANYWHERE);
}

function routeIsRight(ctx: StackContext, which: Which, table: RouteTable | undefined): boolean {
  const route = defaultRoute(table);
  const want = target(ctx, which);
  return (
    route !== undefined &&
    route.State !== 'blackhole' &&
    (which === 'public' ? route.GatewayId === want.GatewayId : route.NatGatewayId === want.NatGatewayId)
  );
}

function subnetId(ctx: StackContext, which: Which): string {
  return ctx.state[`${which}Subnet`]?.id ?? '';
}

function isAssociated(ctx: StackContext, which: Which, table: RouteTable | undefined): boolean {
  return table?.Associations?.some((a) => a.SubnetId === subnetId(ctx, which)) ?? false;
}

function routeTableStep(which: Which, article: number, after: StepKey[], removeAfter: StepKey[]): Step {
  const key = `${which}RouteTable` as const;
  const role = `${which}-route-table` as const;
  const title = which === 'public' ? 'Public route table' : 'Private route table';
  const via = which === 'public' ? 'internet gateway' : 'NAT gateway';

  return {
    key,
    article,
    title,
    after,
    removeAfter,

    plan(ctx) {
      const table = findTable(ctx, which);
      if (!table) return { action: 'create', detail: `${ANYWHERE} -> ${via}, for the ${which} subnet` };
      const complete = routeIsRight(ctx, which, table) && isAssociated(ctx, which, table);
      return { action: complete ? 'done' : 'repair', detail: table.RouteTableId ?? '' };
    },

    async ensure(ctx) {
      let table = findTable(ctx, which);
      if (!table) {
        ctx.checkpoint();
        const created = await ctx.aws.ec2.CreateRouteTable({
          VpcId: vpcIdOf(ctx),
          // The subnet id changes with every new stack, so a token never names a table deleted earlier.
          ClientToken: clientToken(ctx, `${which}-rt`, vpcIdOf(ctx), subnetId(ctx, which)),
          TagSpecifications: tagSpec('route-table', role, ctx.name),
        });
        table = created.RouteTable;
      }
      const id = table?.RouteTableId ?? '';
      if (ctx.state[key]?.id !== id) {
        ctx.state[key] = { id, owned: true };
        await ctx.save();
      }
      if (!routeIsRight(ctx, which, table)) {
        ctx.checkpoint();
        const route = { RouteTableId: id, DestinationCidrBlock: ANYWHERE, ...target(ctx, which) };
        if (defaultRoute(table)) {
          // A blackhole left by a deleted NAT gateway, or a route changed by hand, in our own table.
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
      if (!isAssociated(ctx, which, table)) {
        ctx.checkpoint();
        const associated = await ctx.aws.ec2.AssociateRouteTable({
          RouteTableId: id,
          SubnetId: subnetId(ctx, which),
        });
        ctx.state[key] = {
          id,
          owned: true,
          ...(associated.AssociationId ? { associationId: associated.AssociationId } : {}),
        };
        await ctx.save();
      }
      const to = which === 'public' ? ctx.state.internetGateway?.id : ctx.state.natGateway?.id;
      return `${id} (${ANYWHERE} -> ${to})`;
    },

    check(ctx) {
      const record = ctx.state[key];
      if (!record) return notRecorded(`${which} route table`);
      const table = ctx.live.routeTables.find((t) => t.RouteTableId === record.id);
      if (!table)
        return {
          ok: false,
          id: record.id,
          state: 'missing',
          problem: `${which} route table ${record.id} was deleted; run fixed-ip setup to repair`,
        };
      if (!routeIsRight(ctx, which, table)) {
        const route = defaultRoute(table);
        const now = route
          ? `${route.State === 'blackhole' ? 'a blackhole' : (route.GatewayId ?? route.NatGatewayId ?? 'elsewhere')}`
          : 'nowhere';
        return {
          ok: false,
          id: record.id,
          state: 'drifted',
          problem: `${ANYWHERE} in ${record.id} points to ${now}, not the ${via}; run fixed-ip setup to repair`,
        };
      }
      if (!isAssociated(ctx, which, table)) {
        return {
          ok: false,
          id: record.id,
          state: 'drifted',
          problem: `${record.id} is no longer associated with the ${which} subnet; run fixed-ip setup to repair`,
        };
      }
      return { ok: true, id: record.id, state: 'active' };
    },

    async remove(ctx) {
      const record = ctx.state[key];
      if (!record) return { outcome: 'gone', detail: '' };
      const table = ctx.live.routeTables.find((t) => t.RouteTableId === record.id);
      const associations = table?.Associations?.filter((a) => !a.Main && a.RouteTableAssociationId) ?? [];
      const ids = new Set([
        ...associations.map((a) => a.RouteTableAssociationId ?? ''),
        ...(record.associationId ? [record.associationId] : []),
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
      delete ctx.state[key];
      await ctx.save();
      return { outcome, detail: record.id };
    },
  };
}

/** Step 3. */
export const publicRouteTable = routeTableStep(
  'public',
  3,
  ['internetGateway', 'publicSubnet'],
  ['natGateway'],
);
/** Step 6. */
export const privateRouteTable = routeTableStep('private', 6, ['natGateway', 'privateSubnet'], ['functions']);
