import * as z from 'zod/mini';
import { putRecord, dropRecord } from '../model/context.js';
import { isOurs, stackFilter, tagSpec, TAG_ROLE } from '../model/tags.js';
import { baseRecord, type Kind } from '../model/kind.js';
import { deleteWhenFree } from './retry.js';
import { removeOrphans } from './orphans.js';
import { VPCS } from '../model/world.js';
import { FixedIpError } from '../errors.js';

const ROLE = 'vpc';

export const vpcRecord = z.extend(baseRecord, { kind: z.literal('vpc'), cidrs: z.array(z.string()) });

// This kind's state record, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    vpc: z.infer<typeof vpcRecord>;
  }
}

/** Step 0, only with --new-vpc: the article assumes a VPC made beforehand. */
export const vpc: Kind = {
  name: 'vpc',
  part: VPCS,
  role: ROLE,
  zonal: false,
  article: 0,
  title: 'VPC',
  record: vpcRecord,
  iam: { read: ['ec2:DescribeVpcs'], create: ['ec2:CreateVpc'], remove: ['ec2:DeleteVpc'] },
  // Everything else lives in the VPC; teardown removes it last (the engine orders it after all).
  hourlyUsd: () => 0,

  iac(ctx, record, live) {
    if (!record.owned)
      return {
        reused: {
          id: record.id,
          title: 'your VPC',
          terraform: { type: 'aws_vpc', attributes: { id: record.id } },
          cloudformation: { parameterType: 'AWS::EC2::VPC::Id' },
        },
      };
    const cidr = ctx.world.vpcs.find((v) => v.VpcId === record.id)?.CidrBlock;
    if (!cidr) throw new FixedIpError('INTERNAL', `VPC ${record.id} has no CIDR block listed`);
    return {
      owned: [
        {
          id: record.id,
          part: '',
          tags: live.tags,
          terraform: { type: 'aws_vpc', attributes: { cidr_block: cidr }, importId: record.id },
          cloudformation: {
            type: 'AWS::EC2::VPC',
            properties: { CidrBlock: cidr },
            identifier: { VpcId: record.id },
          },
        },
      ],
    };
  },

  list: (world) =>
    world.vpcs.map((v) => ({
      id: v.VpcId ?? '',
      tags: v.Tags,
      zone: undefined,
      extra: { cidrs: v.CidrBlock ? [v.CidrBlock] : [] },
    })),

  plan(ctx, _zone, targets) {
    const record = ctx.state.resources.vpc;
    if (record) return { action: record.owned ? 'done' : 'reuse', detail: record.id };
    if (targets.newVpcCidr) return { action: 'create', detail: `new VPC ${targets.newVpcCidr}` };
    return { action: 'reuse', detail: targets.vpcId ?? '' };
  },

  async ensure(ctx, _zone, targets) {
    const recorded = ctx.state.resources.vpc;
    if (recorded) return recorded.id;
    const cidr = targets.newVpcCidr ?? '10.0.0.0/16';
    // A create whose response was lost is found again by its tags.
    const found = await ctx.aws.ec2.DescribeVpcs({
      Filters: [stackFilter(ctx.name), { Name: `tag:${TAG_ROLE}`, Values: [ROLE] }],
    });
    const ours = (found.Vpcs ?? []).filter((v) => isOurs(v.Tags, ctx.name, ROLE)).map((v) => v.VpcId ?? '');
    let id = ours[0];
    await removeOrphans(ctx, 'VPC', ours.slice(1), (orphan) => ctx.aws.ec2.DeleteVpc({ VpcId: orphan }));
    if (!id) {
      ctx.checkpoint();
      const created = await ctx.aws.ec2Create.CreateVpc({
        CidrBlock: cidr,
        TagSpecifications: tagSpec('vpc', ROLE, ctx.name),
      });
      id = created.Vpc?.VpcId ?? '';
    }
    await putRecord(ctx, { kind: 'vpc', id, owned: true, cidrs: [cidr] });
    return `${id} (${cidr})`;
  },

  check(ctx) {
    const id = ctx.state.resources.vpc?.id;
    if (!ctx.world.vpc)
      return {
        ok: false,
        id,
        state: 'missing',
        problem: `VPC ${id} no longer exists; run fixed-ip teardown, then setup`,
      };
    return { ok: true, id, state: ctx.world.vpc.State ?? 'available' };
  },

  async remove(ctx, _zone, options) {
    const record = ctx.state.resources.vpc;
    if (!record) return { outcome: 'gone', detail: '' };
    const outcome = await deleteWhenFree(ctx, {
      ...options,
      what: `VPC ${record.id}`,
      waitingFor: 'its last network interfaces to go',
      notFound: ['InvalidVpcID.NotFound'],
      busy: ['DependencyViolation'],
      attempt: () => ctx.aws.ec2.DeleteVpc({ VpcId: record.id }),
    });
    await dropRecord(ctx, 'vpc', undefined);
    return { outcome, detail: record.id };
  },

  dryRuns: (aws, stack, _zone, targets) => [
    {
      action: 'ec2:CreateVpc',
      call: () =>
        aws.ec2.CreateVpc({
          DryRun: true,
          CidrBlock: targets.newVpcCidr ?? '10.0.0.0/16',
          TagSpecifications: tagSpec('vpc', ROLE, stack),
        }),
    },
  ],
};
