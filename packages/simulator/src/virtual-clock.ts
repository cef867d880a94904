/**
 * A clock whose time moves only when the process has nothing else to do: AWS's minutes pass
 * instantly in tests and the benchmark, and concurrent sleepers still wake in order.
 */
import type { Clock } from './contract.js';

interface Timer {
  at: number;
  order: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal | undefined;
  onAbort?: (() => void) | undefined;
}

export interface VirtualClockOptions {
  /** Virtual start time, ms. Default 2026-01-01T00:00:00Z. */
  start?: number;
  /**
   * How many consecutive event-loop turns with no new timer count as idle. More turns let slower
   * work (quick file I/O) settle before time jumps.
   */
  idleTurns?: number;
}

/** How many 1 ms looks the clock gives file I/O in flight before it moves all the same. */
const MAX_IO_CHECKS = 500;

/**
 * Whether a file system request of this process is in flight: Node's libuv requests, by name (a
 * file's close is a `CloseReq`, every other call an `FSReq…`).
 */
function fileIoPending(): boolean {
  return process.getActiveResourcesInfo().some((name) => name.startsWith('FSReq') || name === 'CloseReq');
}

export class VirtualClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private registrations = 0;
  private checking = false;
  private readonly idleTurns: number;

  constructor(options: VirtualClockOptions = {}) {
    this.current = options.start ?? Date.UTC(2026, 0, 1);
    this.idleTurns = options.idleTurns ?? 2;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      this.registrations += 1;
      const timer: Timer = {
        at: this.current + Math.max(0, ms),
        order: this.registrations,
        resolve,
        reject,
        signal,
      };
      if (signal) {
        timer.onAbort = () => {
          this.timers = this.timers.filter((t) => t !== timer);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', timer.onAbort, { once: true });
      }
      this.timers.push(timer);
      this.scheduleCheck();
    });
  }

  /** Moves time forward by `ms` now, waking every sleeper due by then. */
  advance(ms: number): void {
    this.current += ms;
    this.fireDue();
  }

  /** Sleepers not yet woken. */
  get pending(): number {
    return this.timers.length;
  }

  private scheduleCheck(): void {
    if (this.checking) return;
    this.checking = true;
    let seen = this.registrations;
    let quietTurns = 0;
    let ioChecks = 0;
    const turn = (): void => {
      if (this.timers.length === 0) {
        this.checking = false;
        return;
      }
      if (this.registrations !== seen) {
        seen = this.registrations;
        quietTurns = 0;
      } else {
        quietTurns += 1;
      }
      if (quietTurns < this.idleTurns) {
        setImmediate(turn);
        return;
      }
      // File I/O in flight (a state file being written and synced) is work the process still has to
      // do: time waits for it, within a bound, rather than running ahead of it under load.
      if (fileIoPending() && ioChecks < MAX_IO_CHECKS) {
        ioChecks += 1;
        quietTurns = 0;
        setTimeout(turn, 1);
        return;
      }
      this.checking = false;
      const next = Math.min(...this.timers.map((t) => t.at));
      if (next > this.current) this.current = next;
      this.fireDue();
      if (this.timers.length > 0) this.scheduleCheck();
    };
    setImmediate(turn);
  }

  private fireDue(): void {
    const due = this.timers
      .filter((t) => t.at <= this.current)
      .sort((a, b) => a.at - b.at || a.order - b.order);
    if (due.length === 0) return;
    this.timers = this.timers.filter((t) => t.at > this.current);
    for (const timer of due) {
      if (timer.signal && timer.onAbort) timer.signal.removeEventListener('abort', timer.onAbort);
      timer.resolve();
    }
  }
}
