import { describe, expect, it } from 'vitest';
import { checkTimes, nextDelay, POLL, type PollSchedule, pollUntil } from '../../src/model/wait.js';
import { VirtualClock } from '@fixed-ip/simulator';

const s = 1_000;
const min = 60_000;

/** The longest each wait is given: its timeout (the ENI watch and busy deletes: teardown's default --wait). */
const LONGEST: Record<keyof typeof POLL, number> = {
  natAvailable: 15 * min,
  natDeleted: 15 * min,
  natAddresses: 15 * min,
  functionUpdated: 10 * min,
  serviceSteady: 20 * min,
  instance: 10 * min,
  interfaceMove: 5 * min,
  lambdaInterfaces: 30 * min,
  roleUsable: 2 * min,
  visible: 30 * s,
  busyDelete: 30 * min,
};

/** When a wait sees `ready` (ms after it began) and how many checks it made, on a virtual clock. */
async function waitFor(
  schedule: PollSchedule,
  ready: number,
  options: { throttleUntil?: number; timeoutMs?: number } = {},
) {
  const clock = new VirtualClock({ start: 0 });
  const checks: number[] = [];
  const throttled: number[] = [];
  const seen = await pollUntil(
    () => {
      const now = clock.now();
      if (options.throttleUntil !== undefined && now < options.throttleUntil) {
        throttled.push(now);
        return Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' }));
      }
      checks.push(now);
      return Promise.resolve(now >= ready ? now : undefined);
    },
    {
      clock,
      schedule,
      timeoutMs: options.timeoutMs ?? 15 * min,
      onTimeout: () => new Error('timed out'),
    },
  );
  return { seen, checks, throttled };
}

describe('poll schedules', () => {
  it('a 2-minute NAT gateway wait: every 3 s for 15 s, then every second; 111 checks, noticed at once', async () => {
    const times = checkTimes(POLL.natAvailable, 120 * s);
    expect(times.slice(0, 8)).toEqual([0, 3 * s, 6 * s, 9 * s, 12 * s, 15 * s, 16 * s, 17 * s]);
    expect(times).toHaveLength(111);
    const { seen, checks } = await waitFor(POLL.natAvailable, 120 * s);
    expect(seen).toBe(120 * s);
    expect(checks).toHaveLength(111);
  });

  it.each(Object.keys(POLL) as Array<keyof typeof POLL>)(
    '%s: every second at some point, and within its budget over the longest wait it is given',
    (name) => {
      const schedule: PollSchedule = POLL[name];
      expect(schedule.phases.some((phase) => phase.every === s)).toBe(true);
      expect(schedule.phases[0]?.from).toBe(0);
      expect(checkTimes(schedule, LONGEST[name]).length).toBeLessThanOrEqual(schedule.budget);
    },
  );

  it('noticed within a second anywhere in the 1 s phase, and the first check of a phase lands on its start', () => {
    for (const [name, schedule] of Object.entries(POLL) as Array<[string, PollSchedule]>) {
      const dense = schedule.phases.findIndex((phase) => phase.every === s);
      const from = schedule.phases[dense]?.from ?? 0;
      const until = schedule.phases[dense + 1]?.from ?? from + 10 * min;
      const times = checkTimes(schedule, until);
      expect(times, name).toContain(from);
      const inside = times.filter((t) => t >= from && t <= until);
      for (let i = 1; i < inside.length; i++) expect((inside[i] ?? 0) - (inside[i - 1] ?? 0), name).toBe(s);
    }
  });

  it('never jumps past a denser phase: from 12.2 s into a NAT wait the next check is at 15 s', () => {
    expect(nextDelay(POLL.natAvailable, 12_200)).toBe(2_800);
    expect(nextDelay(POLL.natAvailable, 14_950)).toBe(1_000);
    expect(nextDelay(POLL.natAvailable, 200 * s)).toBe(5 * s);
  });

  it('throttled checks back off (2 s, 4 s, 8 s…) instead of failing the wait, then the schedule resumes', async () => {
    const { seen, throttled, checks } = await waitFor(POLL.natAvailable, 60 * s, { throttleUntil: 20 * s });
    expect(seen).toBeGreaterThanOrEqual(60 * s);
    expect(seen).toBeLessThan(62 * s);
    const gaps = throttled.slice(1).map((t, i) => t - (throttled[i] ?? 0));
    expect(gaps.slice(0, 3)).toEqual([3 * s, 4 * s, 8 * s]);
    expect(throttled.length).toBeLessThan(8);
    // After the throttling the extra delay halves with each answered check, back to every second.
    const late = checks.filter((t) => t > 45 * s);
    expect(late.slice(1).map((t, i) => t - (late[i] ?? 0))).toEqual(late.slice(1).map(() => s));
  });

  it('a wait ends at its budget of checks even before its timeout', async () => {
    const schedule: PollSchedule = { what: 'test', phases: [{ from: 0, every: s }], budget: 5 };
    await expect(waitFor(schedule, Infinity, { timeoutMs: 60 * min })).rejects.toThrow('timed out');
    const clock = new VirtualClock({ start: 0 });
    let calls = 0;
    await pollUntil(
      () => {
        calls += 1;
        return Promise.resolve(undefined);
      },
      { clock, schedule, timeoutMs: 60 * min, onTimeout: () => new Error('x') },
    ).catch(() => undefined);
    expect(calls).toBe(5);
  });

  it('an error other than throttling ends the wait at once', async () => {
    const clock = new VirtualClock({ start: 0 });
    await expect(
      pollUntil(() => Promise.reject(Object.assign(new Error('no'), { name: 'AccessDenied' })), {
        clock,
        schedule: POLL.natAvailable,
        timeoutMs: min,
        onTimeout: () => new Error('timed out'),
      }),
    ).rejects.toThrow('no');
  });
});
