import { awsErrorName } from '../aws/errors.js';
import { type StackContext, vpcIdOf } from '../core/context.js';
import { isOurs, nameTag, tagSpec } from '../core/tags.js';
import { pollUntil } from '../core/wait.js';
import { deleteWhenFree } from './retry.js';
import { notRecorded, type Step } from './step.js';

const groupName = (ctx: StackContext): string => nameTag('security-group', ctx.name);

/** Part of step 4: the functions' security group. No inbound rules; AWS's default egress stays. */
export const securityGroup: Step = {
  key: 'securityGroup',
  article: 4,
  title: 'Security group',
  after: ['vpc'],
  removeAfter: ['functions'],

  plan(ctx) {
    const found = find(ctx);
    return found
      ? { action: 'done', detail: found }
      : { action: 'create', detail: `${groupName(ctx)}, no inbound rules` };
  },

  async ensure(ctx) {
    let id = find(ctx);
    if (!id) {
      ctx.checkpoint();
      try {
        const created = await ctx.aws.ec2Create.CreateSecurityGroup({
          GroupName: groupName(ctx),
          Description: `fixed-ip ${ctx.name}: Lambda functions with a fixed outbound IP`,
          VpcId: vpcIdOf(ctx),
          TagSpecifications: tagSpec('security-group', 'security-group', ctx.name),
        });
        id = created.GroupId ?? '';
      } catch (error) {
        // Created by an attempt whose response was lost: the name is unique in the VPC.
        if (awsErrorName(error) !== 'InvalidGroup.Duplicate') throw error;
        // AWS may not list it yet (eventual consistency): look again for up to 30 s.
        const group = await pollUntil(
          async () => {
            const found = await ctx.aws.ec2.DescribeSecurityGroups({
              Filters: [
                { Name: 'vpc-id', Values: [vpcIdOf(ctx)] },
                { Name: 'group-name', Values: [groupName(ctx)] },
              ],
            });
            return found.SecurityGroups?.find((g) => isOurs(g.Tags, ctx.name, 'security-group'));
          },
          {
            clock: ctx.clock,
            signal: ctx.signal,
            delays: [2_000, 4_000, 8_000],
            timeoutMs: 30_000,
            onTimeout: () => error as Error,
          },
        );
        id = group.GroupId ?? '';
      }
    }
    if (ctx.state.securityGroup?.id !== id) {
      ctx.state.securityGroup = { id, owned: true };
      await ctx.save();
    }
    return `${id} (${groupName(ctx)})`;
  },

  check(ctx) {
    const record = ctx.state.securityGroup;
    if (!record) return notRecorded('security group');
    return { ok: true, id: record.id, state: 'recorded' };
  },

  async remove(ctx, options) {
    const record = ctx.state.securityGroup;
    if (!record) return { outcome: 'gone', detail: '' };
    const outcome = await deleteWhenFree(ctx, {
      ...options,
      what: `security group ${record.id}`,
      waitingFor:
        'Lambda to delete its network interfaces (AWS takes up to 20 minutes after a function leaves)',
      notFound: ['InvalidGroup.NotFound'],
      busy: ['DependencyViolation'],
      attempt: () => ctx.aws.ec2.DeleteSecurityGroup({ GroupId: record.id }),
    });
    delete ctx.state.securityGroup;
    await ctx.save();
    return { outcome, detail: record.id };
  },
};

function find(ctx: StackContext): string | undefined {
  const recorded = ctx.state.securityGroup?.id;
  return ctx.live.securityGroups.find(
    (g) => g.GroupId === recorded || isOurs(g.Tags, ctx.name, 'security-group'),
  )?.GroupId;
}
