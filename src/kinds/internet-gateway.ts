import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import { dropRecord, putRecord, type StackContext, vpcIdOf } from '../model/context.js';
import { attachedGateway, INTERNET_GATEWAYS } from '../model/world.js';
import { isOurs, MANAGED_BY, tagSpec, tagValue, TAG_MANAGED_BY, TAG_ROLE, TAG_STACK } from '../model/tags.js';
import { baseRecord, type Kind, PLACEHOLDER } from '../model/kind.js';
import { deleteWhenFree } from './retry.js';
import { removeOrphans } from './orphans.js';
import { whenVisible } from './eventual.js';
import { notRecorded } from './status.js';
import { idRef, type IacExport } from '../model/iac.js';

const ROLE = 'internet-gateway';

export const internetGatewayRecord = z.extend(baseRecord, { kind: z.literal('internetGateway') });

// This kind's state record, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    internetGateway: z.infer<typeof internetGatewayRecord>;
  }
}

/** Gateways of ours, not attached anywhere, other than the one in use. */
function orphans(ctx: StackContext, keep: string): string[] {
  return ctx.world.internetGateways
    .filter(
      (igw) => igw.InternetGatewayId !== keep && isOurs(igw.Tags, ctx.name, ROLE) && !igw.Attachments?.length,
    )
    .map((igw) => igw.InternetGatewayId ?? '');
}

/** Other fixed-ip stacks with subnets in this stack's VPC (the gateway's other users). */
function otherStacks(ctx: StackContext): string[] {
  if (!ctx.world.loaded.has('subnets')) return [];
  const stacks = ctx.world.subnets
    .filter((s) => tagValue(s.Tags, TAG_MANAGED_BY) === MANAGED_BY)
    .map((s) => tagValue(s.Tags, TAG_STACK) ?? '')
    .filter((stack) => stack && stack !== ctx.name);
  return [...new Set(stacks)].sort();
}

const deleteGateway = (ctx: StackContext) => (id: string) =>
  ctx.aws.ec2.DeleteInternetGateway({ InternetGatewayId: id });

/**
 * Step 1. A VPC holds at most one internet gateway: reuse the one attached (never tag or delete
 * it), else create one and attach it.
 */
export const internetGateway: Kind = {
  name: 'internetGateway',
  part: INTERNET_GATEWAYS,
  role: ROLE,
  zonal: false,
  article: 1,
  title: 'Internet gateway',
  record: internetGatewayRecord,
  iam: {
    read: ['ec2:DescribeInternetGateways'],
    create: ['ec2:CreateInternetGateway', 'ec2:AttachInternetGateway'],
    remove: ['ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway'],
  },
  hourlyUsd: () => 0,

  iac(ctx, record, live): IacExport {
    const id = record.id;
    if (!record.owned)
      return {
        reused: {
          id,
          title: 'the internet gateway already attached to your VPC',
          terraform: { type: 'aws_internet_gateway', attributes: { internet_gateway_id: id } },
          cloudformation: { parameterType: 'String' },
        },
      };
    const vpcId = vpcIdOf(ctx);
    return {
      owned: [
        {
          id,
          part: '',
          tags: live.tags,
          terraform: { type: 'aws_internet_gateway', attributes: {}, importId: id },
          cloudformation: {
            type: 'AWS::EC2::InternetGateway',
            properties: {},
            identifier: { InternetGatewayId: id },
          },
        },
        {
          id: `${id}:${vpcId}`,
          part: 'attachment',
          terraform: {
            type: 'aws_internet_gateway_attachment',
            attributes: { internet_gateway_id: idRef(id), vpc_id: idRef(vpcId) },
            importId: `${id}:${vpcId}`,
          },
          cloudformation: {
            type: 'AWS::EC2::VPCGatewayAttachment',
            properties: { InternetGatewayId: idRef(id), VpcId: idRef(vpcId) },
            identifier: { AttachmentType: 'igw', VpcId: vpcId },
          },
        },
      ],
    };
  },

  list: (world) =>
    world.internetGateways.map((g) => ({
      id: g.InternetGatewayId ?? '',
      tags: g.Tags,
      zone: undefined,
      extra: {},
    })),

  plan(ctx) {
    const vpcId = ctx.state.resources.vpc?.id;
    const attached = vpcId ? attachedGateway(ctx.world, vpcId) : undefined;
    if (attached) {
      const recorded = ctx.state.resources.internetGateway;
      const owned = recorded !== undefined && recorded.id === attached.InternetGatewayId && recorded.owned;
      return { action: owned ? 'done' : 'reuse', detail: attached.InternetGatewayId ?? '' };
    }
    return { action: 'create', detail: 'new internet gateway, attached to the VPC' };
  },

  async ensure(ctx) {
    const vpcId = vpcIdOf(ctx);
    const attached = attachedGateway(ctx.world, vpcId);
    const recorded = ctx.state.resources.internetGateway;
    if (attached?.InternetGatewayId) {
      const id = attached.InternetGatewayId;
      // Owned only when this stack's complete tag set says so (or our record already did).
      const owned = (recorded?.id === id && recorded.owned) || isOurs(attached.Tags, ctx.name, ROLE);
      await putRecord(ctx, { kind: 'internetGateway', id, owned });
      await removeOrphans(ctx, 'internet gateway', orphans(ctx, id), deleteGateway(ctx));
      return owned ? id : `${id} (already attached to the VPC: reused)`;
    }
    // Ours but not attached: a run stopped between create and attach.
    let id = ctx.world.internetGateways.find(
      (igw) =>
        (igw.InternetGatewayId === recorded?.id && recorded?.owned) ||
        (isOurs(igw.Tags, ctx.name, ROLE) && !igw.Attachments?.length),
    )?.InternetGatewayId;
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
        TagSpecifications: tagSpec('internet-gateway', ROLE, ctx.name),
      });
      id = created.InternetGateway?.InternetGatewayId ?? '';
    }
    await putRecord(ctx, { kind: 'internetGateway', id, owned: true });
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
    const record = ctx.state.resources.internetGateway;
    if (!record) return notRecorded('internet gateway');
    const vpcId = ctx.state.resources.vpc?.id ?? '';
    if (attachedGateway(ctx.world, vpcId)?.InternetGatewayId !== record.id) {
      return {
        ok: false,
        id: record.id,
        state: 'detached',
        problem: `internet gateway ${record.id} is no longer attached to ${vpcId}; run fixed-ip setup to repair`,
      };
    }
    return { ok: true, id: record.id, state: 'attached' };
  },

  // One gateway serves every stack in a VPC: one fixed-ip made (for whichever stack: the complete
  // tag set, never some of it) and still attached to this stack's VPC is removed by the last stack
  // to leave; while another stack still uses it, it stays.
  proves(ctx, _record, live) {
    if (isOurs(live.tags, ctx.name, ROLE)) return true;
    const vpcId = ctx.state.resources.vpc?.id;
    const gateway = ctx.world.internetGateways.find((g) => g.InternetGatewayId === live.id);
    const madeByFixedIp =
      tagValue(live.tags, TAG_STACK) !== undefined &&
      tagValue(live.tags, TAG_MANAGED_BY) === MANAGED_BY &&
      tagValue(live.tags, TAG_ROLE) === ROLE;
    return (
      madeByFixedIp && vpcId !== undefined && gateway?.Attachments?.some((a) => a.VpcId === vpcId) === true
    );
  },

  keeps(ctx) {
    const others = otherStacks(ctx);
    return others.length > 0 ? { why: `still used by stack ${others.join(', ')}`, forget: true } : undefined;
  },

  async remove(ctx, _zone, options) {
    const record = ctx.state.resources.internetGateway;
    if (!record) return { outcome: 'gone', detail: '' };
    const vpcId = ctx.state.resources.vpc?.id;
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
    await dropRecord(ctx, 'internetGateway', undefined);
    return { outcome: 'removed', detail: record.id };
  },

  dryRuns: (aws, stack, _zone, targets) => [
    {
      action: 'ec2:CreateInternetGateway',
      call: () =>
        aws.ec2.CreateInternetGateway({
          DryRun: true,
          TagSpecifications: tagSpec('internet-gateway', ROLE, stack),
        }),
    },
    {
      action: 'ec2:AttachInternetGateway',
      onOwnResource: true,
      call: () =>
        aws.ec2.AttachInternetGateway({
          DryRun: true,
          InternetGatewayId: `igw-${PLACEHOLDER}`,
          VpcId: targets.vpcId ?? `vpc-${PLACEHOLDER}`,
        }),
    },
  ],
};
