import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, breakFileLock, fileLockHolder, releaseHeldLocksSync } from '../../src/state/lock.js';

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid ?? 999_999;
}

describe('local lock', () => {
  it("lets exactly one of many runs take over a dead owner's lock (issue 11)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-lock-'));
    const path = join(dir, 'stack.json.lock');
    const dead = deadPid();
    for (let round = 0; round < 25; round++) {
      writeFileSync(path, JSON.stringify({ pid: dead, host: hostname(), since: '2020-01-01T00:00:00.000Z' }));
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireLock(path, 'stack')));
      const winners = results.filter((result) => result.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect((result.reason as { exitCode: number }).exitCode).toBe(7);
      }
      expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
      await (winners[0] as PromiseFulfilledResult<() => Promise<void>>).value();
      expect(existsSync(path)).toBe(false);
    }
  });

  it('names the holder and breaks only the lock that was confirmed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-lock-'));
    const path = join(dir, 'stack.json.lock');
    const release = await acquireLock(path, 'stack');
    const holder = await fileLockHolder(path);
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), stale: false });
    await release();
    const again = await acquireLock(path, 'stack');
    // The lock changed since the holder was read: it is not removed.
    expect(await breakFileLock(path, holder!)).toBe(false);
    expect(existsSync(path)).toBe(true);
    const current = await fileLockHolder(path);
    expect(await breakFileLock(path, current!)).toBe(true);
    expect(existsSync(path)).toBe(false);
    await again();
  });
});

describe('a second Ctrl-C (the process exits at once)', () => {
  it('still removes the lock files this process holds, and only those', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-lock-'));
    const ours = join(dir, 'a.json.lock');
    const theirs = join(dir, 'b.json.lock');
    await acquireLock(ours, 'a');
    const foreign = JSON.stringify({ pid: 1, host: hostname(), since: '2020-01-01T00:00:00.000Z' });
    writeFileSync(theirs, foreign);
    releaseHeldLocksSync();
    expect(existsSync(ours)).toBe(false);
    expect(readFileSync(theirs, 'utf8')).toBe(foreign);
    // A lock taken over since by another run is not removed either.
    const release = await acquireLock(ours, 'a');
    writeFileSync(ours, foreign);
    releaseHeldLocksSync();
    expect(readFileSync(ours, 'utf8')).toBe(foreign);
    await release();
  });
});
