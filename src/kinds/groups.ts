import type { AwsPort } from '../aws/port.js';
import { dropRecord, type StackContext, type Targets, vpcIdOf } from '../core/context.js';
import { isOurs, nameTag, tagSpec } from '../core/tags.js';
import { type DryRun, type KindName, PLACEHOLDER, type RemoveOptions, type RemoveOutcome } from './kind.js';
import { deleteWhenFree } from './retry.js';

/** What the two security group kinds (the functions', the NAT instance's) share. */

/** Deletes a recorded group once AWS lets go of it (`waitingFor` says what holds it meanwhile). */
export async function deleteGroup(
  ctx: StackContext,
  kind: Extract<KindName, 'securityGroup' | 'natSecurityGroup'>,
  id: string,
  options: RemoveOptions & { waitingFor: string },
): Promise<RemoveOutcome> {
  const outcome = await deleteWhenFree(ctx, {
    ...options,
    what: `security group ${id}`,
    notFound: ['InvalidGroup.NotFound'],
    busy: ['DependencyViolation'],
    attempt: () => ctx.aws.ec2.DeleteSecurityGroup({ GroupId: id }),
  });
  await dropRecord(ctx, kind, undefined);
  return { outcome, detail: id };
}

/** The CreateSecurityGroup a kind of this role would make, with DryRun. */
export function createGroupDryRun(aws: AwsPort, stack: string, role: string, targets: Targets): DryRun {
  return {
    action: 'ec2:CreateSecurityGroup',
    call: () =>
      aws.ec2.CreateSecurityGroup({
        DryRun: true,
        GroupName: nameTag(role, stack),
        Description: 'fixed-ip dry run',
        VpcId: targets.vpcId ?? `vpc-${PLACEHOLDER}`,
        TagSpecifications: tagSpec('security-group', role, stack),
      }),
  };
}

/**
 * Group names are unique in a VPC: one of this role's name that fixed-ip did not make for this
 * stack would stop setup halfway (InvalidGroup.Duplicate), so plan and setup name it first.
 */
export function nameTaken(ctx: StackContext, role: string): string[] {
  const name = nameTag(role, ctx.name);
  const taken = ctx.world.securityGroups.find((g) => g.GroupName === name && !isOurs(g.Tags, ctx.name, role));
  if (!taken) return [];
  return [
    `${vpcIdOf(ctx)} already has a security group named ${name} (${taken.GroupId ?? ''}) that fixed-ip did not make for stack ${ctx.name}: pick a free stack name with --name, or rename that group`,
  ];
}
