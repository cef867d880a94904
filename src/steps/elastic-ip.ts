import { type Address } from '@aws-sdk/client-ec2';
import type { StackContext, Targets } from '../core/context.js';
import { isOurs, tagSpec } from '../core/tags.js';
import { FixedIpError } from '../errors.js';
import { deleteWhenFree } from './retry.js';
import { removeOrphans } from './orphans.js';
import { whenVisible } from './eventual.js';
import { notRecorded, type Step } from './step.js';

/**
 * Part of step 5: the Elastic IP the partner allowlists. Kept from an earlier `teardown --keep-eip`
 * (same IP back), adopted with --eip (never released), or allocated and tagged.
 */
export const elasticIp: Step = {
  key: 'elasticIp',
  article: 5,
  title: 'Elastic IP',
  after: [],
  removeAfter: ['natGateway'],

  plan(ctx, targets) {
    const found = find(ctx, targets);
    if (found) {
      const owned = isOwned(ctx, found, targets);
      return { action: owned ? 'done' : 'reuse', detail: `${found.PublicIp} (${found.AllocationId})` };
    }
    return { action: 'create', detail: 'new Elastic IP' };
  },

  async ensure(ctx, targets) {
    let address = find(ctx, targets);
    if (address?.AssociationId && address.AllocationId !== natAddress(ctx)) {
      throw new FixedIpError(
        'EIP_IN_USE',
        `Elastic IP ${address.PublicIp} (${address.AllocationId}) is already associated with ${address.NetworkInterfaceId ?? address.InstanceId ?? 'another resource'}`,
        {
          hint: 'disassociate it first, or run without --eip to allocate a new one',
        },
      );
    }
    if (!address) address = await recordedAddress(ctx);
    if (!address) {
      ctx.checkpoint();
      const allocated = await ctx.aws.ec2Create.AllocateAddress({
        Domain: 'vpc',
        TagSpecifications: tagSpec('elastic-ip', 'elastic-ip', ctx.name),
      });
      address = { AllocationId: allocated.AllocationId ?? '', PublicIp: allocated.PublicIp ?? '', Tags: [] };
      ctx.state.elasticIp = { id: address.AllocationId ?? '', owned: true, publicIp: address.PublicIp ?? '' };
      await ctx.save();
    }
    const recorded = ctx.state.elasticIp;
    const owned =
      recorded && recorded.id === address.AllocationId ? recorded.owned : isOwned(ctx, address, targets);
    if (!recorded || recorded.id !== address.AllocationId || recorded.owned !== owned) {
      ctx.state.elasticIp = { id: address.AllocationId ?? '', owned, publicIp: address.PublicIp ?? '' };
      await ctx.save();
    }
    const keep = address.AllocationId;
    const orphans = ctx.live.addresses
      .filter((a) => a.AllocationId !== keep && isOurs(a.Tags, ctx.name, 'elastic-ip') && !a.AssociationId)
      .map((a) => a.AllocationId ?? '');
    await removeOrphans(ctx, 'Elastic IP', orphans, (id) => ctx.aws.ec2.ReleaseAddress({ AllocationId: id }));
    return `${address.PublicIp} (${address.AllocationId}${owned ? '' : ', adopted'})`;
  },

  check(ctx) {
    const record = ctx.state.elasticIp;
    if (!record) return notRecorded('Elastic IP');
    const live = ctx.live.natGateways.find((nat) => nat.NatGatewayId === ctx.state.natGateway?.id);
    const holder = live?.NatGatewayAddresses?.find((a) => a.AllocationId === record.id);
    if (live && !holder) {
      return {
        ok: false,
        id: record.id,
        state: 'drifted',
        problem: `NAT gateway ${live.NatGatewayId} no longer uses ${record.publicIp}; run fixed-ip teardown --keep-eip, then setup`,
      };
    }
    return { ok: true, id: record.id, state: holder ? 'associated' : 'allocated' };
  },

  async remove(ctx, options) {
    const record = ctx.state.elasticIp;
    if (!record) return { outcome: 'gone', detail: '' };
    if (!record.owned) {
      delete ctx.state.elasticIp;
      await ctx.save();
      return { outcome: 'kept', detail: `${record.publicIp} (adopted with --eip)` };
    }
    if (options.keepEip)
      return { outcome: 'kept', detail: `${record.publicIp} (--keep-eip: the next setup reuses it)` };
    const outcome = await deleteWhenFree(ctx, {
      ...options,
      what: `Elastic IP ${record.publicIp}`,
      waitingFor: 'the NAT gateway to let go of it',
      notFound: ['InvalidAllocationID.NotFound'],
      busy: ['InvalidIPAddress.InUse'],
      attempt: () => ctx.aws.ec2.ReleaseAddress({ AllocationId: record.id }),
    });
    delete ctx.state.elasticIp;
    await ctx.save();
    return { outcome, detail: `${record.publicIp} (${record.id})` };
  },
};

function find(ctx: StackContext, targets: Targets): Address | undefined {
  const wanted = ctx.state.elasticIp?.id ?? targets.adoptEip;
  if (wanted) {
    const address = ctx.live.addresses.find((a) => a.AllocationId === wanted);
    if (address) return address;
    if (targets.adoptEip === wanted) return undefined;
  }
  return ctx.live.addresses.find((a) => isOurs(a.Tags, ctx.name, 'elastic-ip'));
}

function isOwned(ctx: StackContext, address: Address, targets: Targets): boolean {
  const recorded = ctx.state.elasticIp;
  if (recorded && recorded.id === address.AllocationId) return recorded.owned;
  return address.AllocationId !== targets.adoptEip && isOurs(address.Tags, ctx.name, 'elastic-ip');
}

function natAddress(ctx: StackContext): string | undefined {
  const nat = ctx.live.natGateways.find((n) => n.NatGatewayId === ctx.state.natGateway?.id);
  return nat?.NatGatewayAddresses?.[0]?.AllocationId;
}

/**
 * The recorded Elastic IP when Describe did not list it: allocated moments ago and not visible
 * yet (eventual consistency), so it is looked for by id for up to 30 s; undefined when it is gone.
 */
export async function recordedAddress(ctx: StackContext): Promise<Address | undefined> {
  const recorded = ctx.state.elasticIp;
  if (!recorded) return undefined;
  return whenVisible(ctx, async () => {
    const out = await ctx.aws.ec2.DescribeAddresses({
      Filters: [{ Name: 'allocation-id', Values: [recorded.id] }],
    });
    return out.Addresses?.[0];
  });
}
