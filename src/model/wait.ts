import { isThrottled } from '../aws/errors.js';
import type { Clock } from '../ports/clock.js';

/** From `from` ms after a wait began, one check every `every` ms (until the next phase's `from`). */
export interface PollPhase {
  from: number;
  every: number;
}

/**
 * When a wait looks at AWS: sparse while the resource cannot be ready yet, once a second around
 * the time it usually becomes ready (so it is noticed within a second), then backing off. `budget`
 * is the most checks one wait makes, throttled ones included; the phases stay within it up to the
 * longest timeout the wait is given (test/model/wait.test.ts holds each schedule to that).
 */
export interface PollSchedule {
  /** What is waited for and how long AWS usually takes, for the docs and the bench. */
  what: string;
  phases: readonly PollPhase[];
  budget: number;
}

const s = 1_000;
const min = 60_000;

/**
 * Every wait's schedule, in one place. A 2-minute NAT gateway wait (`natAvailable`, the resource
 * ready at 120 s) checks at 0, 3, 6, 9 and 12 s, then every second from 15 s: 111 DescribeNatGateways
 * calls, the last one within a second of the gateway becoming available; a 15-minute wait (its
 * timeout) makes 275, inside its budget of 300.
 */
export const POLL = {
  natAvailable: {
    what: 'NAT gateway pending -> available (AWS: 1-5 minutes, most often 1-2)',
    phases: [
      { from: 0, every: 3 * s },
      { from: 15 * s, every: 1 * s },
      { from: 3 * min, every: 5 * s },
      { from: 10 * min, every: 15 * s },
    ],
    budget: 300,
  },
  natDeleted: {
    what: 'NAT gateway deleting -> deleted (AWS: about a minute)',
    phases: [
      { from: 0, every: 3 * s },
      { from: 15 * s, every: 1 * s },
      { from: 2 * min, every: 5 * s },
      { from: 10 * min, every: 15 * s },
    ],
    budget: 250,
  },
  natAddresses: {
    what: "a NAT gateway's Elastic IPs associating or disassociating (AWS: seconds to a minute)",
    phases: [
      { from: 0, every: 1 * s },
      { from: 1 * min, every: 5 * s },
      { from: 5 * min, every: 15 * s },
    ],
    budget: 200,
  },
  functionUpdated: {
    what: 'a Lambda function update, or a new function Pending -> Active (AWS: seconds to about a minute)',
    phases: [
      { from: 0, every: 1 * s },
      { from: 2 * min, every: 3 * s },
      { from: 5 * min, every: 10 * s },
    ],
    budget: 250,
  },
  serviceSteady: {
    what: 'an ECS service deployment rolling its tasks onto new network settings until steady (AWS: 1-5 minutes, longer with slow health checks)',
    phases: [
      { from: 0, every: 5 * s },
      { from: 45 * s, every: 1 * s },
      { from: 3 * min, every: 5 * s },
      { from: 10 * min, every: 15 * s },
    ],
    budget: 300,
  },
  instance: {
    what: 'an EC2 instance pending -> running, or shutting-down -> terminated (AWS: 10 s to 2 minutes)',
    phases: [
      { from: 0, every: 3 * s },
      { from: 10 * s, every: 1 * s },
      { from: 150 * s, every: 5 * s },
      { from: 5 * min, every: 15 * s },
    ],
    budget: 250,
  },
  interfaceMove: {
    what: 'a network interface attaching or detaching (AWS: seconds): the egress gap of a NAT instance replacement',
    phases: [
      { from: 0, every: 1 * s },
      { from: 30 * s, every: 3 * s },
      { from: 2 * min, every: 10 * s },
    ],
    budget: 100,
  },
  lambdaInterfaces: {
    what: "Lambda's network interfaces released after its functions left (AWS: up to about 20 minutes)",
    phases: [
      { from: 0, every: 5 * s },
      { from: 1 * min, every: 10 * s },
      { from: 15 * min, every: 1 * s },
      { from: 22 * min, every: 5 * s },
      { from: 30 * min, every: 15 * s },
    ],
    budget: 800,
  },
  roleUsable: {
    what: 'a new IAM role becoming usable by Lambda (IAM is eventually consistent: about 10 seconds)',
    phases: [
      { from: 0, every: 2 * s },
      { from: 6 * s, every: 1 * s },
      { from: 20 * s, every: 4 * s },
    ],
    budget: 50,
  },
  visible: {
    what: 'a resource just created showing up in Describe calls (eventual consistency: seconds)',
    phases: [
      { from: 0, every: 1 * s },
      { from: 5 * s, every: 3 * s },
      { from: 15 * s, every: 5 * s },
    ],
    budget: 20,
  },
  busyDelete: {
    what: 'a delete AWS refuses while what used the resource lets go (DependencyViolation, InUse: seconds, or minutes for Lambda)',
    phases: [
      { from: 0, every: 1 * s },
      { from: 20 * s, every: 2 * s },
      { from: 1 * min, every: 5 * s },
      { from: 3 * min, every: 15 * s },
      { from: 10 * min, every: 30 * s },
    ],
    budget: 150,
  },
} as const satisfies Record<string, PollSchedule>;

/** Throttled checks back off up to this; each answered check halves the extra delay again. */
const THROTTLED_MAX_MS = 30 * s;

/**
 * How long to wait after a check made `elapsed` ms into the wait: the current phase's cadence, but
 * never past the start of a denser phase (the first check of a phase lands at its start).
 */
export function nextDelay(schedule: PollSchedule, elapsed: number): number {
  const { phases } = schedule;
  let index = 0;
  while (index + 1 < phases.length && (phases[index + 1]?.from ?? Infinity) <= elapsed) index++;
  const phase = phases[index] ?? { from: 0, every: s };
  const next = phases[index + 1];
  let at = elapsed + phase.every;
  if (next && at > next.from) at = Math.min(at, Math.max(next.from, elapsed + next.every));
  return Math.max(0, at - elapsed);
}

/**
 * How long to sleep after a check that was sent `sentAt` ms into the wait and answered at `now`:
 * checks start on the schedule's timetable whatever each call's latency, so a 1 s cadence is one
 * check sent every second.
 */
export function sleepAfter(schedule: PollSchedule, sentAt: number, now: number): number {
  return Math.max(0, sentAt + nextDelay(schedule, sentAt) - now);
}

/** When each check of a wait that never ends early is sent (ms after it began), up to `until`. */
export function checkTimes(schedule: PollSchedule, until: number): number[] {
  const times: number[] = [];
  for (let at = 0; at <= until; at += nextDelay(schedule, at)) times.push(at);
  return times;
}

export interface PollOptions {
  clock: Clock;
  signal?: AbortSignal | undefined;
  schedule: PollSchedule;
  /** Give up after this long (ms), or after the schedule's budget of checks; `onTimeout` decides what to throw. */
  timeoutMs: number;
  onTimeout: () => Error;
}

/**
 * Polls `check` until it returns a value, on the schedule's timetable (the SDK waiters wait at
 * least 15 s between NAT checks and cannot run on the injected clock the tests and benchmark use).
 * A check AWS throttled (after the SDK's own retries) is not an answer: the wait backs off,
 * doubling the delay up to 30 s, and goes on.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const began = options.clock.now();
  const deadline = began + options.timeoutMs;
  let throttledDelay = 0;
  for (let attempt = 1; ; attempt++) {
    const sentAt = options.clock.now() - began;
    let value: T | undefined;
    try {
      value = await check();
      throttledDelay = Math.floor(throttledDelay / 2);
    } catch (error) {
      if (!isThrottled(error)) throw error;
      throttledDelay = Math.min(THROTTLED_MAX_MS, Math.max(2 * throttledDelay, 2 * s));
    }
    if (value !== undefined) return value;
    const now = options.clock.now();
    const delay = Math.max(sleepAfter(options.schedule, sentAt, now - began), throttledDelay);
    if (now + delay > deadline || attempt >= options.schedule.budget) throw options.onTimeout();
    await options.clock.sleep(delay, options.signal);
  }
}
