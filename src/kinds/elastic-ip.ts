import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import type { Address, NatGateway } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { dropRecord, putRecord, recordIn, type StackContext, type Targets } from '../model/context.js';
import { IPV4_HOURLY_USD, usageTypes } from '../model/pricing.js';
import { isOurs, TAG_STACK, tagSpec, tagValue } from '../model/tags.js';
import type { World } from '../model/world.js';
import type { StackState } from '../state/schema.js';
import { FixedIpError } from '../errors.js';
import { identityKey, baseRecord, type Kind } from '../model/kind.js';
import { NAT_MODE } from './nat-modes.js';
import { deleteWhenFree } from './retry.js';
import { removeOrphans } from './orphans.js';
import { whenVisible } from './eventual.js';
import { ADDRESSES } from '../model/world.js';
import type { IacExport } from '../model/iac.js';
import { EIP_POOL, eipPoolOf, fromPool, POOL_GRANT, POOL_READ_GRANT, poolQuota } from './eip-pool.js';

const ROLE = 'elastic-ip';

export const elasticIpRecord = z.extend(baseRecord, {
  kind: z.literal('elasticIp'),
  publicIp: z.string(),
  /** The IPAM or BYOIP pool it was allocated from (--eip-pool); absent: Amazon's. */
  pool: z.optional(z.string()),
});

// This kind's state record, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    elasticIp: z.infer<typeof elasticIpRecord>;
  }
}
type ElasticIpRecord = z.infer<typeof elasticIpRecord>;

/** The home zone also takes a zone-less record: an IP kept by the first release's `teardown --keep-eip`. */
function recorded(ctx: StackContext, zone: string): ElasticIpRecord | undefined {
  return (
    recordIn(ctx, 'elasticIp', zone) ??
    (zone === ctx.state.shape.zones[0] ? recordIn(ctx, 'elasticIp', undefined) : undefined)
  );
}

/** The address a zone uses: recorded (or kept), adopted with --eip, else one tagged for it. */
function find(ctx: StackContext, zone: string, targets: Targets | undefined): Address | undefined {
  const adopt = targets?.adoptEips[zone];
  const wanted = recorded(ctx, zone)?.id ?? adopt;
  if (wanted) {
    const address = ctx.world.addresses.find((a) => a.AllocationId === wanted);
    if (address || adopt === wanted) return address;
  }
  const taken = new Set(Object.values(ctx.state.resources).map((r) => r.id));
  return ctx.world.addresses.find(
    (a) =>
      isOurs(a.Tags, ctx.name, ROLE, zone) && !taken.has(a.AllocationId ?? '') && zoneTagOrHome(ctx, a, zone),
  );
}

/** Addresses of the first release carry no zone tag; they belong to the first zone. */
function zoneTagOrHome(ctx: StackContext, address: Address, zone: string): boolean {
  return address.Tags?.some((t) => t.Key === 'fixed-ip:zone') === true || zone === ctx.state.shape.zones[0];
}

/** The stack's NAT instance interface an address is on, if any (`--nat instance`). */
function onOurInterface(ctx: StackContext, address: Address | undefined): string | undefined {
  const eni = address?.NetworkInterfaceId;
  return eni && Object.values(ctx.state.resources).some((r) => r.kind === 'natInterface' && r.id === eni)
    ? eni
    : undefined;
}

/** Whether the mode serves this zone's address from a NAT instance interface. */
function servedByInterface(ctx: StackContext, zone: string): boolean {
  const { shape } = ctx.state;
  return NAT_MODE[shape.nat].target(shape.zones, zone).kind === 'natInterface';
}

/** The NAT gateway an address is on, if any (a deleted or failed one holds nothing, though listed for an hour). */
export function natHolding(world: World, allocationId: string) {
  return world.natGateways.find(
    (n) =>
      n.State !== 'deleted' &&
      n.State !== 'failed' &&
      n.NatGatewayAddresses?.some((a) => a.AllocationId === allocationId),
  );
}

/**
 * Part of step 5: the Elastic IP a partner allowlists, one per zone that has its own NAT (or per
 * zone of a regional NAT gateway). Kept from an earlier `teardown --keep-eip` (the same IP back),
 * adopted with --eip (never released), or allocated and tagged.
 */
/**
 * The addresses of a stack parked by `teardown --keep-eip` (only its Elastic IPs, and the VPC it
 * reused, are left); undefined for a stack that is not parked.
 */
export function parkedIps(state: StackState): string[] | undefined {
  const records = Object.values(state.resources);
  const kept = records.filter((r): r is ElasticIpRecord => r.kind === 'elasticIp');
  if (kept.length === 0 || !records.every((r) => r.kind === 'elasticIp' || r.kind === 'vpc'))
    return undefined;
  return kept.map((r) => r.publicIp);
}

/** The account's Elastic IP quota in this region (5 when it cannot be read). */
async function elasticIpLimit(aws: AwsPort): Promise<number> {
  try {
    // The API documents 'vpc-max-elastic-ips'; the SDK's enum lists only two of its names.
    const out = await aws.ec2.DescribeAccountAttributes({
      AttributeNames: ['vpc-max-elastic-ips' as 'default-vpc'],
    });
    const value = out.AccountAttributes?.[0]?.AttributeValues?.[0]?.AttributeValue;
    return value ? Number(value) : 5;
  } catch {
    return 5;
  }
}

export const elasticIp: Kind = {
  name: 'elasticIp',
  part: ADDRESSES,
  role: ROLE,
  zonal: true,
  article: 5,
  title: 'Elastic IP',
  record: elasticIpRecord,
  inputs: [EIP_POOL],
  iam: {
    read: [
      'ec2:DescribeAddresses',
      'ec2:DescribeIpamPools',
      'ec2:DescribePublicIpv4Pools',
      'ec2:GetIpamPoolCidrs',
      'ec2:GetIpamPoolAllocations',
    ],
    create: ['ec2:AllocateAddress', 'ec2:CreateTags'],
    remove: ['ec2:ReleaseAddress'],
    grants: [POOL_GRANT, POOL_READ_GRANT],
  },
  hourlyUsd: () => IPV4_HOURLY_USD,

  // The allowlisted IP: Terraform may never destroy it, CloudFormation retains it.
  iac(_ctx, record, live): IacExport {
    if (!record.owned)
      return {
        reused: {
          id: record.id,
          title: `the Elastic IP you gave with --eip (${record.zone ?? ''})`,
          terraform: { type: 'aws_eip', attributes: { id: record.id } },
          cloudformation: { parameterType: 'String' },
        },
      };
    return {
      owned: [
        {
          id: record.id,
          part: '',
          tags: live.tags,
          keep: true,
          terraform: { type: 'aws_eip', attributes: { domain: 'vpc' }, importId: record.id },
          cloudformation: {
            type: 'AWS::EC2::EIP',
            properties: { Domain: 'vpc' },
            identifier: {
              PublicIp: (live.extra.publicIp as string | undefined) ?? '',
              AllocationId: record.id,
            },
            refAttribute: 'AllocationId',
          },
        },
      ],
    };
  },
  // Every public IPv4 address, on a NAT or idle, by the second. AWS does not say when an address
  // was allocated: its span is the stack's.
  billing: {
    usageTypes: (region) => [
      ...usageTypes(region, 'PublicIPv4:InUseAddress'),
      ...usageTypes(region, 'PublicIPv4:IdleAddress'),
    ],
    per: 'second',
  },

  list: (world) =>
    world.addresses.map((a) => ({
      id: a.AllocationId ?? '',
      tags: a.Tags,
      zone: undefined,
      extra: { publicIp: a.PublicIp ?? '' },
    })),

  plan(ctx, zone = '', targets) {
    const found = find(ctx, zone, targets);
    if (found && onOurInterface(ctx, found) && !servedByInterface(ctx, zone))
      return {
        action: 'move',
        detail: `${found.PublicIp} (${found.AllocationId}, ${zone}) leaves the NAT instance for the new NAT gateway: egress pauses while the gateway starts (AWS takes 1-5 minutes); the IP stays the same`,
      };
    if (found) {
      const owned = isOwned(ctx, zone, found, targets);
      return {
        action: owned ? 'done' : 'reuse',
        detail: `${found.PublicIp} (${found.AllocationId}, ${zone})`,
      };
    }
    const pool = eipPoolOf(ctx.state.shape);
    return { action: 'create', detail: `new Elastic IP for ${zone}${pool ? ` from pool ${pool}` : ''}` };
  },

  async ensure(ctx, zone = '', targets) {
    let address = find(ctx, zone, targets);
    const eni = onOurInterface(ctx, address);
    if (address?.AssociationId && eni && !servedByInterface(ctx, zone)) {
      // Leaving a NAT instance for a NAT gateway: AWS gives a NAT gateway only a free address.
      ctx.checkpoint();
      ctx.ui.notify({
        level: 'warn',
        code: 'setup.eip.handover',
        text: `Moving ${address.PublicIp ?? ''} from the NAT instance to the new NAT gateway: egress pauses until the gateway is available (1-5 minutes)`,
      });
      await ctx.aws.ec2
        .DisassociateAddress({ AssociationId: address.AssociationId })
        .catch((error: unknown) => {
          if (awsErrorName(error) !== 'InvalidAssociationID.NotFound') throw error;
        });
      address = { ...address, AssociationId: undefined, NetworkInterfaceId: undefined };
    }
    if (address?.AssociationId && !natHolding(ctx.world, address.AllocationId ?? '') && !eni) {
      throw new FixedIpError(
        'EIP_IN_USE',
        `Elastic IP ${address.PublicIp} (${address.AllocationId}) is already associated with ${address.NetworkInterfaceId ?? address.InstanceId ?? 'another resource'}`,
        { hint: 'disassociate it first, or run without --eip to allocate a new one' },
      );
    }
    if (!address) address = await recordedAddress(ctx, zone);
    let allocated = false;
    const pool = eipPoolOf(ctx.state.shape);
    if (!address) {
      ctx.checkpoint();
      const out = await ctx.aws.ec2Create.AllocateAddress({
        Domain: 'vpc',
        ...fromPool(pool),
        TagSpecifications: tagSpec('elastic-ip', ROLE, ctx.name, zone),
      });
      address = { AllocationId: out.AllocationId ?? '', PublicIp: out.PublicIp ?? '', Tags: [] };
      allocated = true;
    }
    const owned = allocated || isOwned(ctx, zone, address, targets);
    const id = address.AllocationId ?? '';
    // A zone-less record (kept by the first release) now serves the first zone.
    if (recordIn(ctx, 'elasticIp', undefined)?.id === id)
      delete ctx.state.resources[identityKey({ kind: 'elasticIp' })];
    // Where it came from: the pool it was allocated from now, or what its record already says.
    const from = allocated ? pool : recorded(ctx, zone)?.pool;
    await putRecord(ctx, {
      kind: 'elasticIp',
      id,
      owned,
      zone,
      publicIp: address.PublicIp ?? '',
      ...(from !== undefined ? { pool: from } : {}),
    });
    const taken = new Set(Object.values(ctx.state.resources).map((r) => r.id));
    const orphans = ctx.world.addresses
      .filter(
        (a) => !taken.has(a.AllocationId ?? '') && isOurs(a.Tags, ctx.name, ROLE, zone) && !a.AssociationId,
      )
      .map((a) => a.AllocationId ?? '');
    await removeOrphans(ctx, 'Elastic IP', orphans, (orphan) =>
      ctx.aws.ec2.ReleaseAddress({ AllocationId: orphan }),
    );
    return `${address.PublicIp} (${id}${owned ? '' : ', adopted'}, ${zone})`;
  },

  check(ctx, zone) {
    const record = recordIn(ctx, 'elasticIp', zone);
    if (!record)
      return {
        ok: false,
        id: undefined,
        state: 'missing',
        problem: `no Elastic IP recorded${zone ? ` for ${zone}` : ''}; run fixed-ip setup`,
      };
    const { shape } = ctx.state;
    const serves = zone !== undefined && NAT_MODE[shape.nat].addressZones(shape.zones).includes(zone);
    const holder = natHolding(ctx.world, record.id);
    const address = ctx.world.addresses.find((a) => a.AllocationId === record.id);
    const exists = address !== undefined;
    const taken = takenBy(ctx, holder, address);
    if (taken)
      return {
        ok: false,
        id: record.id,
        state: 'drifted',
        problem: `Elastic IP ${record.publicIp} (${record.id}) of stack ${ctx.name} is on ${taken}, which is not this stack's: its traffic leaves from the allowlisted IP; free the address (delete or disassociate what holds it), then run fixed-ip setup --name ${ctx.name}`,
      };
    if (holder || (serves && onOurInterface(ctx, address)))
      return { ok: true, id: record.id, state: 'associated' };
    if (!exists && ctx.world.loaded.has('addresses')) {
      return {
        ok: false,
        id: record.id,
        state: 'released',
        problem: `Elastic IP ${record.publicIp} (${record.id}) no longer exists: it can no longer be allowlisted. Run fixed-ip setup to allocate a new one, then update the allowlist`,
      };
    }
    const natThere = ctx.world.natGateways.some((n) => n.State === 'available');
    if (serves && servedByInterface(ctx, zone) && ctx.world.loaded.has('addresses'))
      return {
        ok: false,
        id: record.id,
        state: 'drifted',
        problem: `${record.publicIp} is not on the stack's NAT instance interface; run fixed-ip setup to repair`,
      };
    if (serves && natThere) {
      return {
        ok: false,
        id: record.id,
        state: 'drifted',
        problem: `${record.publicIp} is not on the stack's NAT gateway; run fixed-ip setup to repair`,
      };
    }
    return { ok: true, id: record.id, state: serves ? 'allocated' : 'parked' };
  },

  keeps: (_ctx, _record, options) =>
    options.keepEip ? { why: '--keep-eip: the next setup reuses it', forget: false } : undefined,

  // Elastic IPs are an account's, per region (5 by default): the ones setup allocates must fit.
  async quotas(ctx, nodes, targets) {
    const newZones = nodes
      .filter((node) => node.creating && targets.adoptEips[node.zone ?? ''] === undefined)
      .map((node) => node.zone ?? '');
    const newIps = newZones.length;
    if (newIps === 0) return [];
    const pool = eipPoolOf(ctx.state.shape);
    const [limit, fromPoolQuota] = await Promise.all([
      elasticIpLimit(ctx.aws),
      pool === undefined ? undefined : poolQuota(ctx, pool, newZones),
    ]);
    const used = ctx.world.addresses.length;
    const ok = used + newIps <= limit;
    const region = ctx.aws.region;
    return [
      ...(fromPoolQuota ? [fromPoolQuota] : []),
      {
        name: `Elastic IPs in ${region}`,
        used,
        limit,
        ok,
        ...(ok
          ? {}
          : {
              blocker: `${used} of ${limit} Elastic IPs of ${region} are in use and setup needs ${newIps} more: release some, pass --eip, or ask AWS for a higher quota`,
            }),
      },
    ];
  },

  async remove(ctx, zone, options) {
    const record = recordIn(ctx, 'elasticIp', zone);
    if (!record) return { outcome: 'gone', detail: '' };
    const outcome = await deleteWhenFree(ctx, {
      ...options,
      what: `Elastic IP ${record.publicIp}`,
      waitingFor: 'the NAT to let go of it',
      notFound: ['InvalidAllocationID.NotFound'],
      busy: ['InvalidIPAddress.InUse'],
      attempt: () => ctx.aws.ec2.ReleaseAddress({ AllocationId: record.id }),
    });
    await dropRecord(ctx, 'elasticIp', zone);
    return { outcome, detail: `${record.publicIp} (${record.id})` };
  },

  dryRuns: (aws, stack, zone, targets) =>
    targets.adoptEips[zone ?? ''] !== undefined
      ? []
      : [
          {
            action: 'ec2:AllocateAddress',
            call: () =>
              aws.ec2.AllocateAddress({
                DryRun: true,
                Domain: 'vpc',
                ...fromPool(eipPoolOf(targets.shape)),
                TagSpecifications: tagSpec('elastic-ip', ROLE, stack, zone),
              }),
          },
        ],
};

/**
 * What holds a stack's address outside the stack (another stack took a kept address, or someone
 * associated it by hand): a NAT gateway not of the stack, or any other association; undefined
 * while the address is on the stack's own NAT, or free.
 */
function takenBy(
  ctx: StackContext,
  nat: NatGateway | undefined,
  address: Address | undefined,
): string | undefined {
  if (nat) {
    // The stack's by its state, or by its tags (made by a run stopped before it could record it).
    const ours =
      Object.values(ctx.state.resources).some((r) => r.id === nat.NatGatewayId) ||
      tagValue(nat.Tags, TAG_STACK) === ctx.name;
    return ours ? undefined : `NAT gateway ${nat.NatGatewayId ?? ''}`;
  }
  if (!address?.AssociationId || onOurInterface(ctx, address)) return undefined;
  if (address.NetworkInterfaceId) return `network interface ${address.NetworkInterfaceId}`;
  return address.InstanceId ? `instance ${address.InstanceId}` : `association ${address.AssociationId}`;
}

function isOwned(ctx: StackContext, zone: string, address: Address, targets: Targets | undefined): boolean {
  const record = recorded(ctx, zone);
  if (record && record.id === address.AllocationId) return record.owned;
  return address.AllocationId !== targets?.adoptEips[zone] && isOurs(address.Tags, ctx.name, ROLE);
}

/**
 * The recorded Elastic IP when Describe did not list it: allocated moments ago and not visible
 * yet (eventual consistency), so it is looked for by id for up to 30 s; undefined when it is gone.
 */
export async function recordedAddress(ctx: StackContext, zone: string): Promise<Address | undefined> {
  const record = recorded(ctx, zone);
  if (!record) return undefined;
  return whenVisible(ctx, async () => {
    const out = await ctx.aws.ec2.DescribeAddresses({
      Filters: [{ Name: 'allocation-id', Values: [record.id] }],
    });
    return out.Addresses?.[0];
  });
}
