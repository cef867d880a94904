import type { NatGateway } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { awsErrorName } from '../aws/errors.js';
import { clientToken, dropRecord, putRecord, recordIn, type StackContext, vpcIdOf } from '../core/context.js';
import { natHourlyUsd } from '../core/pricing.js';
import { isOurs, tagSpec } from '../core/tags.js';
import { activeNat, zoneOfSubnet } from '../core/world.js';
import { NAT_POLL, pollUntil } from '../core/wait.js';
import { AbortError, FixedIpError } from '../errors.js';
import { findListed } from './find.js';
import { baseRecord, type Kind, type KindName, PLACEHOLDER } from './kind.js';
import { sweepUnrecorded } from './orphans.js';

/** NAT gateways take 1-5 minutes; give AWS a generous bound before calling it stuck. */
const NAT_TIMEOUT_MS = 15 * 60_000;

export const natGatewayRecord = baseRecord.extend({ kind: z.literal('natGateway') });
export const regionalNatGatewayRecord = baseRecord.extend({ kind: z.literal('regionalNatGateway') });

type NatKindName = Extract<KindName, 'natGateway' | 'regionalNatGateway'>;

function live(ctx: StackContext, kind: Kind, zone: string | undefined): NatGateway | undefined {
  const listed = findListed(ctx, kind, zone);
  return listed ? ctx.world.natGateways.find((n) => n.NatGatewayId === listed.id) : undefined;
}

/** What zonal and regional NAT gateways share: finding, waiting, checking, deleting. */
function natKind(options: {
  name: NatKindName;
  role: string;
  zonal: boolean;
  title: string;
  record: typeof natGatewayRecord | typeof regionalNatGatewayRecord;
  hourlyUsd: Kind['hourlyUsd'];
  /** What the new gateway is made of, for the plan line. */
  describe: (ctx: StackContext, zone: string | undefined) => string;
  /** The CreateNatGateway input besides the token and tags. */
  create: (
    ctx: StackContext,
    zone: string | undefined,
  ) => Record<string, unknown> & { ClientTokenParts: string[] };
  /** Repairs what can change on a live gateway (a regional gateway's addresses). */
  converge?: (ctx: StackContext, nat: NatGateway) => Promise<void>;
  /** Extra checks on an available gateway. */
  checkLive?: (ctx: StackContext, nat: NatGateway) => string | undefined;
  dryRun: Kind['dryRuns'];
}): Kind {
  const { name, role } = options;
  const kind: Kind = {
    name,
    role,
    zonal: options.zonal,
    article: 5,
    title: options.title,
    record: options.record,
    iam: {
      read: ['ec2:DescribeNatGateways'],
      create: [
        'ec2:CreateNatGateway',
        'ec2:CreateTags',
        'ec2:AssociateNatGatewayAddress',
        'ec2:DisassociateNatGatewayAddress',
      ],
      remove: ['ec2:DeleteNatGateway'],
    },
    removeAfter: ['functions'],
    hourlyUsd: options.hourlyUsd,
    routeTarget: (id) => ({ NatGatewayId: id }),

    list: (world) =>
      world.natGateways
        .filter((n) => activeNat(n) || n.State === 'deleting')
        .map((n) => ({
          id: n.NatGatewayId ?? '',
          tags: n.Tags,
          zone: n.SubnetId ? zoneOfSubnet(world, n.SubnetId) : undefined,
          extra: {},
        })),

    plan(ctx, zone) {
      const found = live(ctx, kind, zone);
      if (found && activeNat(found))
        return { action: 'done', detail: `${found.NatGatewayId} (${found.State})` };
      return { action: 'create', detail: `${options.describe(ctx, zone)} (billed hourly)` };
    },

    async ensure(ctx, zone, targets) {
      let nat = live(ctx, kind, zone);
      if (nat && !activeNat(nat)) nat = undefined;
      if (!nat) {
        const { ClientTokenParts, ...input } = options.create(ctx, zone);
        // Failed or deleted gateways of ours stay visible for an hour; counting them gives a fresh
        // token after a failure, while a retry after a lost response reuses the same one.
        const earlier = ctx.world.natGateways.filter((n) => isOurs(n.Tags, ctx.name, role, zone)).length;
        ctx.checkpoint();
        const created = await ctx.aws.ec2.CreateNatGateway({
          ...input,
          ClientToken: clientToken(
            ctx,
            name === 'natGateway' ? 'nat' : 'rnat',
            ...ClientTokenParts,
            String(earlier),
          ),
          TagSpecifications: tagSpec('natgateway', role, ctx.name, zone),
        });
        nat = created.NatGateway;
      }
      const id = nat?.NatGatewayId ?? '';
      await putRecord(ctx, { kind: name, id, owned: true, ...(zone ? { zone } : {}) });
      if (nat?.State !== 'available') {
        nat = await waitAvailable(ctx, kind, zone, id);
        // Only an earlier, interrupted run can have left duplicates; the wait gave AWS time to list them.
        if (targets.resumed) await sweepUnrecorded(ctx);
      }
      if (nat && options.converge) await options.converge(ctx, nat);
      return `${id}${zone ? ` (${zone})` : ''}`;
    },

    check(ctx, zone) {
      const record = recordIn(ctx, name, zone);
      if (!record)
        return {
          ok: false,
          id: undefined,
          state: 'missing',
          problem: `no ${options.title} recorded${zone ? ` in ${zone}` : ''}; run fixed-ip setup`,
        };
      const nat = ctx.world.natGateways.find((n) => n.NatGatewayId === record.id);
      const state = nat?.State ?? 'missing';
      if (state === 'available') {
        const problem = nat && options.checkLive?.(ctx, nat);
        return problem
          ? { ok: false, id: record.id, state: 'drifted', problem }
          : { ok: true, id: record.id, state };
      }
      const why = nat?.FailureCode ? ` (${nat.FailureCode}: ${nat.FailureMessage ?? ''})` : '';
      return {
        ok: false,
        id: record.id,
        state,
        problem:
          state === 'pending'
            ? `NAT gateway ${record.id} is still pending; check again in a minute`
            : `NAT gateway ${record.id} is ${state}${why}; run fixed-ip setup to replace it`,
      };
    },

    async remove(ctx, zone) {
      const record = recordIn(ctx, name, zone);
      if (!record) return { outcome: 'gone', detail: '' };
      ctx.checkpoint();
      let outcome: 'removed' | 'gone' = 'removed';
      try {
        await ctx.aws.ec2.DeleteNatGateway({ NatGatewayId: record.id });
      } catch (error) {
        if (!['NatGatewayNotFound', 'InvalidNatGatewayID.NotFound'].includes(awsErrorName(error) ?? ''))
          throw error;
        outcome = 'gone';
      }
      if (outcome === 'removed') await waitDeleted(ctx, record.id);
      await dropRecord(ctx, name, zone);
      return { outcome, detail: record.id };
    },

    dryRuns: options.dryRun,
  };
  return kind;
}

async function describe(ctx: StackContext, id: string): Promise<NatGateway | undefined> {
  const out = await ctx.aws.ec2.DescribeNatGateways({ Filter: [{ Name: 'nat-gateway-id', Values: [id] }] });
  return out.NatGateways?.[0];
}

async function waitDeleted(ctx: StackContext, id: string): Promise<void> {
  const progress = ctx.ui.progress('teardown.nat', `Deleting NAT gateway ${id}`);
  await pollUntil(
    async () => {
      const nat = await describe(ctx, id);
      progress.update(`Deleting NAT gateway ${id}: AWS says ${nat?.State ?? 'gone'}`);
      return nat === undefined || nat.State === 'deleted' ? true : undefined;
    },
    {
      clock: ctx.clock,
      signal: ctx.signal,
      delays: NAT_POLL,
      timeoutMs: NAT_TIMEOUT_MS,
      onTimeout: () =>
        new FixedIpError('WAIT_EXPIRED', `NAT gateway ${id} is still deleting after 15 minutes`, {
          hint: 'run fixed-ip teardown again later',
        }),
    },
  ).catch((error: unknown) => {
    progress.fail(`NAT gateway ${id} did not finish deleting`);
    throw error;
  });
  progress.succeed(`NAT gateway ${id} deleted: its hourly charge has stopped`);
}

async function waitAvailable(
  ctx: StackContext,
  kind: Kind,
  zone: string | undefined,
  id: string,
): Promise<NatGateway> {
  const progress = ctx.ui.progress(
    'setup.nat.wait',
    `Waiting for NAT gateway ${id} to become available (AWS takes 1-5 minutes; it is billed by the hour from now)`,
  );
  let nat: NatGateway;
  try {
    nat = await pollUntil(
      async () => {
        const current = await describe(ctx, id);
        progress.update(
          `Waiting for NAT gateway ${id} to become available: AWS says ${current?.State ?? 'not visible yet'}`,
        );
        return current && current.State !== 'pending' ? current : undefined;
      },
      {
        clock: ctx.clock,
        signal: ctx.signal,
        delays: NAT_POLL,
        timeoutMs: NAT_TIMEOUT_MS,
        onTimeout: () =>
          new FixedIpError('NAT_TIMEOUT', `NAT gateway ${id} is still pending after 15 minutes`, {
            hint: 'run fixed-ip setup again to keep waiting',
          }),
      },
    );
  } catch (error) {
    if (error instanceof AbortError)
      progress.warn(
        `Stopped waiting for NAT gateway ${id}; it keeps coming up in AWS and is billed by the hour until you resume or tear down`,
      );
    else progress.fail(`NAT gateway ${id} is not available yet`);
    throw error;
  }
  if (nat.State === 'available') {
    progress.succeed(`NAT gateway ${id} is available`);
    return nat;
  }
  progress.fail(`NAT gateway ${id} ${nat.State ?? 'failed'}`);
  // Clean up so the next run starts a fresh gateway; the failed one would vanish in an hour anyway.
  if (nat.State === 'failed') await ctx.aws.ec2.DeleteNatGateway({ NatGatewayId: id }).catch(() => undefined);
  await dropRecord(ctx, kind.name, zone);
  throw new FixedIpError(
    'NAT_FAILED',
    `NAT gateway ${id} failed: ${nat.FailureCode ?? 'unknown'}: ${nat.FailureMessage ?? 'no message from AWS'}`,
    {
      hint:
        nat.FailureCode === 'InsufficientFreeAddressesInSubnet'
          ? `free addresses in subnet ${nat.SubnetId ?? ''}, then run fixed-ip setup again`
          : 'run fixed-ip setup again to retry (what was made is kept and reused)',
    },
  );
}

const subnetOf = (ctx: StackContext, zone: string | undefined): string =>
  recordIn(ctx, 'publicSubnet', zone)?.id ?? '';
const allocationOf = (ctx: StackContext, zone: string | undefined): string =>
  recordIn(ctx, 'elasticIp', zone)?.id ?? '';

/** Step 5: a zonal NAT gateway in a public subnet, holding that zone's Elastic IP. */
export const natGateway = natKind({
  name: 'natGateway',
  role: 'nat-gateway',
  zonal: true,
  title: 'NAT gateway',
  record: natGatewayRecord,
  hourlyUsd: (region) => natHourlyUsd(region),
  describe: (_ctx, zone) => `new NAT gateway in the public subnet in ${zone ?? ''} with its Elastic IP`,
  create: (ctx, zone) => ({
    SubnetId: subnetOf(ctx, zone),
    AllocationId: allocationOf(ctx, zone),
    ConnectivityType: 'public',
    ClientTokenParts: [subnetOf(ctx, zone), allocationOf(ctx, zone)],
  }),
  checkLive: (ctx, nat) => {
    const eip = recordIn(ctx, 'elasticIp', zoneOfSubnet(ctx.world, nat.SubnetId) ?? ctx.state.shape.zones[0]);
    if (eip && !nat.NatGatewayAddresses?.some((a) => a.AllocationId === eip.id))
      return `NAT gateway ${nat.NatGatewayId} no longer uses ${eip.publicIp}; run fixed-ip teardown --keep-eip, then setup`;
    return undefined;
  },
  dryRun: (aws, stack, zone) => [
    {
      action: 'ec2:CreateNatGateway',
      call: () =>
        aws.ec2.CreateNatGateway({
          DryRun: true,
          SubnetId: `subnet-${PLACEHOLDER}`,
          AllocationId: `eipalloc-${PLACEHOLDER}`,
          TagSpecifications: tagSpec('natgateway', 'nat-gateway', stack, zone),
        }),
    },
  ],
});

/**
 * Step 5, regional mode: one regional NAT gateway for the whole VPC (no public subnet), in manual
 * address mode with the stack's own Elastic IP in every zone, so the outbound set is stable.
 */
export const regionalNatGateway = natKind({
  name: 'regionalNatGateway',
  role: 'regional-nat-gateway',
  zonal: false,
  title: 'Regional NAT gateway',
  record: regionalNatGatewayRecord,
  // Priced per zone it covers, at the zonal rate.
  hourlyUsd: (region, shape) => natHourlyUsd(region) * Math.max(1, shape.zones.length),
  describe: (ctx) =>
    `new regional NAT gateway with an Elastic IP in each of ${ctx.state.shape.zones.join(', ')}`,
  create: (ctx) => ({
    AvailabilityMode: 'regional',
    VpcId: vpcIdOf(ctx),
    ConnectivityType: 'public',
    AvailabilityZoneAddresses: ctx.state.shape.zones.map((zone) => ({
      AvailabilityZone: zone,
      AllocationIds: [allocationOf(ctx, zone)],
    })),
    ClientTokenParts: [vpcIdOf(ctx), ...ctx.state.shape.zones.map((zone) => allocationOf(ctx, zone))],
  }),
  converge: async (ctx, nat) => {
    const id = nat.NatGatewayId ?? '';
    const addresses = nat.NatGatewayAddresses ?? [];
    for (const zone of ctx.state.shape.zones) {
      const allocationId = allocationOf(ctx, zone);
      if (addresses.some((a) => a.AllocationId === allocationId)) continue;
      ctx.checkpoint();
      await ctx.aws.ec2.AssociateNatGatewayAddress({
        NatGatewayId: id,
        AllocationIds: [allocationId],
        AvailabilityZone: zone,
      });
    }
    const wanted = new Set(ctx.state.shape.zones.map((zone) => allocationOf(ctx, zone)));
    const extra = addresses
      .filter((a) => !wanted.has(a.AllocationId ?? '') && a.AssociationId)
      .map((a) => a.AssociationId ?? '');
    if (extra.length > 0) {
      ctx.checkpoint();
      await ctx.aws.ec2.DisassociateNatGatewayAddress({ NatGatewayId: id, AssociationIds: extra });
    }
  },
  checkLive: (ctx, nat) => {
    for (const zone of ctx.state.shape.zones) {
      const eip = recordIn(ctx, 'elasticIp', zone);
      const held = nat.NatGatewayAddresses?.find((a) => a.AllocationId === eip?.id);
      if (!held)
        return `regional NAT gateway ${nat.NatGatewayId} has no address of the stack in ${zone}; run fixed-ip setup to repair`;
    }
    return undefined;
  },
  dryRun: (aws, stack, _zone, targets) => [
    {
      action: 'ec2:CreateNatGateway',
      call: () =>
        aws.ec2.CreateNatGateway({
          DryRun: true,
          AvailabilityMode: 'regional',
          VpcId: targets.vpcId ?? `vpc-${PLACEHOLDER}`,
          AvailabilityZoneAddresses: targets.shape.zones.map((zone) => ({
            AvailabilityZone: zone,
            AllocationIds: [`eipalloc-${PLACEHOLDER}`],
          })),
          TagSpecifications: tagSpec('natgateway', 'regional-nat-gateway', stack),
        }),
    },
  ],
});
