import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { LeaseBackend, LeaseBody, LeaseRecord } from './lease.js';

/** A takeover marker older than this was left by a run that died while writing the lease. */
const MARKER_STALE_MS = 10_000;

/**
 * The lease as a file beside a local state file. Created whole and at once (written aside, then
 * hard-linked into place: link fails if the file exists, so exactly one run creates it); replaced and
 * removed only under `<lease>.takeover` (O_EXCL), and only if the file still holds the bytes read.
 * A local lease is not rewritten while held: it is judged by its holder's pid (a holder on another
 * host, through a shared folder, is never judged gone).
 */
export function fileLease(path: string, stack: string): LeaseBackend {
  return {
    title: `the lock on stack ${stack}`,
    where: path,
    heartbeatMs: undefined,
    staleMs: undefined,
    keepsReleased: false,
    read: () => readLease(path),
    create: async (body) => {
      const aside = `${path}.${randomUUID()}.new`;
      await writeFile(aside, JSON.stringify(body), { mode: 0o600, flag: 'wx' });
      try {
        await link(aside, path);
        return JSON.stringify(body);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
        throw error;
      } finally {
        await rm(aside, { force: true });
      }
    },
    replace: (expected, body) =>
      underMarker(path, expected, async () => {
        const aside = `${path}.${randomUUID()}.new`;
        await writeFile(aside, JSON.stringify(body), { mode: 0o600, flag: 'wx' });
        await rename(aside, path);
        return JSON.stringify(body);
      }),
    remove: async (expected) =>
      (await underMarker(path, expected, async () => {
        await rm(path, { force: true });
        return 'removed';
      })) !== null,
  };
}

/** Runs `change` holding the marker, if the lease still holds `expected`'s bytes; null otherwise. */
async function underMarker(
  path: string,
  expected: LeaseRecord,
  change: () => Promise<string>,
): Promise<string | null> {
  const marker = `${path}.takeover`;
  let handle;
  try {
    handle = await open(marker, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // A run that died holding the marker leaves it; clear it so the next attempt can proceed.
    if (!(await fresh(marker, MARKER_STALE_MS))) await rm(marker, { force: true });
    return null;
  }
  try {
    await handle.close();
    if ((await readText(path)) !== expected.token) return null;
    return await change();
  } finally {
    await rm(marker, { force: true });
  }
}

async function readLease(path: string): Promise<LeaseRecord | null> {
  const text = await readText(path);
  if (text === null) return null;
  let body: Partial<LeaseBody> = {};
  try {
    const parsed = JSON.parse(text) as Partial<LeaseBody> & { pid?: unknown };
    if (parsed && typeof parsed === 'object') body = parsed;
  } catch {
    // unreadable: it still holds the stack; judged by its age, and unlock removes it
  }
  const modifiedAt = await stat(path).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  return { body, token: text, modifiedAt };
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function fresh(path: string, withinMs: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs < withinMs;
  } catch {
    return false;
  }
}
