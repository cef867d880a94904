import type { Clock } from '../ports/clock.js';

export interface PollOptions {
  clock: Clock;
  signal?: AbortSignal | undefined;
  /** Delays between checks, in ms; the last one repeats. */
  delays: readonly number[];
  /** Give up after this long (ms); `onTimeout` decides what to throw. */
  timeoutMs: number;
  onTimeout: () => Error;
}

/**
 * Polls `check` until it returns a value. Short, growing delays so the tool notices within a few
 * seconds that AWS is done (the SDK waiters wait at least 15 s between NAT checks and cannot run on
 * the injected clock the tests and benchmark use).
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = options.clock.now() + options.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    const delay = options.delays[Math.min(attempt, options.delays.length - 1)] ?? 1000;
    if (options.clock.now() + delay > deadline) throw options.onTimeout();
    await options.clock.sleep(delay, options.signal);
  }
}

/** NAT gateways take 1-5 minutes; check every 1-3 s, so `available` is noticed within 3 s. */
export const NAT_POLL = [1_000, 2_000, 3_000] as const;
/** A Lambda VPC update takes about a minute; check every 1-3 s. */
export const FUNCTION_POLL = [1_000, 2_000, 3_000] as const;
/** Lambda's network interfaces take up to 20+ minutes to go; back off to 30 s. */
export const ENI_RETRY = [5_000, 10_000, 20_000, 30_000] as const;
