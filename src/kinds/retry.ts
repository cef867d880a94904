import { awsErrorName } from '../aws/errors.js';
import type { StackContext } from '../model/context.js';
import { POLL, sleepAfter } from '../model/wait.js';
import { FixedIpError } from '../errors.js';
import type { RemoveOptions } from '../model/kind.js';

/**
 * Deletes something AWS may refuse for a while (DependencyViolation while Lambda's network
 * interfaces linger, InUse while a NAT gateway is still deleting), retrying with backoff until
 * the teardown's deadline (on POLL.busyDelete's schedule). Returns 'gone' when AWS says it no longer exists.
 */
export async function deleteWhenFree(
  ctx: StackContext,
  options: RemoveOptions & {
    what: string;
    waitingFor: string;
    notFound: readonly string[];
    busy: readonly string[];
    attempt: () => Promise<unknown>;
  },
): Promise<'removed' | 'gone'> {
  let progress: ReturnType<StackContext['ui']['progress']> | undefined;
  const began = ctx.clock.now();
  for (;;) {
    ctx.checkpoint();
    const sentAt = ctx.clock.now() - began;
    try {
      await options.attempt();
      progress?.succeed(`${options.what} deleted`);
      return 'removed';
    } catch (error) {
      const name = awsErrorName(error);
      if (name !== undefined && options.notFound.includes(name)) {
        progress?.succeed(`${options.what} is gone`);
        return 'gone';
      }
      if (name === undefined || !options.busy.includes(name)) {
        progress?.fail(`${options.what} could not be deleted`);
        throw error;
      }
      const delay = sleepAfter(POLL.busyDelete, sentAt, ctx.clock.now() - began);
      if (ctx.clock.now() + delay > options.deadline) {
        progress?.warn(`${options.what}: gave up waiting for ${options.waitingFor}`);
        throw new FixedIpError('WAIT_EXPIRED', `${options.what} is still held by ${options.waitingFor}`, {
          cause: error,
        });
      }
      progress ??= ctx.ui.progress('teardown.wait', `${options.what}: waiting for ${options.waitingFor}`);
      await ctx.clock.sleep(delay, ctx.signal);
    }
  }
}
