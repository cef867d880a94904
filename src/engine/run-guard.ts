/**
 * The run guard: the stack's lease in its own account and region (an SSM parameter, see
 * src/lease/ssm.ts), taken by every run about to change the stack, so two runs with two state files
 * never work on one stack at once. The lease algorithm itself is src/lease/lease.ts, shared with the
 * state stores' locks.
 */
import { setMaxListeners } from 'node:events';
import type { AwsPort } from '../aws/port.js';
import { FixedIpError } from '../errors.js';
import { acquireLease, type Lease, type LeaseMark, peekLease } from '../lease/lease.js';
import { guardName, isDenied, ssmLease } from '../lease/ssm.js';
import type { Deps } from '../model/context.js';

export { guardName };
export type RunGuard = Lease;
export type GuardMark = LeaseMark;

export interface GuardOptions {
  stack: string;
  command: string;
  /** Where this run keeps its state, to name it to another run. */
  statePath: string;
  owner: string | undefined;
  heartbeatMs?: number;
  /** The guard as this run saw it before reading the account (peekRunGuard); undefined: unknown. */
  seen?: GuardMark | null | undefined;
}

/** The guard as a run first sees it, before it reads the account. */
export function peekRunGuard(aws: AwsPort, stack: string): Promise<GuardMark | null | undefined> {
  return peekLease(ssmLease(aws, stack));
}

/**
 * Takes the stack's run guard or stops with exit 7 naming who holds it. Only runs that are about
 * to change something call this (a re-run with nothing to do never writes the guard).
 */
export function takeRunGuard(
  aws: AwsPort,
  deps: Pick<Deps, 'clock' | 'ui'>,
  options: GuardOptions,
): Promise<RunGuard> {
  return acquireLease(ssmLease(aws, options.stack), {
    stack: options.stack,
    command: options.command,
    who: options.owner,
    state: options.statePath,
    clock: deps.clock,
    notify: (message) => deps.ui.notify(message),
    unlock: `fixed-ip unlock --name ${options.stack}`,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.seen === undefined ? {} : { seen: options.seen }),
  });
}

/**
 * Runs `body` holding the stack's run guard, with deps whose signal also stops the work when the
 * guard is lost; releases the guard however `body` ends (success, error, Ctrl-C).
 */
export async function withRunGuard<T>(
  aws: AwsPort,
  deps: Deps,
  options: GuardOptions & {
    /** Run without the guard when AWS denies its SSM calls (teardown: the charges must stop). */
    goOnWhenDenied?: boolean;
  },
  body: (guarded: Deps, guard: RunGuard) => Promise<T>,
): Promise<T> {
  let guard: RunGuard;
  try {
    guard = await takeRunGuard(aws, deps, options);
  } catch (error) {
    if (!options.goOnWhenDenied || !(error instanceof FixedIpError) || !isDenied(error.cause)) throw error;
    deps.ui.notify({
      level: 'warn',
      code: 'guard.denied',
      text: `${error.message}: ${options.command} goes on without it, so the charges stop; ${error.hint ?? ''}, so no other run can overlap it`,
    });
    return body(deps, NO_GUARD);
  }
  try {
    const signal = deps.signal ? AbortSignal.any([deps.signal, guard.signal]) : guard.signal;
    setMaxListeners(0, signal);
    return await body({ ...deps, signal }, guard);
  } finally {
    await guard.release();
  }
}

/** Stands for a guard that could not be taken (see goOnWhenDenied). */
const NO_GUARD: RunGuard = {
  release: () => Promise.resolve(),
  forget: () => undefined,
  unchanged: false,
  heartbeat: () => Promise.resolve(true),
  signal: new AbortController().signal,
};
