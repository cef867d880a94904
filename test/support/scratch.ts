import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Linux's in-memory file system where there is one: the state store makes each write durable
 * (fsync), which on a disk costs a fault matrix more than its thousands of runs of setup. Only for
 * files a test reads and writes, never for one it executes (/dev/shm may be mounted noexec).
 */
const MEMORY = '/dev/shm';
const ROOT = ((): string => {
  try {
    accessSync(MEMORY, constants.W_OK);
    return MEMORY;
  } catch {
    return tmpdir();
  }
})();

/** A new, empty folder for a test's files (state files, a simulated account). */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(ROOT, prefix));
}
