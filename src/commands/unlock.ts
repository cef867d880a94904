import type { Deps } from '../model/context.js';
import { checkStackName } from '../model/options.js';
import { AbortError, FixedIpError } from '../errors.js';
import { breakLease, describeHolder, type LeaseBackend, readHolder } from '../lease/lease.js';
import { ssmLease } from '../lease/ssm.js';

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
  const storeLease = store.lease?.bind(store);
  const leases: Array<() => Promise<LeaseBackend>> = [
    // The state's own lock first: it needs no AWS account.
    ...(storeLease ? [() => storeLease(options.name)] : []),
    // The run guard lives in the stack's account and region: those of its state, else the session's.
    async () => {
      const saved = await store.read().catch(() => null);
      return ssmLease(await deps.connect(options.region ?? saved?.region), options.name);
    },
  ];
  let found = false;
  for (const next of leases) {
    const lease = await next();
    const holder = await readHolder(lease, deps.clock.now());
    if (!holder) continue;
    found = true;
    const held = describeHolder(holder);
    await confirm(
      deps,
      options,
      { what: lease.title, subject: `${lease.title} (${lease.where})` },
      held,
      holder,
    );
    if (!(await breakLease(lease, holder))) throw changed(lease.title);
    deps.ui.notify({
      level: 'success',
      code: 'unlock.done',
      text: `Removed ${lease.title} held by ${held}`,
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

function changed(title: string): FixedIpError {
  return new FixedIpError('LOCKED', `${title} changed while you were asked; it was left`, {
    hint: 'run fixed-ip unlock again to see who holds it now',
  });
}
