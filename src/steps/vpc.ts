import type { Step } from './step.js';
import { isOurs, stackFilter, tagSpec } from '../core/tags.js';
import { deleteWhenFree } from './retry.js';
import { removeOrphans } from './orphans.js';

/** Step 0, only with --new-vpc: the article assumes a VPC made beforehand. */
export const vpc: Step = {
  key: 'vpc',
  article: 0,
  title: 'VPC',
  after: [],
  removeAfter: [
    'internetGateway',
    'publicSubnet',
    'publicRouteTable',
    'privateSubnet',
    'securityGroup',
    'natGateway',
    'privateRouteTable',
    'functions',
  ],

  plan(ctx, targets) {
    if (ctx.state.vpc) return { action: ctx.state.vpc.owned ? 'done' : 'reuse', detail: ctx.state.vpc.id };
    if (targets.newVpcCidr) return { action: 'create', detail: `new VPC ${targets.newVpcCidr}` };
    return { action: 'reuse', detail: targets.vpcId ?? '' };
  },

  async ensure(ctx, targets) {
    if (ctx.state.vpc) return ctx.state.vpc.id;
    const cidr = targets.newVpcCidr ?? '10.0.0.0/16';
    // A create whose response was lost is found again by its tags.
    const found = await ctx.aws.ec2.DescribeVpcs({
      Filters: [stackFilter(ctx.name), { Name: 'tag:fixed-ip:role', Values: ['vpc'] }],
    });
    const ours = (found.Vpcs ?? []).filter((v) => isOurs(v.Tags, ctx.name, 'vpc')).map((v) => v.VpcId ?? '');
    let id = ours[0];
    await removeOrphans(ctx, 'VPC', ours.slice(1), (orphan) => ctx.aws.ec2.DeleteVpc({ VpcId: orphan }));
    if (!id) {
      ctx.checkpoint();
      const created = await ctx.aws.ec2Create.CreateVpc({
        CidrBlock: cidr,
        TagSpecifications: tagSpec('vpc', 'vpc', ctx.name),
      });
      id = created.Vpc?.VpcId ?? '';
    }
    ctx.state.vpc = { id, owned: true, cidrs: [cidr] };
    await ctx.save();
    return `${id} (${cidr})`;
  },

  check(ctx) {
    const id = ctx.state.vpc?.id;
    const live = ctx.live.vpc;
    if (!live)
      return {
        ok: false,
        id,
        state: 'missing',
        problem: `VPC ${id} no longer exists; run fixed-ip teardown, then setup`,
      };
    return { ok: true, id, state: live.State ?? 'available' };
  },

  async remove(ctx, options) {
    const record = ctx.state.vpc;
    if (!record) return { outcome: 'gone', detail: '' };
    if (!record.owned) {
      delete ctx.state.vpc;
      await ctx.save();
      return { outcome: 'kept', detail: `${record.id} (not made by fixed-ip)` };
    }
    const outcome = await deleteWhenFree(ctx, {
      ...options,
      what: `VPC ${record.id}`,
      waitingFor: 'its last network interfaces to go',
      notFound: ['InvalidVpcID.NotFound'],
      busy: ['DependencyViolation'],
      attempt: () => ctx.aws.ec2.DeleteVpc({ VpcId: record.id }),
    });
    delete ctx.state.vpc;
    await ctx.save();
    return { outcome, detail: record.id };
  },
};
