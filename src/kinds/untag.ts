import type { StackContext } from '../model/context.js';
import type { Kind, KindAction } from '../model/kind.js';
import type { ResourceRecord } from '../state/identity.js';

/**
 * `fixed-ip forget` takes fixed-ip's tags off what it hands over, and no other tag. EC2's DeleteTags
 * serves every EC2 kind (one call, any resource type); a kind outside EC2 (an IAM role, an Auto
 * Scaling group) says its own way with `Kind.untag`, and its IAM actions with `iam.untag`.
 */
export async function untagEc2(
  ctx: StackContext,
  ids: readonly string[],
  keys: readonly string[],
): Promise<void> {
  ctx.checkpoint();
  await ctx.aws.ec2.DeleteTags({ Resources: [...ids], Tags: keys.map((Key) => ({ Key })) });
}

/** How `forget` takes fixed-ip's tags off a kind's resource. */
export function untagOf(
  kind: Kind,
): (ctx: StackContext, record: ResourceRecord, keys: readonly string[]) => Promise<void> {
  return kind.untag?.bind(kind) ?? ((ctx, record, keys) => untagEc2(ctx, [record.id], keys));
}

/** The IAM actions that takes. */
export function untagActions(kind: Kind): readonly KindAction[] {
  return kind.iam.untag ?? ['ec2:DeleteTags'];
}
