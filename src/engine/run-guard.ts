/**
 * The run guard: one SSM parameter per stack, account and region (`/fixed-ip/<stack>/run-lock`),
 * so two runs that change the same stack never work at once, even from two directories or two
 * machines with two state files (the state's own lock only guards runs sharing one state).
 *
 * The first run creates it (PutParameter without Overwrite: exactly one run can). A run that ends
 * marks it released; the next one reads it (version v) and overwrites it, and holds it only if its
 * write became version v+1 (SSM numbers every write), so of any number of runs exactly one gets it.
 * The version also tells a run whether anyone held the guard since it last looked. The holder
 * rewrites it every 30 s; a guard not rewritten for 2 minutes was left by a run that is gone, and is
 * taken over the same way. Standard-tier parameters cost nothing.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import { FixedIpError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import { deadOnThisHost } from '../state/lock.js';
import type { Deps } from '../model/context.js';
import type { Message } from '../ports/ui.js';

/** The holder rewrites the guard this often while its run lasts... */
export const GUARD_HEARTBEAT_MS = 30_000;
/** ...so a guard not rewritten for this long was left by a run that is gone. */
export const GUARD_STALE_MS = 120_000;

export function guardName(stack: string): string {
  return `/fixed-ip/${stack}/run-lock`;
}

interface GuardBody {
  /** The caller's ARN (STS). */
  owner?: string;
  host: string;
  pid: number;
  cwd: string;
  /** The state file (or s3:// URL) of the holder. */
  state: string;
  command: string;
  startedAt: string;
  heartbeatAt: string;
  nonce: string;
  /** Set when it was taken over: the guard it replaced, so two runs racing for it know each other. */
  replaces?: { version: number; nonce: string };
  /** Written by the holder as it ends: the guard is free, and its version counts the runs. */
  released?: boolean;
}

/** A guard's version and nonce: two marks are equal only if nobody wrote it in between. */
export interface GuardMark {
  version: number;
  nonce: string;
}

/** Who holds a stack's run guard, as the "in use" error and `unlock` name it. */
export interface GuardHolder {
  owner: string | undefined;
  host: string;
  pid: number;
  cwd: string;
  state: string;
  command: string;
  startedAt: string;
  /** When AWS last saw the holder write it. */
  heartbeatAt: string;
  /** How long ago that was, when this run looked (undefined: unreadable). */
  silentForMs: number | undefined;
  /** The holder ran on this host, and its process is no longer running. */
  dead: boolean;
  stale: boolean;
  version: number;
  nonce: string;
}

export interface RunGuard {
  /** Marks the guard released if it is still this run's (deletes it after `forget`). Safe to call twice. */
  release(): Promise<void>;
  /** The stack is gone: release deletes the guard rather than keeping it. */
  forget(): void;
  /** The guard was exactly as `seen` when taken: no other run changed the stack in between. */
  readonly unchanged: boolean;
  /** Rewrites the guard now (the timer does it every 30 s); false once it is lost. */
  heartbeat(): Promise<boolean>;
  /** Aborted (with a LOCK_LOST error, exit 7) when the guard is found removed or taken. */
  readonly signal: AbortSignal;
}

export interface GuardOptions {
  stack: string;
  command: string;
  /** Where this run keeps its state, to name it to another run. */
  statePath: string;
  owner: string | undefined;
  clock: Clock;
  notify: (message: Message) => void;
  heartbeatMs?: number;
  /** The guard as this run saw it before reading the account (peekRunGuard); undefined: unknown. */
  seen?: GuardMark | null | undefined;
}

/** The guards this process holds, so a second Ctrl-C (which exits at once) can still try to free them. */
const HELD = new Set<RunGuard>();

/** Releases every guard this process holds, for the second Ctrl-C; never throws. */
export async function releaseHeldGuards(): Promise<void> {
  await Promise.allSettled([...HELD].map((guard) => guard.release()));
}

/** One line naming the holder: who, where, what, since when. */
export function describeGuardHolder(holder: GuardHolder): string {
  const who = holder.owner ? `${holder.owner} ` : '';
  return `${who}pid ${holder.pid} on ${holder.host} in ${holder.cwd} (${holder.command}, state ${holder.state}) since ${holder.startedAt}`;
}

/**
 * Takes the stack's run guard or stops with exit 7 naming who holds it. Only runs that are about
 * to change something call this (a re-run with nothing to do never writes the guard).
 */
export async function takeRunGuard(aws: AwsPort, options: GuardOptions): Promise<RunGuard> {
  const name = guardName(options.stack);
  const started = new Date(options.clock.now()).toISOString();
  let body: GuardBody = {
    ...(options.owner === undefined ? {} : { owner: options.owner }),
    host: hostname(),
    pid: process.pid,
    cwd: process.cwd().slice(0, 1000),
    state: options.statePath.slice(0, 1000),
    command: options.command,
    startedAt: started,
    heartbeatAt: started,
    nonce: randomUUID(),
  };
  let taken = false;
  let unchanged = false;
  for (let attempt = 0; attempt < 3 && !taken; attempt++) {
    const current = await readBody(aws, name);
    if (!current) {
      try {
        await put(aws, name, body, false);
        taken = true;
        unchanged = options.seen === null;
      } catch (error) {
        if (awsErrorName(error) === 'ParameterAlreadyExists') continue; // another run was faster: look again
        // The answer may be lost while the put took effect: then the guard is ours.
        const written = await readBody(aws, name).catch(() => null);
        if (written?.body.nonce !== body.nonce) throw guardError(error, name, 'ssm:PutParameter');
        taken = true;
      }
      break;
    }
    const holder = holderOf(current, options.clock.now());
    if (current.body.released !== true && !holder.stale) throw heldBy(options.stack, holder);
    // Released by the last run (or left stale): overwrite it. Every write is a new version, so of
    // the runs that overwrite version v, only the one whose write became v+1 holds the guard.
    const next: GuardBody = { ...body, replaces: { version: current.version, nonce: holder.nonce } };
    let version: number | undefined;
    try {
      version = (await put(aws, name, next, true)).Version;
    } catch (putError) {
      // The answer may be lost while the write took effect: it is ours if it is the next version.
      const written = await readBody(aws, name).catch(() => null);
      if (written?.body.nonce !== next.nonce) throw guardError(putError, name, 'ssm:PutParameter');
      version = written.version;
    }
    if (version !== current.version + 1) {
      throw new FixedIpError(
        'LOCKED',
        `stack ${options.stack} is being changed by another run, which took its run guard at the same moment`,
        {
          hint: `run fixed-ip unlock --name ${options.stack} to see who holds it`,
        },
      );
    }
    body = next;
    taken = true;
    // Nobody changed the stack since this run first looked: the guard is still the one it saw.
    unchanged =
      options.seen !== undefined &&
      options.seen !== null &&
      options.seen.version === current.version &&
      options.seen.nonce === holder.nonce;
    if (current.body.released !== true)
      options.notify({
        level: 'warn',
        code: 'guard.takeover',
        text: `Took over the run guard of stack ${options.stack}: ${describeGuardHolder(holder)} ${whyGone(holder)}`,
      });
  }
  if (!taken)
    throw new FixedIpError('LOCKED', `stack ${options.stack} is being changed by another run`, {
      hint: 'wait for it to finish',
    });

  const controller = new AbortController();
  // Every wait of the run listens to this signal.
  setMaxListeners(0, controller.signal);
  let lost = false;
  let forgotten = false;
  let inFlight: Promise<boolean> = Promise.resolve(true);
  const ours = (current: Partial<GuardBody> | undefined): boolean =>
    current !== undefined &&
    (current.nonce === body.nonce ||
      // A run that lost the same takeover race may have written after us: the guard is still ours.
      (body.replaces !== undefined &&
        current.replaces?.version === body.replaces.version &&
        current.replaces.nonce === body.replaces.nonce));
  const lose = (): false => {
    lost = true;
    options.notify({
      level: 'warn',
      code: 'guard.lost',
      text: `the run guard of stack ${options.stack} (${name}) was removed or taken by another run; this run stops`,
    });
    controller.abort(
      new FixedIpError(
        'LOCK_LOST',
        `the run guard of stack ${options.stack} was removed or taken by another run`,
        {
          hint: `this run stopped after its last AWS call; run fixed-ip status --name ${options.stack}`,
        },
      ),
    );
    return false;
  };
  const beatOnce = async (): Promise<boolean> => {
    if (lost) return false;
    try {
      const current = await readBody(aws, name);
      if (!ours(current?.body)) return lose();
      body = { ...body, heartbeatAt: new Date(options.clock.now()).toISOString() };
      await put(aws, name, body, true);
      return true;
    } catch (error) {
      // A network blip: the next heartbeat tries again, well before the guard goes stale.
      options.notify({
        level: 'debug',
        code: 'guard.heartbeat',
        text: `run guard heartbeat failed: ${(error as Error).message}`,
      });
      return true;
    }
  };
  const heartbeat = (): Promise<boolean> => (inFlight = inFlight.then(beatOnce));
  const timer = setInterval(() => void heartbeat(), options.heartbeatMs ?? GUARD_HEARTBEAT_MS);
  timer.unref();

  const guard: RunGuard = {
    signal: controller.signal,
    heartbeat,
    unchanged,
    forget: () => {
      forgotten = true;
    },
    release: async () => {
      clearInterval(timer);
      HELD.delete(guard);
      await inFlight;
      if (lost) return;
      lost = true;
      try {
        const current = await readBody(aws, name);
        if (!ours(current?.body)) return;
        // Kept, marked released: its version tells the next run whether anyone changed the stack
        // since it looked. A stack that is gone takes its guard with it.
        if (forgotten) await aws.ssmWrite.DeleteParameter({ Name: name });
        else
          await put(
            aws,
            name,
            { ...body, released: true, heartbeatAt: new Date(options.clock.now()).toISOString() },
            true,
          );
      } catch (error) {
        if (awsErrorName(error) === 'ParameterNotFound') return;
        options.notify({
          level: 'warn',
          code: 'guard.release',
          text: `could not remove the run guard ${name} (${(error as Error).message}); once this run is gone, remove it with: fixed-ip unlock --name ${options.stack}`,
        });
      }
    },
  };
  HELD.add(guard);
  return guard;
}

/** Who holds the stack's run guard, or null when nobody does (none, or released by the last run). */
export async function readRunGuard(aws: AwsPort, stack: string, now: number): Promise<GuardHolder | null> {
  const current = await readBody(aws, guardName(stack));
  if (!current || current.body.released === true) return null;
  return holderOf(current, now);
}

/**
 * The guard as a run first sees it, before it reads the account: compared when it takes the
 * guard, to know whether another run changed the stack in between. undefined: could not tell.
 */
export async function peekRunGuard(aws: AwsPort, stack: string): Promise<GuardMark | null | undefined> {
  try {
    const current = await readBody(aws, guardName(stack));
    return current ? { version: current.version, nonce: current.body.nonce ?? '' } : null;
  } catch {
    return undefined; // e.g. no ssm:GetParameter: taking the guard says so, if this run has work
  }
}

function holderOf(
  current: { body: Partial<GuardBody>; version: number; modified: number | undefined },
  now: number,
): GuardHolder {
  const { body, version, modified } = current;
  const heartbeat = modified ?? Date.parse(body.heartbeatAt ?? '');
  // A holder on this machine whose process has died is gone now, not in two minutes.
  const dead = deadOnThisHost(body.host, body.pid);
  const silentForMs = Number.isFinite(heartbeat) ? Math.max(0, now - heartbeat) : undefined;
  return {
    owner: body.owner,
    host: body.host ?? 'unknown host',
    pid: body.pid ?? 0,
    cwd: body.cwd ?? 'unknown directory',
    state: body.state ?? 'unknown',
    command: body.command ?? 'unknown command',
    startedAt: body.startedAt ?? 'unknown',
    heartbeatAt: Number.isFinite(heartbeat) ? new Date(heartbeat).toISOString() : 'unknown',
    silentForMs,
    dead,
    stale: dead || silentForMs === undefined || silentForMs > GUARD_STALE_MS,
    version,
    nonce: body.nonce ?? '',
  };
}

/** Removes the guard if it is still the one `holder` names (same version); false when it changed. */
export async function breakRunGuard(aws: AwsPort, stack: string, holder: GuardHolder): Promise<boolean> {
  const name = guardName(stack);
  const current = await readBody(aws, name);
  if (!current || current.version !== holder.version || current.body.nonce !== holder.nonce) return false;
  try {
    await aws.ssmWrite.DeleteParameter({ Name: name });
    return true;
  } catch (error) {
    if (awsErrorName(error) === 'ParameterNotFound') return false;
    throw guardError(error, name, 'ssm:DeleteParameter');
  }
}

async function readBody(
  aws: AwsPort,
  name: string,
): Promise<{ body: Partial<GuardBody>; version: number; modified: number | undefined } | null> {
  try {
    const out = await aws.ssm.GetParameter({ Name: name });
    let body: Partial<GuardBody> = {};
    try {
      body = JSON.parse(out.Parameter?.Value ?? '') as Partial<GuardBody>;
    } catch {
      // unreadable: it still guards the stack; unlock removes it
    }
    return {
      body,
      version: out.Parameter?.Version ?? 0,
      modified: out.Parameter?.LastModifiedDate?.getTime(),
    };
  } catch (error) {
    if (awsErrorName(error) === 'ParameterNotFound') return null;
    throw guardError(error, name, 'ssm:GetParameter');
  }
}

/** Why a holder's guard could be taken over, as measured when this run looked. */
export function whyGone(holder: GuardHolder): string {
  const last = holder.silentForMs === undefined ? undefined : `${formatAgo(holder.silentForMs)} ago`;
  if (holder.dead)
    return `is no longer running on this host${last ? ` (it last renewed the guard ${last})` : ''}`;
  return last
    ? `had not renewed it for ${formatAgo(holder.silentForMs ?? 0)}`
    : 'left it with no readable time of renewal';
}

/** "12s", "2m 05s", "1h 02m". */
function formatAgo(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

function put(aws: AwsPort, name: string, body: GuardBody, overwrite: boolean) {
  return aws.ssmWrite.PutParameter({
    Name: name,
    Value: JSON.stringify(body),
    Type: 'String',
    // Standard tier: free, up to 4 KB.
    Tier: 'Standard',
    Overwrite: overwrite,
    ...(overwrite ? {} : { Description: 'fixed-ip: the run changing this stack now (removed when it ends)' }),
  });
}

function heldBy(stack: string, holder: GuardHolder): FixedIpError {
  return new FixedIpError('LOCKED', `stack ${stack} is being changed by ${describeGuardHolder(holder)}`, {
    hint: `wait for it to finish; if that run is gone: fixed-ip unlock --name ${stack}`,
  });
}

/**
 * A missing permission is one line naming the action and the policy command, not AWS's paragraph,
 * and exits 6 like any permission plan finds missing.
 */
const denied = (error: unknown): boolean =>
  ['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation'].includes(awsErrorName(error) ?? '');

function guardError(error: unknown, name: string, action: string): unknown {
  if (denied(error)) {
    return new FixedIpError('PERMISSION_MISSING', `AWS denied ${action} on ${name} (the stack's run guard)`, {
      hint: 'grant the permissions listed by `fixed-ip iam-policy` (ssm:GetParameter, ssm:PutParameter and ssm:DeleteParameter on parameter/fixed-ip/*)',
      cause: error,
    });
  }
  return error;
}

/**
 * Runs `body` holding the stack's run guard, with deps whose signal also stops the work when the
 * guard is lost; releases the guard however `body` ends (success, error, Ctrl-C).
 */
export async function withRunGuard<T>(
  aws: AwsPort,
  deps: Deps,
  options: Omit<GuardOptions, 'clock' | 'notify'> & {
    /** Run without the guard when AWS denies its SSM calls (teardown: the charges must stop). */
    goOnWhenDenied?: boolean;
  },
  body: (guarded: Deps, guard: RunGuard) => Promise<T>,
): Promise<T> {
  let guard: RunGuard;
  try {
    guard = await takeRunGuard(aws, {
      ...options,
      clock: deps.clock,
      notify: (message) => deps.ui.notify(message),
    });
  } catch (error) {
    if (!options.goOnWhenDenied || !(error instanceof FixedIpError) || !denied(error.cause)) throw error;
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
