import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { FixedIpError } from '../errors.js';

export type Release = () => Promise<void>;

/** Who holds a stack's lock, as `unlock` and the "in use" error name them (file or S3 lock). */
export interface LockHolder {
  /** The caller's ARN (S3 locks); absent for a local lock. */
  who?: string;
  host: string;
  pid: number;
  command?: string;
  since: string;
  /** When the holder last said it was alive (S3 locks are refreshed while the run lasts). */
  refreshedAt?: string;
  /** Opaque: what `breakLock` compares so it removes only the lock the user confirmed. */
  token: string;
  /** Nobody can still be holding it (a dead local pid, or an S3 lock not refreshed in time). */
  stale: boolean;
  /** Its holder ran on this host, and that process is no longer running. */
  dead?: boolean;
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

/** The one line naming a holder, shared by the "in use" error and `unlock`'s question. */
export function describeHolder(holder: LockHolder): string {
  const who = holder.who ? `${holder.who} ` : '';
  const command = holder.command ? ` (${holder.command})` : '';
  return `${who}pid ${holder.pid} on ${holder.host}${command} since ${holder.since}`;
}

interface Owner {
  pid: number;
  host: string;
  since: string;
  /** Tells two locks of one process apart, even when taken within the same millisecond. */
  nonce?: string;
}

/** The lock files this process holds, so a second Ctrl-C (which exits at once) still frees them. */
const HELD = new Map<string, Owner>();

/** Removes, synchronously, every lock file this process still holds (and only if it is still ours). */
export function releaseHeldLocksSync(): void {
  for (const [path, owner] of HELD) {
    try {
      const current = JSON.parse(readFileSync(path, 'utf8')) as Partial<Owner>;
      if (current.pid === owner.pid && current.since === owner.since && current.nonce === owner.nonce)
        rmSync(path, { force: true });
    } catch {
      // gone already, or unreadable: not ours to remove
    }
    HELD.delete(path);
  }
}

/** A takeover marker older than this was left by a run that died while taking over. */
const TAKEOVER_STALE_MS = 10_000;

/**
 * A lock file next to the state file, created with O_EXCL so only one run wins. It records the
 * owner's pid so the loser can say who holds it, and so a lock left by a dead process is taken over.
 * (proper-lockfile judges staleness by mtime and records no owner, which cannot give that message.)
 *
 * Taking over a dead owner's lock is itself guarded (issue 11): two runs that both find the same
 * dead owner race for `<lock>.takeover` (O_EXCL); only the winner removes the dead lock, and only
 * if it still holds the very bytes judged dead, so it can never remove a lock a live run just took.
 */
export async function acquireLock(path: string, stackName: string): Promise<Release> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const owner: Owner = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      nonce: randomUUID(),
    };
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      HELD.set(path, owner);
      return async () => {
        HELD.delete(path);
        const current = await readOwner(path);
        if (current?.pid === owner.pid && current.since === owner.since && current.nonce === owner.nonce)
          await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const text = await readText(path);
    if (text === null) continue; // released meanwhile: try again
    const holder = ownerOf(text);
    if (holder && isAlive(holder)) {
      throw new FixedIpError(
        'LOCKED',
        `stack ${stackName} is in use by pid ${holder.pid} since ${holder.since}`,
        {
          hint: `wait for it to finish; if that process is gone from ${holder.host}, delete ${path}`,
        },
      );
    }
    if (!holder && (await isFresh(path))) {
      // Another run has just created the file and not yet written its pid.
      throw inUse(stackName);
    }
    // The holder is dead (or left an unreadable file long ago): take the lock over, one run at a time.
    if (!(await takeOver(path, text))) throw inUse(stackName);
  }
  throw new FixedIpError('LOCKED', `could not take the lock ${path}`, {});
}

/** Removes the dead lock if it still holds `deadText`; false when another run is taking it over. */
async function takeOver(path: string, deadText: string): Promise<boolean> {
  const marker = `${path}.takeover`;
  let handle;
  try {
    handle = await open(marker, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // A run that died mid-takeover leaves the marker; clear it so the next attempt can proceed.
    if (!(await isFresh(marker, TAKEOVER_STALE_MS))) await rm(marker, { force: true });
    return false;
  }
  try {
    await handle.writeFile(randomUUID());
    await handle.close();
    if ((await readText(path)) === deadText) await rm(path, { force: true });
    return true;
  } finally {
    await rm(marker, { force: true });
  }
}

function inUse(stackName: string): FixedIpError {
  return new FixedIpError('LOCKED', `stack ${stackName} is in use by another run`, {
    hint: 'wait for it to finish',
  });
}

/** The local lock's holder, for `unlock`; null when the stack is not locked. */
export async function fileLockHolder(path: string): Promise<LockHolder | null> {
  const text = await readText(path);
  if (text === null) return null;
  const owner = ownerOf(text);
  if (!owner)
    return { host: 'unknown', pid: 0, since: 'unknown', token: text, stale: !(await isFresh(path)) };
  const dead = !isAlive(owner);
  return { ...owner, token: text, stale: dead, dead };
}

/** Removes the local lock if it is still the one `holder` describes; false when it changed. */
export async function breakFileLock(path: string, holder: LockHolder): Promise<boolean> {
  if ((await readText(path)) !== holder.token) return false;
  await rm(path, { force: true });
  return true;
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function readOwner(path: string): Promise<Owner | null> {
  try {
    return ownerOf(await readFile(path, 'utf8'));
  } catch {
    return null; // vanished: no live owner
  }
}

function ownerOf(text: string): Owner | null {
  try {
    const owner = JSON.parse(text) as Partial<Owner>;
    if (typeof owner.pid === 'number' && typeof owner.since === 'string' && typeof owner.host === 'string') {
      return owner as Owner;
    }
  } catch {
    // unreadable: treated as no live owner
  }
  return null;
}

function isAlive(owner: Owner): boolean {
  // A lock from another machine (a shared folder) cannot be checked: assume it is held.
  return !deadOnThisHost(owner.host, owner.pid);
}

async function isFresh(path: string, withinMs = 5_000): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs < withinMs;
  } catch {
    return false;
  }
}
