import type { AwsPort } from '../aws/port.js';
import { dropRecord, type StackContext, type Targets } from '../core/context.js';
import { nameTag, tagSpec } from '../core/tags.js';
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
