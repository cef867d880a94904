/**
 * One lease: what keeps two runs of one stack apart, whichever store holds it. A backend (a file
 * beside the state, an S3 object beside an S3 state, an SSM parameter in the stack's account) gives
 * only conditional writes: create if absent, replace if still as read, remove if still as read. This
 * module is the one algorithm on top of them: acquire (or take over from a holder that is gone),
 * heartbeat, notice the lease lost, release, name the holder, and break it for `unlock`.
 *
 * Of any number of runs exactly one holds a lease, because every write that takes it is conditional
 * on what the run last read. A holder rewrites it every `heartbeatMs`; a lease not rewritten for
 * `staleMs` (or held by a process of this host that has died) was left by a run that is gone, and is
 * taken over the same conditional way, with a warning naming who left it.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { FixedIpError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { Message } from '../ports/ui.js';

/** What a lease says about its holder (JSON, in the file, object or parameter). */
export interface LeaseBody {
  /** The caller's ARN (STS), when it could be told. */
  who?: string;
  host: string;
  pid: number;
  /** The holder's working directory and state (file or s3:// URL), to find it by. */
  cwd?: string;
  state?: string;
  command: string;
  since: string;
  heartbeatAt: string;
  /** Tells two holders apart, even two of one process within one millisecond. */
  nonce: string;
  /** Set when taken over: the lease it replaced, so two runs racing for it know each other. */
  replaces?: { token: string; nonce: string };
  /** Written by a holder as it ends, where the backend keeps released leases (their version counts runs). */
  released?: boolean;
}

/** A lease as read: its body (parts may be missing when unreadable), its token, when it was last written. */
export interface LeaseRecord {
  body: Partial<LeaseBody>;
  /** What a conditional write compares: an ETag, a version, the bytes of a file. */
  token: string;
  modifiedAt: number | undefined;
}

/** A backend: a lease's place and the conditional writes it offers; nothing more. */
export interface LeaseBackend {
  /** The lease in a sentence: "the lock on stack prod", "the run guard of stack prod". */
  readonly title: string;
  /** Where it lives: a path, an s3:// URL, an SSM parameter name. */
  readonly where: string;
  /** How often the holder rewrites it; undefined: never (a local file, judged by its pid alone). */
  readonly heartbeatMs: number | undefined;
  /** A lease silent this long was left by a run that is gone; undefined: only a dead pid says so. */
  readonly staleMs: number | undefined;
  /** Release keeps it, marked released (its version then tells the next run whether anyone came). */
  readonly keepsReleased: boolean;
  read(): Promise<LeaseRecord | null>;
  /**
   * Creates it if there is none: its token, or null when one exists. A write whose answer was lost
   * while it took effect is the backend's to recognise (ownWrite): null means another run's write.
   */
  create(body: LeaseBody): Promise<string | null>;
  /** Overwrites it if it is still `expected`: the new token, or null when it changed (as for create). */
  replace(expected: LeaseRecord, body: LeaseBody): Promise<string | null>;
  /** Removes it if it is still `expected`: false when it changed or is gone. */
  remove(expected: LeaseRecord): Promise<boolean>;
  /** Turns an error of the backend into the one line the user sees (a missing permission). */
  explain?(error: unknown, action: string): unknown;
}

/** Who holds a lease, as the "in use" error and `unlock` name it: one type for every backend. */
export interface LeaseHolder {
  who: string | undefined;
  host: string;
  pid: number;
  cwd: string | undefined;
  state: string | undefined;
  command: string | undefined;
  since: string;
  /** When the holder last wrote it (undefined: cannot be told). */
  heartbeatAt: string | undefined;
  /** How long ago that was, when this run looked. */
  silentForMs: number | undefined;
  /** The holder ran on this host, and its process is no longer running. */
  dead: boolean;
  /** Nobody can still be holding it: dead, or silent for longer than the backend allows. */
  stale: boolean;
  /** What `breakLease` compares, so it removes only the lease the user confirmed. */
  token: string;
  nonce: string;
}

/** A lease's token and nonce as a run first saw it: equal later only if nobody wrote it in between. */
export interface LeaseMark {
  token: string;
  nonce: string;
}

export interface Lease {
  /** Aborted (with a LOCK_LOST error, exit 7) when the lease is found removed or taken. */
  readonly signal: AbortSignal;
  /** The lease was exactly as `seen` when taken: no other run held it in between. */
  readonly unchanged: boolean;
  /** Rewrites it now (the timer does it every heartbeatMs); false once it is lost. */
  heartbeat(): Promise<boolean>;
  /** What it guards is gone: release removes the lease rather than keeping it marked released. */
  forget(): void;
  /** Gives it up if it is still this run's. Safe to call twice; never throws. */
  release(): Promise<void>;
}

export interface LeaseOptions {
  stack: string;
  command: string;
  who: string | undefined;
  /** This run's state, to name it to another run. */
  state?: string | undefined;
  clock: Clock;
  notify: (message: Message) => void;
  /** The way out the "in use" error offers when the holder is gone: an `unlock` command line. */
  unlock: string;
  /** Overrides the backend's heartbeat interval (tests). */
  heartbeatMs?: number;
  /** The lease as this run saw it before reading the account (peekLease); undefined: unknown. */
  seen?: LeaseMark | null | undefined;
}

/** The leases this process holds: a second Ctrl-C releases them through the same path as an end. */
const HELD = new Set<Lease>();

/** Releases every lease this process holds; never throws. */
export async function releaseHeldLeases(): Promise<void> {
  await Promise.allSettled([...HELD].map((lease) => lease.release()));
}

/** The one line naming a holder: who, where, what, since when. */
export function describeHolder(holder: LeaseHolder): string {
  const who = holder.who ? `${holder.who} ` : '';
  const cwd = holder.cwd ? ` in ${holder.cwd}` : '';
  const what = [holder.command, holder.state ? `state ${holder.state}` : undefined].filter(Boolean);
  return `${who}pid ${holder.pid} on ${holder.host}${cwd}${what.length > 0 ? ` (${what.join(', ')})` : ''} since ${holder.since}`;
}

/**
 * A holder that ran on this host whose process is no longer running (signal 0 finds no such
 * process). A holder on another host cannot be checked from here: never called dead.
 */
export function deadOnThisHost(host: string | undefined, pid: number | undefined): boolean {
  if (host !== hostname() || typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/** An unreadable lease that was written this recently may be a holder still writing it. */
const UNREADABLE_GRACE_MS = 5_000;

export function holderOf(backend: LeaseBackend, record: LeaseRecord, now: number): LeaseHolder {
  const { body } = record;
  const written = record.modifiedAt ?? Date.parse(body.heartbeatAt ?? '');
  const dead = deadOnThisHost(body.host, body.pid);
  const silentForMs = Number.isFinite(written) ? Math.max(0, now - written) : undefined;
  const readable = typeof body.pid === 'number' && typeof body.host === 'string';
  const staleAfter = readable ? backend.staleMs : (backend.staleMs ?? UNREADABLE_GRACE_MS);
  return {
    who: body.who,
    host: body.host ?? 'unknown host',
    pid: body.pid ?? 0,
    cwd: body.cwd,
    state: body.state,
    command: body.command,
    since: body.since ?? 'unknown',
    heartbeatAt: Number.isFinite(written) ? new Date(written).toISOString() : undefined,
    silentForMs,
    dead,
    stale: dead || (staleAfter !== undefined && (silentForMs === undefined || silentForMs > staleAfter)),
    token: record.token,
    nonce: body.nonce ?? '',
  };
}

/** Who holds the lease, or null when nobody does (none, or released by the last run). */
export async function readHolder(backend: LeaseBackend, now: number): Promise<LeaseHolder | null> {
  const current = await read(backend, 'read');
  if (!current || current.body.released === true) return null;
  return holderOf(backend, current, now);
}

/** The lease as a run first sees it; null when there is none, undefined when it cannot be read. */
export async function peekLease(backend: LeaseBackend): Promise<LeaseMark | null | undefined> {
  try {
    const current = await backend.read();
    return current ? { token: current.token, nonce: current.body.nonce ?? '' } : null;
  } catch {
    return undefined; // e.g. no permission to read it: taking it says so, if this run has work
  }
}

/** Removes the lease if it is still the one `holder` names; false when it changed. */
export async function breakLease(backend: LeaseBackend, holder: LeaseHolder): Promise<boolean> {
  const current = await read(backend, 'read');
  if (!current || current.token !== holder.token || (current.body.nonce ?? '') !== holder.nonce) return false;
  try {
    return await backend.remove(current);
  } catch (error) {
    throw backend.explain?.(error, 'remove') ?? error;
  }
}

/**
 * Takes the lease, or stops with LOCKED (exit 7) naming who holds it and the way out. A lease left
 * by a run that is gone is taken over with a warning.
 */
export async function acquireLease(backend: LeaseBackend, options: LeaseOptions): Promise<Lease> {
  const started = new Date(options.clock.now()).toISOString();
  let body: LeaseBody = {
    ...(options.who === undefined ? {} : { who: options.who }),
    host: hostname(),
    pid: process.pid,
    cwd: process.cwd().slice(0, 1000),
    ...(options.state === undefined ? {} : { state: options.state.slice(0, 1000) }),
    command: options.command,
    since: started,
    heartbeatAt: started,
    nonce: randomUUID(),
  };
  let token: string | undefined;
  let unchanged = false;
  for (let attempt = 0; attempt < 3 && token === undefined; attempt++) {
    const current = await read(backend, 'read');
    if (!current) {
      token = (await write(backend, () => backend.create(body), 'create')) ?? undefined;
      if (token !== undefined) unchanged = options.seen === null;
      continue; // null: another run was faster; look again
    }
    const holder = holderOf(backend, current, options.clock.now());
    if (current.body.released !== true && !holder.stale) throw inUse(backend, options, holder);
    // Released by the last run (or left by one that is gone): replace it, conditionally.
    const next: LeaseBody = { ...body, replaces: { token: current.token, nonce: holder.nonce } };
    const replaced = await write(backend, () => backend.replace(current, next), 'replace');
    if (replaced === null) {
      throw new FixedIpError(
        'LOCKED',
        `stack ${options.stack} is being changed by another run, which took ${backend.title} at the same moment`,
        { hint: `run ${options.unlock} to see who holds it` },
      );
    }
    body = next;
    token = replaced;
    unchanged =
      options.seen !== undefined &&
      options.seen !== null &&
      options.seen.token === current.token &&
      options.seen.nonce === holder.nonce;
    if (current.body.released !== true)
      options.notify({
        level: 'warn',
        code: 'lease.takeover',
        text: `Took over ${backend.title}: ${describeHolder(holder)} ${whyGone(holder)}`,
      });
  }
  if (token === undefined)
    throw new FixedIpError('LOCKED', `stack ${options.stack} is being changed by another run`, {
      hint: 'wait for it to finish',
    });
  return held(backend, options, body, unchanged);
}

function held(backend: LeaseBackend, options: LeaseOptions, initial: LeaseBody, unchanged: boolean): Lease {
  let body = initial;
  const controller = new AbortController();
  // Every wait of the run listens to this signal.
  setMaxListeners(0, controller.signal);
  let done = false;
  let forgotten = false;
  let inFlight: Promise<boolean> = Promise.resolve(true);
  const ours = (current: LeaseRecord | null): current is LeaseRecord =>
    current !== null &&
    (current.body.nonce === body.nonce ||
      // A run that lost the same takeover race may have written after us: the lease is still ours.
      (body.replaces !== undefined &&
        current.body.replaces?.token === body.replaces.token &&
        current.body.replaces.nonce === body.replaces.nonce));
  const lose = (): false => {
    done = true;
    options.notify({
      level: 'warn',
      code: 'lease.lost',
      text: `${capitalised(backend.title)} (${backend.where}) was removed or taken by another run; this run stops`,
    });
    controller.abort(
      new FixedIpError('LOCK_LOST', `${backend.title} was removed or taken by another run`, {
        hint: `this run stopped after its last AWS call; run fixed-ip status --name ${options.stack}`,
      }),
    );
    return false;
  };
  const beatOnce = async (): Promise<boolean> => {
    if (done) return false;
    try {
      const current = await backend.read();
      if (!ours(current)) return lose();
      const next = { ...body, heartbeatAt: new Date(options.clock.now()).toISOString() };
      const written = await write(backend, () => backend.replace(current, next), 'replace');
      if (written === null) {
        // Written in between: still ours only if the writer lost our takeover race.
        const now = await backend.read();
        return ours(now) ? true : lose();
      }
      body = next;
      return true;
    } catch (error) {
      // A network blip: the next heartbeat tries again, well before the lease goes stale.
      options.notify({
        level: 'debug',
        code: 'lease.heartbeat',
        text: `${backend.title}: heartbeat failed: ${(error as Error).message}`,
      });
      return true;
    }
  };
  const heartbeat = (): Promise<boolean> => (inFlight = inFlight.then(beatOnce));
  const interval = options.heartbeatMs ?? backend.heartbeatMs;
  const timer = interval === undefined ? undefined : setInterval(() => void heartbeat(), interval);
  timer?.unref();

  const lease: Lease = {
    signal: controller.signal,
    unchanged,
    heartbeat,
    forget: () => {
      forgotten = true;
    },
    release: async () => {
      if (timer) clearInterval(timer);
      HELD.delete(lease);
      await inFlight;
      if (done) return;
      done = true;
      try {
        const current = await backend.read();
        if (!ours(current)) return;
        if (backend.keepsReleased && !forgotten) {
          const released = {
            ...body,
            released: true,
            heartbeatAt: new Date(options.clock.now()).toISOString(),
          };
          await backend.replace(current, released);
        } else await backend.remove(current);
      } catch (error) {
        options.notify({
          level: 'warn',
          code: 'lease.release',
          text: `could not remove ${backend.title} (${backend.where}: ${(error as Error).message}); once this run is gone, remove it with: ${options.unlock}`,
        });
      }
    },
  };
  HELD.add(lease);
  return lease;
}

/** A conditional write; a backend's error becomes the line the user sees. */
async function write(
  backend: LeaseBackend,
  attempt: () => Promise<string | null>,
  action: string,
): Promise<string | null> {
  try {
    return await attempt();
  } catch (error) {
    throw backend.explain?.(error, action) ?? error;
  }
}

/**
 * The lease's token if it holds exactly `body`, else null: for a backend whose write's answer was
 * lost while the write took effect (the SDK retries it, and the retry meets this run's own write).
 */
export async function ownWrite(backend: LeaseBackend, body: LeaseBody): Promise<string | null> {
  const written = await backend.read();
  return written?.body.nonce === body.nonce && written.body.heartbeatAt === body.heartbeatAt
    ? written.token
    : null;
}

async function read(backend: LeaseBackend, action: string): Promise<LeaseRecord | null> {
  try {
    return await backend.read();
  } catch (error) {
    throw backend.explain?.(error, action) ?? error;
  }
}

function inUse(backend: LeaseBackend, options: LeaseOptions, holder: LeaseHolder): FixedIpError {
  return new FixedIpError('LOCKED', `stack ${options.stack} is in use by ${describeHolder(holder)}`, {
    hint: `wait for it to finish; if that run is gone: ${options.unlock} (${backend.title}: ${backend.where})`,
  });
}

/** Why a holder's lease could be taken over, as measured when this run looked. */
export function whyGone(holder: LeaseHolder): string {
  const last = holder.silentForMs === undefined ? undefined : `${formatAgo(holder.silentForMs)} ago`;
  if (holder.dead) return `is no longer running on this host${last ? ` (it last renewed it ${last})` : ''}`;
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

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
