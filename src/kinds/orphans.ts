import { awsErrorName } from '../aws/errors.js';
import type { StackContext } from '../model/context.js';
import { isOurs, stackFilter } from '../model/tags.js';

/**
 * Deletes duplicates an interrupted run left behind: resources carrying this stack's tags (so
 * fixed-ip made them) that are not the one the stack uses, e.g. a second Elastic IP allocated by a
 * create whose response was lost. Only called with ids that carry the stack's tags.
 */
export async function removeOrphans(
  ctx: StackContext,
  what: string,
  ids: readonly string[],
  remove: (id: string) => Promise<unknown>,
): Promise<void> {
  for (const id of ids) {
    ctx.checkpoint();
    try {
      await remove(id);
      ctx.ui.notify({
        level: 'info',
        code: 'orphan.removed',
        text: `Removed ${what} ${id}, a duplicate left by an interrupted run`,
      });
    } catch (error) {
      if (/NotFound$/.test(awsErrorName(error) ?? '')) continue;
      ctx.ui.notify({
        level: 'warn',
        code: 'orphan.kept',
        text: `Could not remove ${what} ${id}, a duplicate left by an interrupted run (${awsErrorName(error) ?? 'error'}); teardown will try again`,
      });
    }
  }
}

/**
 * After the NAT gateway's minutes-long wait, looks again for this stack's unattached internet
 * gateways and unassociated Elastic IPs that the state does not hold: made by a create whose response
 * was lost while AWS did not list it yet (eventual consistency), so the run made a second one.
 */
export async function sweepUnrecorded(ctx: StackContext): Promise<void> {
  const Filters = [stackFilter(ctx.name)];
  const [gateways, addresses] = await Promise.all([
    ctx.aws.ec2.DescribeInternetGateways({ Filters }),
    ctx.aws.ec2.DescribeAddresses({ Filters }),
  ]);
  const recorded = new Set(Object.values(ctx.state.resources).map((r) => r.id));
  const igws = (gateways.InternetGateways ?? [])
    .filter(
      (g) =>
        isOurs(g.Tags, ctx.name, 'internet-gateway') &&
        !recorded.has(g.InternetGatewayId ?? '') &&
        !g.Attachments?.length,
    )
    .map((g) => g.InternetGatewayId ?? '');
  const eips = (addresses.Addresses ?? [])
    .filter(
      (a) =>
        isOurs(a.Tags, ctx.name, 'elastic-ip') && !recorded.has(a.AllocationId ?? '') && !a.AssociationId,
    )
    .map((a) => a.AllocationId ?? '');
  await removeOrphans(ctx, 'internet gateway', igws, (id) =>
    ctx.aws.ec2.DeleteInternetGateway({ InternetGatewayId: id }),
  );
  await removeOrphans(ctx, 'Elastic IP', eips, (id) => ctx.aws.ec2.ReleaseAddress({ AllocationId: id }));
}
