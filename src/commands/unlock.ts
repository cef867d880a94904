import type { Deps } from '../core/context.js';
import { checkStackName } from '../core/options.js';
import { AbortError, ExitCode, FixedIpError } from '../errors.js';
import { describeHolder } from '../state/lock.js';

export interface UnlockOptions {
  name: string;
  state?: string | undefined;
  yes: boolean;
}

export interface UnlockResult {
  /** The lock was there and this run removed it. */
  removed: boolean;
}

/**
 * `fixed-ip unlock`: removes a stack's lock left by a run that is gone, as `terraform force-unlock`
 * does. It names the holder and asks (or takes --yes), and removes only the lock it named: if
 * another run took the lock meanwhile, that lock stays.
 */
export async function unlock(options: UnlockOptions, deps: Deps): Promise<UnlockResult> {
  checkStackName(options.name);
  const store = deps.openStore(options.name, options.state);
  if (!store.lockHolder || !store.breakLock) {
    throw new FixedIpError('BAD_OPTION', `the state ${store.path} has no lock to remove`);
  }
  const holder = await store.lockHolder();
  if (!holder) {
    deps.ui.notify({ level: 'info', code: 'unlock.none', text: `stack ${options.name} is not locked` });
    return { removed: false };
  }
  const held = describeHolder(holder);
  if (!holder.stale) {
    deps.ui.notify({
      level: 'warn',
      code: 'unlock.live',
      text: `the lock looks alive (${held}); removing it lets a second run start while that one works`,
    });
  }
  if (!options.yes) {
    if (!deps.ui.interactive) {
      throw new FixedIpError('CONSENT_REQUIRED', `unlock removes the lock held by ${held}`, {
        hint: 'pass --yes to confirm; nothing was changed',
      });
    }
    const ok = await deps.ui.ask({
      kind: 'confirm',
      code: 'unlock.confirm',
      message: `Remove the lock on stack ${options.name} held by ${held}?`,
      default: false,
    });
    if (!ok) throw new AbortError('Cancelled; the lock was left as it is', false);
  }
  if (!(await store.breakLock(holder))) {
    throw new FixedIpError(
      'LOCKED',
      `the lock on stack ${options.name} changed while you were asked; it was left`,
      {
        hint: `run fixed-ip unlock --name ${options.name} again to see who holds it now`,
        exitCode: ExitCode.locked,
      },
    );
  }
  deps.ui.notify({
    level: 'success',
    code: 'unlock.done',
    text: `Removed the lock on stack ${options.name} held by ${held}`,
  });
  return { removed: true };
}
