import type { Deps } from '../model/context.js';
import { checkStackName } from '../model/options.js';
import { breakRunGuard, describeGuardHolder, guardName, readRunGuard } from '../engine/run-guard.js';
import { AbortError, FixedIpError } from '../errors.js';
import { describeHolder } from '../state/lock.js';

export interface UnlockOptions {
  name: string;
  state?: string | undefined;
  region?: string | undefined;
  yes: boolean;
}

export interface UnlockResult {
  /** A lock or run guard was there and this run removed it. */
  removed: boolean;
}

/**
 * `fixed-ip unlock`: removes what a run that is gone left holding the stack, as `terraform
 * force-unlock` does: the state's lock (beside the state file, or in S3) and the stack's run guard
 * in AWS (an SSM parameter). It names each holder and asks (or takes --yes), and removes only what
 * it named: if another run took it meanwhile, that stays.
 */
export async function unlock(options: UnlockOptions, deps: Deps): Promise<UnlockResult> {
  checkStackName(options.name);
  const store = deps.openStore(options.name, options.state);
  let found = false;
  if (store.lockHolder && store.breakLock) {
    const holder = await store.lockHolder();
    if (holder) {
      found = true;
      const held = describeHolder(holder);
      await confirm(deps, options, { what: 'the lock', subject: `the lock on stack ${options.name}` }, held, {
        stale: holder.stale,
        dead: holder.dead === true,
      });
      if (!(await store.breakLock(holder))) throw changed(options.name, 'lock');
      deps.ui.notify({
        level: 'success',
        code: 'unlock.done',
        text: `Removed the lock on stack ${options.name} held by ${held}`,
      });
    }
  }
  // The run guard lives in the stack's account and region: those of its state, else the session's.
  const saved = await store.read().catch(() => null);
  const aws = await deps.connect(options.region ?? saved?.region);
  const guard = await readRunGuard(aws, options.name, deps.clock.now());
  if (guard) {
    found = true;
    const held = describeGuardHolder(guard);
    const what = `the run guard of stack ${options.name}`;
    await confirm(deps, options, { what, subject: `${what} (${guardName(options.name)})` }, held, guard);
    if (!(await breakRunGuard(aws, options.name, guard))) throw changed(options.name, 'run guard');
    deps.ui.notify({
      level: 'success',
      code: 'unlock.guard.done',
      text: `Removed the run guard of stack ${options.name} held by ${held}`,
    });
  }
  if (!found)
    deps.ui.notify({ level: 'info', code: 'unlock.none', text: `stack ${options.name} is not locked` });
  return { removed: found };
}

async function confirm(
  deps: Deps,
  options: UnlockOptions,
  /** `what` for the one-line messages; `subject` names it fully in the question. */
  { what, subject }: { what: string; subject: string },
  held: string,
  { stale, dead }: { stale: boolean; dead: boolean },
): Promise<void> {
  if (dead) {
    deps.ui.notify({
      level: 'info',
      code: 'unlock.dead',
      text: `${what} was left by ${held}, which is no longer running on this host`,
    });
  } else if (!stale) {
    deps.ui.notify({
      level: 'warn',
      code: 'unlock.live',
      text: `${what} looks alive (${held}); removing it lets a second run start while that one works`,
    });
  }
  if (options.yes) return;
  if (!deps.ui.interactive) {
    throw new FixedIpError('CONSENT_REQUIRED', `unlock removes ${what} held by ${held}`, {
      hint: 'pass --yes to confirm; nothing was changed',
    });
  }
  const ok = await deps.ui.ask({
    kind: 'confirm',
    code: 'unlock.confirm',
    message: `Remove ${subject} held by ${held}?`,
    default: false,
  });
  if (!ok) throw new AbortError('Cancelled; the lock was left as it is', false);
}

function changed(stack: string, what: string): FixedIpError {
  return new FixedIpError(
    'LOCKED',
    `the ${what} on stack ${stack} changed while you were asked; it was left`,
    {
      hint: `run fixed-ip unlock --name ${stack} again to see who holds it now`,
    },
  );
}
