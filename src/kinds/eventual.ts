import type { StackContext } from '../model/context.js';
import { POLL, pollUntil } from '../model/wait.js';

/** How long AWS may take to list a resource it has just created (eventual consistency). */
const VISIBLE_WITHIN_MS = 30_000;

/**
 * Looks for a resource the state records (or a create just reported) until AWS lists it, for up
 * to 30 s; undefined when it never shows up (it was deleted). A freshly created resource is briefly
 * missing from Describe calls, and creating it again would make a duplicate.
 */
export async function whenVisible<T>(
  ctx: StackContext,
  look: () => Promise<T | undefined>,
): Promise<T | undefined> {
  return pollUntil(look, {
    clock: ctx.clock,
    signal: ctx.signal,
    schedule: POLL.visible,
    timeoutMs: VISIBLE_WITHIN_MS,
    onTimeout: () => new Error('not visible'),
  }).catch((error: unknown) => {
    if (ctx.signal?.aborted) throw error;
    if (error instanceof Error && error.message === 'not visible') return undefined;
    throw error;
  });
}
