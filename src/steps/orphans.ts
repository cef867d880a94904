import { awsErrorName } from '../aws/errors.js';
import type { StackContext } from '../core/context.js';

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
      ctx.ui.notify({ level: 'info', code: 'orphan.removed', text: `Removed ${what} ${id}, a duplicate left by an interrupted run` });
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
