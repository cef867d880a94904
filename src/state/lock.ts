import { hostname } from 'node:os';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { ExitCode, FixedIpError } from '../errors.js';

export type Release = () => Promise<void>;

interface Owner {
  pid: number;
  host: string;
  since: string;
}

/**
 * A lock file next to the state file, created with O_EXCL so only one run wins. It records the
 * owner's pid so the loser can say who holds it, and so a lock left by a dead process is taken over.
 * (proper-lockfile judges staleness by mtime and records no owner, which cannot give that message.)
 */
export async function acquireLock(path: string, stackName: string): Promise<Release> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const owner: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return async () => {
        const current = await readOwner(path);
        if (current?.pid === owner.pid && current.since === owner.since) await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readOwner(path);
    if (holder && isAlive(holder)) {
      throw new FixedIpError(
        'LOCKED',
        `stack ${stackName} is in use by pid ${holder.pid} since ${holder.since}`,
        {
          hint: `wait for it to finish; if that process is gone from ${holder.host}, delete ${path}`,
          exitCode: ExitCode.locked,
        },
      );
    }
    if (!holder && (await isFresh(path))) {
      // Another run has just created the file and not yet written its pid.
      throw new FixedIpError('LOCKED', `stack ${stackName} is in use by another run`, {
        hint: 'wait for it to finish',
        exitCode: ExitCode.locked,
      });
    }
    // The holder is dead (or left an unreadable file long ago): take the lock over.
    await rm(path, { force: true });
  }
  throw new FixedIpError('LOCKED', `could not take the lock ${path}`, { exitCode: ExitCode.locked });
}

async function readOwner(path: string): Promise<Owner | null> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<Owner>;
    if (typeof owner.pid === 'number' && typeof owner.since === 'string' && typeof owner.host === 'string') {
      return owner as Owner;
    }
  } catch {
    // unreadable or vanished: treated as no live owner
  }
  return null;
}

function isAlive(owner: Owner): boolean {
  // A lock from another machine (a shared folder) cannot be checked: assume it is held.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isFresh(path: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs < 5_000;
  } catch {
    return false;
  }
}
