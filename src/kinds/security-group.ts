import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import { putRecord, vpcIdOf } from '../model/context.js';
import { nameTag, tagSpec } from '../model/tags.js';
import { findListed } from './find.js';
import { baseRecord, type Kind } from '../model/kind.js';
import { untilLambdaLetsGo } from './lambda-enis.js';
import { createGroupDryRun, deleteGroup, findOwnGroup, nameTaken } from './groups.js';
import { functionsUsing } from './in-use.js';
import { notRecorded } from './status.js';
import { SECURITY_GROUPS } from '../model/world.js';
import { securityGroupAsCode } from './groups.js';

const ROLE = 'security-group';
const groupName = (stack: string): string => nameTag(ROLE, stack);

export const securityGroupRecord = z.extend(baseRecord, { kind: z.literal('securityGroup') });

// This kind's state record, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    securityGroup: z.infer<typeof securityGroupRecord>;
  }
}

/** Part of step 4: the functions' security group. No inbound rules; AWS's default egress stays. */
export const securityGroup: Kind = {
  name: 'securityGroup',
  part: SECURITY_GROUPS,
  role: ROLE,
  zonal: false,
  article: 4,
  title: 'Security group',
  record: securityGroupRecord,
  iam: {
    read: ['ec2:DescribeSecurityGroups'],
    create: ['ec2:CreateSecurityGroup', 'ec2:CreateTags'],
    remove: ['ec2:DeleteSecurityGroup', 'ec2:DescribeNetworkInterfaces'],
  },
  hourlyUsd: () => 0,

  iac: (ctx, record, live) => ({ owned: [securityGroupAsCode(ctx, record.id, live.tags)] }),

  list: (world) =>
    world.securityGroups.map((g) => ({ id: g.GroupId ?? '', tags: g.Tags, zone: undefined, extra: {} })),

  plan(ctx) {
    const found = findListed(ctx, securityGroup, undefined);
    return found
      ? { action: 'done', detail: found.id }
      : { action: 'create', detail: `${groupName(ctx.name)}, no inbound rules` };
  },

  async ensure(ctx) {
    let id = findListed(ctx, securityGroup, undefined)?.id;
    if (!id) {
      ctx.checkpoint();
      try {
        const created = await ctx.aws.ec2Create.CreateSecurityGroup({
          GroupName: groupName(ctx.name),
          Description: `fixed-ip ${ctx.name}: Lambda functions with a fixed outbound IP`,
          VpcId: vpcIdOf(ctx),
          TagSpecifications: tagSpec('security-group', ROLE, ctx.name),
        });
        id = created.GroupId ?? '';
      } catch (error) {
        // Created by an attempt whose response was lost: the name is unique in the VPC.
        if (awsErrorName(error) !== 'InvalidGroup.Duplicate') throw error;
        id = (await findOwnGroup(ctx, securityGroup, error as Error)).GroupId ?? '';
      }
    }
    await putRecord(ctx, { kind: 'securityGroup', id, owned: true });
    return `${id} (${groupName(ctx.name)})`;
  },

  check(ctx) {
    const record = ctx.state.resources.securityGroup;
    if (!record) return notRecorded('security group');
    // Lambda refuses a group that does not exist, so an attached function proves it is there.
    const inUse = ctx.world.functions.some((f) => f.VpcConfig?.SecurityGroupIds?.includes(record.id));
    const listed = ctx.world.securityGroups.some((g) => g.GroupId === record.id);
    if (!inUse && !listed && ctx.world.securityGroups.length > 0)
      return {
        ok: false,
        id: record.id,
        state: 'missing',
        problem: `security group ${record.id} was deleted; run fixed-ip setup to recreate it`,
      };
    return { ok: true, id: record.id, state: inUse ? 'in use' : 'recorded' };
  },

  async remove(ctx, _zone, options) {
    const record = ctx.state.resources.securityGroup;
    if (!record) return { outcome: 'gone', detail: '' };
    const users = await functionsUsing(ctx, record.id);
    if (users.length > 0)
      return {
        outcome: 'kept',
        detail: `${record.id}: in use by ${users.join(', ')}`,
        why: `in use by ${users.join(', ')}`,
      };
    const what = `security group ${record.id}`;
    await untilLambdaLetsGo(ctx, { what, holder: { groupId: record.id }, deadline: options.deadline });
    return deleteGroup(ctx, 'securityGroup', record.id, {
      ...options,
      waitingFor:
        'Lambda to delete its network interfaces (AWS takes up to 20 minutes after a function leaves)',
    });
  },

  blockers: (ctx) => Promise.resolve(nameTaken(ctx, ROLE)),

  dryRuns: (aws, stack, _zone, targets) => [createGroupDryRun(aws, stack, ROLE, targets)],
};
