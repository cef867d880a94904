import { awsErrorName } from '../aws/errors.js';
import { vpcIdOf } from '../core/context.js';
import { attachedGateway } from '../core/live.js';
import { isOurs, tagSpec } from '../core/tags.js';
import { notRecorded, type Step } from './step.js';
import { deleteWhenFree } from './retry.js';
import { removeOrphans } from './orphans.js';
import { whenVisible } from './eventual.js';
import type { StackContext } from '../core/context.js';

/** Gateways of ours, not attached anywhere, other than the one in use. */
function orphans(ctx: StackContext, keep: string): string[] {
  return ctx.live.internetGateways
    .filter(
      (igw) =>
        igw.InternetGatewayId !== keep &&
        isOurs(igw.Tags, ctx.name, 'internet-gateway') &&
        !igw.Attachments?.length,
    )
    .map((igw) => igw.InternetGatewayId ?? '');
}

const deleteGateway = (ctx: StackContext) => (id: string) =>
  ctx.aws.ec2.DeleteInternetGateway({ InternetGatewayId: id });

/**
 * Step 1. A VPC holds at most one internet gateway: reuse the one attached (never tag or delete
 * it), else create one and attach it.
 */
export const internetGateway: Step = {
  key: 'internetGateway',
  article: 1,
  title: 'Internet gateway',
  after: ['vpc'],
  removeAfter: ['natGateway', 'elasticIp', 'publicRouteTable'],

  plan(ctx) {
    const vpcId = ctx.state.vpc?.id;
    const attached = vpcId ? attachedGateway(ctx.live, vpcId) : undefined;
    if (attached) {
      const recorded = ctx.state.internetGateway;
      const owned = recorded !== undefined && recorded.id === attached.InternetGatewayId && recorded.owned;
      return { action: owned ? 'done' : 'reuse', detail: attached.InternetGatewayId ?? '' };
    }
    return { action: 'create', detail: 'new internet gateway, attached to the VPC' };
  },

  async ensure(ctx) {
    const vpcId = vpcIdOf(ctx);
    const attached = attachedGateway(ctx.live, vpcId);
    if (attached?.InternetGatewayId) {
      const id = attached.InternetGatewayId;
      const recorded = ctx.state.internetGateway;
      const owned =
        (recorded !== undefined && recorded.id === id && recorded.owned) || isOurs(attached.Tags, ctx.name);
      if (ctx.state.internetGateway?.id !== id || ctx.state.internetGateway.owned !== owned) {
        ctx.state.internetGateway = { id, owned };
        await ctx.save();
      }
      await removeOrphans(ctx, 'internet gateway', orphans(ctx, id), deleteGateway(ctx));
      return owned ? id : `${id} (already attached to the VPC: reused)`;
    }
    // Ours but not attached: a run stopped between create and attach.
    let id = ctx.live.internetGateways.find(
      (igw) =>
        (igw.InternetGatewayId === ctx.state.internetGateway?.id && ctx.state.internetGateway?.owned) ||
        (isOurs(igw.Tags, ctx.name, 'internet-gateway') && !igw.Attachments?.length),
    )?.InternetGatewayId;
    const recorded = ctx.state.internetGateway;
    if (!id && recorded?.owned) {
      // Recorded but not listed: made moments ago and not visible yet, or deleted since.
      id = await whenVisible(ctx, async () => {
        const out = await ctx.aws.ec2.DescribeInternetGateways({
          Filters: [{ Name: 'internet-gateway-id', Values: [recorded.id] }],
        });
        return out.InternetGateways?.[0]?.InternetGatewayId;
      });
    }
    if (!id) {
      ctx.checkpoint();
      const created = await ctx.aws.ec2Create.CreateInternetGateway({
        TagSpecifications: tagSpec('internet-gateway', 'internet-gateway', ctx.name),
      });
      id = created.InternetGateway?.InternetGatewayId ?? '';
      ctx.state.internetGateway = { id, owned: true };
      await ctx.save();
    } else if (ctx.state.internetGateway?.id !== id) {
      ctx.state.internetGateway = { id, owned: true };
      await ctx.save();
    }
    ctx.checkpoint();
    try {
      await ctx.aws.ec2.AttachInternetGateway({ InternetGatewayId: id, VpcId: vpcId });
    } catch (error) {
      // Attached by an earlier attempt whose response was lost.
      if (awsErrorName(error) !== 'Resource.AlreadyAssociated') throw error;
    }
    await removeOrphans(ctx, 'internet gateway', orphans(ctx, id), deleteGateway(ctx));
    return id;
  },

  check(ctx) {
    const record = ctx.state.internetGateway;
    const vpcId = ctx.state.vpc?.id ?? '';
    const attached = attachedGateway(ctx.live, vpcId);
    if (!record) return notRecorded('internet gateway');
    if (attached?.InternetGatewayId !== record.id) {
      return {
        ok: false,
        id: record.id,
        state: 'detached',
        problem: `internet gateway ${record.id} is no longer attached to ${vpcId}; run fixed-ip setup to repair`,
      };
    }
    return { ok: true, id: record.id, state: 'attached' };
  },

  async remove(ctx, options) {
    const record = ctx.state.internetGateway;
    if (!record) return { outcome: 'gone', detail: '' };
    if (!record.owned) {
      delete ctx.state.internetGateway;
      await ctx.save();
      return { outcome: 'kept', detail: `${record.id} (was there before fixed-ip)` };
    }
    const vpcId = ctx.state.vpc?.id;
    if (vpcId) {
      // Detaching fails while the VPC still maps public addresses (a NAT gateway still deleting).
      await deleteWhenFree(ctx, {
        ...options,
        what: `internet gateway ${record.id}`,
        waitingFor: 'the NAT gateway to release its public address',
        notFound: ['Gateway.NotAttached', 'InvalidInternetGatewayID.NotFound'],
        busy: ['DependencyViolation'],
        attempt: () => ctx.aws.ec2.DetachInternetGateway({ InternetGatewayId: record.id, VpcId: vpcId }),
      });
    }
    ctx.checkpoint();
    try {
      await ctx.aws.ec2.DeleteInternetGateway({ InternetGatewayId: record.id });
    } catch (error) {
      if (awsErrorName(error) !== 'InvalidInternetGatewayID.NotFound') throw error;
    }
    delete ctx.state.internetGateway;
    await ctx.save();
    return { outcome: 'removed', detail: record.id };
  },
};
