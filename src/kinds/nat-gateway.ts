import type { CreateNatGatewayCommandInput, NatGateway } from '@aws-sdk/client-ec2';
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
import { natHourlyUsd, usageTypes } from '../model/pricing.js';
import { isOurs, tagSpec } from '../model/tags.js';
import { activeNat, zoneOfSubnet, NAT_GATEWAYS } from '../model/world.js';
import { POLL, pollUntil } from '../model/wait.js';
import { AbortError, FixedIpError } from '../errors.js';
import { findListed, provenAs } from './find.js';
import {
  baseRecord,
  type Identity,
  identityKey,
  type Kind,
  type KindName,
  PLACEHOLDER,
} from '../model/kind.js';
import { NAT_MODE } from './nat-modes.js';
import { natHolding } from './elastic-ip.js';
import { sweepUnrecorded } from './orphans.js';
import { waitForNat } from './nat-waits.js';
import { natGatewaysPerZone, regionalAddressesPerZone } from './nat-quotas.js';
import { QUOTA_READ_GRANT } from './quota-values.js';
import { idRef, type IacValue } from '../model/iac.js';

/** NAT gateways take 1-5 minutes; give AWS a generous bound before calling it stuck. */
const NAT_TIMEOUT_MS = 15 * 60_000;

export const natGatewayRecord = z.extend(baseRecord, { kind: z.literal('natGateway') });
export const regionalNatGatewayRecord = z.extend(baseRecord, { kind: z.literal('regionalNatGateway') });

// This kind's state records, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    natGateway: z.infer<typeof natGatewayRecord>;
    regionalNatGateway: z.infer<typeof regionalNatGatewayRecord>;
  }
}

type NatKindName = Extract<KindName, 'natGateway' | 'regionalNatGateway'>;
type CreateInput = Omit<CreateNatGatewayCommandInput, 'ClientToken' | 'TagSpecifications'> & {
  ClientTokenParts: string[];
};

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
  /** Cost Explorer's usage type suffixes of its hours and its processed bytes. */
  usage: readonly string[];
  /** What the new gateway is made of, for the plan line. */
  describe: (ctx: StackContext, zone: string | undefined) => string;
  /** The CreateNatGateway input besides the token and tags; may first free an Elastic IP (see freeAddress). */
  create: (ctx: StackContext, zone: string | undefined) => Promise<CreateInput>;
  /** Its settings as code (Terraform's aws_nat_gateway arguments; CloudFormation's properties). */
  asCode: (nat: NatGateway | undefined) => {
    terraform: Record<string, IacValue | undefined>;
    cloudformation: Record<string, IacValue | undefined>;
  };
  /** Repairs what can change on a live gateway (a regional gateway's addresses). */
  converge?: (ctx: StackContext, nat: NatGateway) => Promise<void>;
  /** Extra checks on an available gateway. */
  checkLive?: (ctx: StackContext, nat: NatGateway) => string | undefined;
  dryRun: Kind['dryRuns'];
  quotas?: Kind['quotas'];
}): Kind {
  const { name, role } = options;
  const kind: Kind = {
    name,
    role,
    part: NAT_GATEWAYS,
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
        // plan and setup: a quota's applied value, where AWS's default would refuse (nat-quotas.ts).
        'servicequotas:GetServiceQuota',
      ],
      remove: ['ec2:DeleteNatGateway'],
      grants: [QUOTA_READ_GRANT],
    },
    hourlyUsd: options.hourlyUsd,
    iac(ctx, record, listed) {
      const { terraform, cloudformation } = options.asCode(
        ctx.world.natGateways.find((n) => n.NatGatewayId === record.id),
      );
      return {
        owned: [
          {
            id: record.id,
            part: '',
            tags: listed.tags,
            terraform: { type: 'aws_nat_gateway', attributes: terraform, importId: record.id },
            cloudformation: {
              type: 'AWS::EC2::NatGateway',
              properties: cloudformation,
              identifier: { NatGatewayId: record.id },
            },
          },
        ],
      };
    },
    billing: {
      usageTypes: (region) => options.usage.flatMap((suffix) => usageTypes(region, suffix)),
      // AWS bills a started NAT gateway hour as a full one.
      per: 'hour',
      since: (world, record) => world.natGateways.find((n) => n.NatGatewayId === record.id)?.CreateTime,
      // Processing is billed both ways: what the functions sent, and what came back.
      traffic: (_world, record) => ({
        namespace: 'AWS/NATGateway',
        dimensions: [{ Name: 'NatGatewayId', Value: record.id }],
        metrics: [
          { name: 'BytesInFromSource', direction: 'out' },
          { name: 'BytesInFromDestination', direction: 'back' },
        ],
      }),
      processingPerGbUsd: natHourlyUsd,
    },
    ...(options.quotas ? { quotas: options.quotas } : {}),
    goneLine: 'NAT gateway is deleted',
    routeTarget: (id) => ({ NatGatewayId: id }),
    // A draining or failed address takes no new connections: it is no longer an egress IP.
    egressIps: (ctx, id) =>
      (ctx.world.natGateways.find((n) => n.NatGatewayId === id && activeNat(n))?.NatGatewayAddresses ?? [])
        .filter((a) => a.Status !== 'disassociating' && a.Status !== 'failed' && a.PublicIp)
        .map((a) => a.PublicIp ?? ''),

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
        const { ClientTokenParts, ...input } = await options.create(ctx, zone);
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

/** An address AWS is still putting on the gateway, or taking off it. */
const moving = (a: { Status?: string }): boolean =>
  a.Status === 'associating' || a.Status === 'disassociating';

/** Until every address on the gateway is settled (none associating or disassociating). */
async function waitAddresses(ctx: StackContext, id: string): Promise<NatGateway | undefined> {
  return pollUntil(
    async () => {
      const nat = await describe(ctx, id);
      return nat?.NatGatewayAddresses?.some(moving) ? undefined : (nat ?? null);
    },
    {
      clock: ctx.clock,
      signal: ctx.signal,
      schedule: POLL.natAddresses,
      timeoutMs: NAT_TIMEOUT_MS,
      onTimeout: () =>
        new FixedIpError(
          'NAT_TIMEOUT',
          `the addresses of NAT gateway ${id} are still changing after 15 minutes`,
          {
            hint: 'run fixed-ip setup again',
          },
        ),
    },
  ).then((nat) => nat ?? undefined);
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
      schedule: POLL.natDeleted,
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
  const wait = waitForNat(ctx.ui, kind.title, id, zone);
  let nat: NatGateway;
  try {
    nat = await pollUntil(
      async () => {
        const current = await describe(ctx, id);
        wait.saw(current?.State);
        return current && current.State !== 'pending' ? current : undefined;
      },
      {
        clock: ctx.clock,
        signal: ctx.signal,
        schedule: POLL.natAvailable,
        timeoutMs: NAT_TIMEOUT_MS,
        onTimeout: () =>
          new FixedIpError('NAT_TIMEOUT', `NAT gateway ${id} is still pending after 15 minutes`, {
            hint: 'run fixed-ip setup again to keep waiting',
          }),
      },
    );
  } catch (error) {
    if (error instanceof AbortError)
      wait.warn(
        `Stopped waiting for NAT gateway ${id}; it keeps coming up in AWS and is billed by the hour until you resume or tear down`,
      );
    else wait.fail(`NAT gateway ${id} is not available yet`);
    throw error;
  }
  if (nat.State === 'available') {
    wait.succeed();
    return nat;
  }
  wait.fail(`NAT gateway ${id} ${nat.State ?? 'failed'}`);
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

/**
 * An Elastic IP the new shape gives to another NAT (a change of mode keeps the allowlisted IPs):
 * taken off the regional gateway that holds it, or its zonal gateway is deleted first. That zone's
 * egress pauses until the new gateway is up (plan says so); AWS offers no way to share the address.
 */
async function freeAddress(ctx: StackContext, allocationId: string, requester: Identity): Promise<void> {
  // Two zones' gateways may free addresses of one regional gateway at once: one at a time, each
  // looking at the gateway afresh.
  const previous = freeing.get(ctx) ?? Promise.resolve();
  const mine = previous.then(() => freeOne(ctx, allocationId, requester));
  freeing.set(
    ctx,
    mine.catch(() => undefined),
  );
  return mine;
}
const freeing = new WeakMap<StackContext, Promise<void>>();

async function freeOne(ctx: StackContext, allocationId: string, requester: Identity): Promise<void> {
  const listed = natHolding(ctx.world, allocationId);
  const holder = listed?.NatGatewayId ? await waitAddresses(ctx, listed.NatGatewayId) : undefined;
  if (!holder?.NatGatewayId || !activeNat(holder)) return;
  if (!holder.NatGatewayAddresses?.some((a) => a.AllocationId === allocationId)) return;
  const id = holder.NatGatewayId;
  const record = Object.values(ctx.state.resources).find((r) => r.id === id);
  // The state's word is not enough: only a gateway whose tags prove it is the stack's is deleted.
  if (!record || !provenAs(holder.Tags, ctx.name, ['natGateway', 'regionalNatGateway'])) {
    throw new FixedIpError(
      'EIP_IN_USE',
      `Elastic IP ${allocationId} is held by NAT gateway ${id}, which is not this stack's`,
      {
        hint: 'free it first, or run without it',
      },
    );
  }
  ctx.ui.notify({
    level: 'warn',
    code: 'setup.eip.moving',
    text: `Moving Elastic IP ${allocationId} off NAT gateway ${id}: egress from its zone pauses until the new NAT gateway is up`,
  });
  const association = holder.NatGatewayAddresses?.find((a) => a.AllocationId === allocationId)?.AssociationId;
  const others = (holder.NatGatewayAddresses ?? []).filter((a) => a.AllocationId !== allocationId);
  ctx.checkpoint();
  if (holder.AvailabilityMode === 'regional' && association && others.length > 0) {
    await ctx.aws.ec2.DisassociateNatGatewayAddress({
      NatGatewayId: id,
      AssociationIds: [association],
      MaxDrainDurationSeconds: 1,
    });
    await pollUntil(
      async () => {
        const now = await describe(ctx, id);
        return now?.NatGatewayAddresses?.some((a) => a.AllocationId === allocationId) ? undefined : true;
      },
      {
        clock: ctx.clock,
        signal: ctx.signal,
        schedule: POLL.natAddresses,
        timeoutMs: NAT_TIMEOUT_MS,
        onTimeout: () =>
          new FixedIpError('NAT_TIMEOUT', `Elastic IP ${allocationId} is still on NAT gateway ${id}`, {
            hint: 'run fixed-ip setup again',
          }),
      },
    );
  } else {
    await rerouteAway(ctx, id, requester);
    await ctx.aws.ec2.DeleteNatGateway({ NatGatewayId: id });
    await waitDeleted(ctx, id);
    await dropRecord(ctx, record.kind, record.zone);
  }
  // The world now says the address is free.
  if (listed)
    listed.NatGatewayAddresses = listed.NatGatewayAddresses?.filter((a) => a.AllocationId !== allocationId);
}

/**
 * Before a gateway of the stack goes, the private routes that use it move to another available
 * gateway of the stack (its traffic crosses zones meanwhile, from an IP already allowlisted).
 * With no other gateway, that zone has no egress until the new one is up.
 */
async function rerouteAway(ctx: StackContext, natId: string, requester: Identity): Promise<void> {
  const { shape } = ctx.state;
  // The new shape's other gateways (not the one waiting for this address): worth waiting for.
  const coming = NAT_MODE[shape.nat]
    .nats(shape.zones, shape)
    .map((nat) => identityKey(nat.id))
    .filter((key) => key !== identityKey(requester));
  const other = await pollUntil(
    async () => {
      const ids = Object.values(ctx.state.resources)
        .filter((r) => (r.kind === 'natGateway' || r.kind === 'regionalNatGateway') && r.id !== natId)
        .map((r) => r.id);
      const gateways =
        ids.length === 0
          ? []
          : ((await ctx.aws.ec2.DescribeNatGateways({ Filter: [{ Name: 'nat-gateway-id', Values: ids }] }))
              .NatGateways ?? []);
      const available = gateways.find((n) => n.State === 'available');
      if (available) return available;
      const waiting = coming.some((key) => {
        const id = ctx.state.resources[key]?.id;
        return id === undefined || gateways.some((n) => n.NatGatewayId === id && n.State === 'pending');
      });
      return waiting ? undefined : null;
    },
    {
      clock: ctx.clock,
      signal: ctx.signal,
      schedule: POLL.natAvailable,
      timeoutMs: NAT_TIMEOUT_MS,
      onTimeout: () =>
        new FixedIpError('NAT_TIMEOUT', 'the new NAT gateway is still not available after 15 minutes', {
          hint: 'run fixed-ip setup again',
        }),
    },
  );
  if (!other?.NatGatewayId) return;
  const tables = Object.values(ctx.state.resources)
    .filter((r) => r.kind === 'privateRouteTable')
    .map((r) => r.id);
  for (const table of ctx.world.routeTables) {
    if (!tables.includes(table.RouteTableId ?? '')) continue;
    const route = table.Routes?.find(
      (r) => r.DestinationCidrBlock === '0.0.0.0/0' && r.NatGatewayId === natId,
    );
    if (!route) continue;
    ctx.checkpoint();
    await ctx.aws.ec2.ReplaceRoute({
      RouteTableId: table.RouteTableId,
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: other.NatGatewayId,
    });
    route.NatGatewayId = other.NatGatewayId;
  }
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
  quotas: natGatewaysPerZone,
  record: natGatewayRecord,
  hourlyUsd: (region) => natHourlyUsd(region),
  usage: ['NatGateway-Hours', 'NatGateway-Bytes'],
  describe: (_ctx, zone) => `new NAT gateway in the public subnet in ${zone ?? ''} with its Elastic IP`,
  asCode: (nat) => {
    const address =
      nat?.NatGatewayAddresses?.find((a) => a.IsPrimary === true) ?? nat?.NatGatewayAddresses?.[0];
    const allocationId = idRef(address?.AllocationId ?? '');
    const subnetId = idRef(nat?.SubnetId ?? '');
    return {
      terraform: { allocation_id: allocationId, subnet_id: subnetId, connectivity_type: 'public' },
      cloudformation: { AllocationId: allocationId, SubnetId: subnetId, ConnectivityType: 'public' },
    };
  },
  create: async (ctx, zone) => {
    await freeAddress(ctx, allocationOf(ctx, zone), { kind: 'natGateway', zone });
    return {
      SubnetId: subnetOf(ctx, zone),
      AllocationId: allocationOf(ctx, zone),
      ConnectivityType: 'public',
      ClientTokenParts: [subnetOf(ctx, zone), allocationOf(ctx, zone)],
    };
  },
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
  quotas: regionalAddressesPerZone,
  // Priced per zone it covers, at the zonal rate.
  hourlyUsd: (region, shape) => natHourlyUsd(region) * Math.max(1, shape.zones.length),
  // Its hours have a usage type of their own; whether its bytes do too is not confirmed: both asked.
  usage: ['RegionalNatGateway-Hours', 'RegionalNatGateway-Bytes', 'NatGateway-Bytes'],
  describe: (ctx) =>
    `new regional NAT gateway with an Elastic IP in each of ${ctx.state.shape.zones.join(', ')}`,
  asCode: (nat) => {
    // Its addresses, zone by zone, as they are live (manual address mode: the stack's own IPs).
    const byZone = new Map<string, string[]>();
    for (const a of nat?.NatGatewayAddresses ?? [])
      if (a.AvailabilityZone && a.AllocationId)
        byZone.set(a.AvailabilityZone, [...(byZone.get(a.AvailabilityZone) ?? []), a.AllocationId]);
    const zones = [...byZone].sort(([a], [b]) => a.localeCompare(b));
    const vpcId = idRef(nat?.VpcId ?? '');
    return {
      terraform: {
        availability_mode: 'regional',
        vpc_id: vpcId,
        connectivity_type: 'public',
        availability_zone_address: zones.map(([zone, ids]) => ({
          availability_zone: zone,
          allocation_ids: ids.map(idRef),
        })),
      },
      cloudformation: {
        AvailabilityMode: 'regional',
        VpcId: vpcId,
        ConnectivityType: 'public',
        AvailabilityZoneAddresses: zones.map(([zone, ids]) => ({
          AvailabilityZone: zone,
          AllocationIds: ids.map(idRef),
        })),
      },
    };
  },
  create: async (ctx) => {
    // Addresses still on a gateway the new shape replaces join later (converge, once it is gone);
    // a gateway needs at least one to start with.
    const { zones } = ctx.state.shape;
    let free = zones.filter((zone) => !natHolding(ctx.world, allocationOf(ctx, zone)));
    // The last zone's, so the first zone's gateway can carry the others' traffic meanwhile.
    const last = zones.at(-1);
    if (free.length === 0 && last) {
      await freeAddress(ctx, allocationOf(ctx, last), { kind: 'regionalNatGateway' });
      free = [last];
    }
    return {
      AvailabilityMode: 'regional',
      VpcId: vpcIdOf(ctx),
      ConnectivityType: 'public',
      AvailabilityZoneAddresses: free.map((zone) => ({
        AvailabilityZone: zone,
        AllocationIds: [allocationOf(ctx, zone)],
      })),
      ClientTokenParts: [vpcIdOf(ctx), ...free.map((zone) => allocationOf(ctx, zone))],
    };
  },
  converge: async (ctx, live) => {
    const id = live.NatGatewayId ?? '';
    // AWS takes one change of a gateway's addresses at a time (OperationInProgress while one is
    // associating or draining), and an address still associating has no association to undo yet:
    // each change starts from settled addresses.
    const settled = async () => (await waitAddresses(ctx, id)) ?? live;
    let nat = live.NatGatewayAddresses?.some(moving) ? await settled() : live;
    for (const zone of ctx.state.shape.zones) {
      const allocationId = allocationOf(ctx, zone);
      if (nat.NatGatewayAddresses?.some((a) => a.AllocationId === allocationId)) continue;
      // Still on a gateway the new shape replaces: setup comes back for it once that one is gone.
      if (natHolding(ctx.world, allocationId)) continue;
      ctx.checkpoint();
      await ctx.aws.ec2.AssociateNatGatewayAddress({
        NatGatewayId: id,
        AllocationIds: [allocationId],
        AvailabilityZone: zone,
      });
      nat = await settled();
    }
    const wanted = new Set(ctx.state.shape.zones.map((zone) => allocationOf(ctx, zone)));
    const extra = (nat.NatGatewayAddresses ?? [])
      .filter((a) => !wanted.has(a.AllocationId ?? '') && a.AssociationId)
      .map((a) => a.AssociationId ?? '');
    if (extra.length > 0) {
      ctx.checkpoint();
      await ctx.aws.ec2.DisassociateNatGatewayAddress({ NatGatewayId: id, AssociationIds: extra });
      await waitAddresses(ctx, id);
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
