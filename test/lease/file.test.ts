import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileLease } from '../../src/lease/file.js';
import {
  acquireLease,
  breakLease,
  describeHolder,
  type LeaseOptions,
  readHolder,
  releaseHeldLeases,
} from '../../src/lease/lease.js';
import { realClock } from '../../src/ports/clock.js';
import type { Message } from '../../src/ports/ui.js';

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid ?? 999_999;
}

function options(messages: Message[] = []): LeaseOptions {
  return {
    stack: 'stack',
    command: 'setup',
    who: undefined,
    state: '/tmp/stack.json',
    clock: realClock,
    notify: (message) => messages.push(message),
    unlock: 'fixed-ip unlock --name stack',
  };
}

function lockPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'fixed-ip-lease-')), 'stack.json.lock');
}

describe('the lease in a local file', () => {
  it("lets exactly one of many runs take over a dead owner's lease, saying who left it (issue 11)", async () => {
    const path = lockPath();
    const dead = deadPid();
    for (let round = 0; round < 25; round++) {
      writeFileSync(path, JSON.stringify({ pid: dead, host: hostname(), since: '2020-01-01T00:00:00.000Z' }));
      const messages: Message[] = [];
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => acquireLease(fileLease(path, 'stack'), options(messages))),
      );
      const winners = results.filter((result) => result.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect((result.reason as { exitCode: number }).exitCode).toBe(7);
      }
      expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, command: 'setup' });
      expect(messages.filter((m) => m.code === 'lease.takeover')).toHaveLength(1);
      expect(messages[0]?.text).toMatch(
        new RegExp(`^Took over the lock on stack stack: pid ${dead} on .* is no longer running on this host`),
      );
      await winners[0].value.release();
      expect(existsSync(path)).toBe(false);
    }
  });

  it('a live holder stops the next run with LOCKED (exit 7), naming it and the way out', async () => {
    const path = lockPath();
    const lease = await acquireLease(fileLease(path, 'stack'), options());
    const second = await acquireLease(fileLease(path, 'stack'), options()).catch((error: unknown) => error);
    expect(second).toMatchObject({ code: 'LOCKED', exitCode: 7 });
    expect((second as Error).message).toMatch(
      new RegExp(
        `^stack stack is in use by pid ${process.pid} on ${hostname()} in \\S+ \\(setup, state /tmp/stack.json\\) since \\S+$`,
      ),
    );
    expect((second as { hint: string }).hint).toBe(
      `wait for it to finish; if that run is gone: fixed-ip unlock --name stack (the lock on stack stack: ${path})`,
    );
    await lease.release();
  });

  it('a holder on another host (a shared folder) is never judged gone', async () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere', since: '2020-01-01T00:00:00.000Z' }));
    await expect(acquireLease(fileLease(path, 'stack'), options())).rejects.toMatchObject({ code: 'LOCKED' });
    expect(await readHolder(fileLease(path, 'stack'), Date.now())).toMatchObject({
      host: 'elsewhere',
      stale: false,
    });
  });

  it('names the holder and breaks only the lease that was confirmed', async () => {
    const path = lockPath();
    const backend = fileLease(path, 'stack');
    const first = await acquireLease(backend, options());
    const holder = await readHolder(backend, Date.now());
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), stale: false, dead: false });
    expect(describeHolder(holder!)).toMatch(new RegExp(`^pid ${process.pid} on ${hostname()} in `));
    await first.release();
    const again = await acquireLease(backend, options());
    // The lease changed since the holder was read: it is not removed.
    expect(await breakLease(backend, holder!)).toBe(false);
    expect(existsSync(path)).toBe(true);
    const current = await readHolder(backend, Date.now());
    expect(await breakLease(backend, current!)).toBe(true);
    expect(existsSync(path)).toBe(false);
    await again.release();
  });
});

describe('a second Ctrl-C (releaseHeldLeases, the path every end takes)', () => {
  it('removes the leases this process holds, and only those', async () => {
    const ours = lockPath();
    const theirs = lockPath();
    await acquireLease(fileLease(ours, 'a'), options());
    const foreign = JSON.stringify({ pid: 1, host: 'elsewhere', since: '2020-01-01T00:00:00.000Z' });
    writeFileSync(theirs, foreign);
    await releaseHeldLeases();
    expect(existsSync(ours)).toBe(false);
    expect(readFileSync(theirs, 'utf8')).toBe(foreign);
    // A lease taken over since by another run is not removed either.
    const lease = await acquireLease(fileLease(ours, 'a'), options());
    writeFileSync(ours, foreign);
    await releaseHeldLeases();
    expect(readFileSync(ours, 'utf8')).toBe(foreign);
    await lease.release();
    expect(readFileSync(ours, 'utf8')).toBe(foreign);
  });
});
