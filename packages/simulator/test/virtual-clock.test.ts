import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/index.js';

describe('VirtualClock', () => {
  it('starts at a fixed epoch', () => {
    expect(new VirtualClock().now()).toBe(Date.UTC(2026, 0, 1));
    expect(new VirtualClock({ start: 5 }).now()).toBe(5);
  });

  it('does not move while a file write is in flight: a state file saved before a wait is saved before it ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtual-clock-'));
    try {
      const clock = new VirtualClock();
      for (let i = 0; i < 5; i++) {
        let written = false;
        const write = writeFile(join(dir, `state-${i}.json`), 'x'.repeat(8_000_000)).then(() => {
          written = true;
        });
        await clock.sleep(60_000);
        expect(written, `write ${i}`).toBe(true);
        await write;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs concurrent sleepers in parallel: 90 s and 60 s end at +90 s, not +150 s', async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const woke: Array<[string, number]> = [];
    const sleeper = async (name: string, ms: number): Promise<void> => {
      await clock.sleep(ms);
      woke.push([name, clock.now() - start]);
    };
    await Promise.all([sleeper('slow', 90_000), sleeper('fast', 60_000)]);
    expect(woke).toEqual([
      ['fast', 60_000],
      ['slow', 90_000],
    ]);
    expect(clock.now() - start).toBe(90_000);
  });

  it('wakes a sleeper registered by a woken one before later timers', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    await Promise.all([
      (async () => {
        await clock.sleep(10);
        order.push('a@10');
        await clock.sleep(10);
        order.push('a@20');
      })(),
      (async () => {
        await clock.sleep(30);
        order.push('b@30');
      })(),
    ]);
    expect(order).toEqual(['a@10', 'a@20', 'b@30']);
  });

  it('waits for pending work before jumping (an awaited promise chain registers its timer first)', async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    let later = 0;
    const a = clock.sleep(1_000);
    const b = (async () => {
      await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
      await clock.sleep(500);
      later = clock.now() - start;
    })();
    await Promise.all([a, b]);
    expect(later).toBe(500);
  });

  it('rejects with the signal reason when aborted, and never wakes that sleeper', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
    await expect(clock.sleep(1, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('advance() moves time and wakes sleepers due', async () => {
    const clock = new VirtualClock();
    let woke = false;
    const sleeping = clock.sleep(1_000).then(() => (woke = true));
    clock.advance(1_000);
    await sleeping;
    expect(woke).toBe(true);
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1) + 1_000);
  });
});
