/**
 * Progress: steps run concurrently, so a single ora spinner shows the most recently active
 * handle's text with its elapsed time (refreshed every second, "+N more" when others are running);
 * finished handles are printed as lines above it. Only one spinner ever exists, which is what ora
 * (which hooks the stream while spinning) supports. Outside a colour terminal, plain lines only.
 * The spinner is in spinner.ts, loaded only for a colour terminal: ora takes a while to load.
 */
import { type Clock, realClock } from '../ports/clock.js';
import type { Progress } from '../ports/ui.js';

/** Work shorter than this finishes without its elapsed time. */
export const SHOW_ELAPSED_AFTER_MS = 2_000;

/** "12s", "1m 05s", "1h 02m". */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export function withElapsed(text: string, startedAt: number, minimumMs: number): string {
  const elapsed = Date.now() - startedAt;
  return elapsed >= minimumMs ? `${text} (${formatElapsed(elapsed)})` : text;
}

export type Outcome = 'succeed' | 'fail' | 'warn';

export interface Board {
  begin(code: string, text: string): Progress;
  /** Print a finished line without tearing an active spinner. */
  printAbove(line: string): void;
  pause(): void;
  resume(): void;
  close(): void;
}

/** Without a terminal, a wait this long prints a line, so a CI log never goes silent. */
export const HEARTBEAT_MS = 30_000;

export class PlainBoard implements Board {
  private readonly open = new Set<AbortController>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly debug: boolean,
    private readonly clock: Clock = realClock,
  ) {}

  begin(_code: string, text: string): Progress {
    const startedAt = this.clock.now();
    let current = text;
    let done = false;
    const heartbeat = new AbortController();
    this.open.add(heartbeat);
    void this.beat(heartbeat.signal, startedAt, () => current);
    this.write(`${text}...`);
    const finish = (prefix: string, final: string): void => {
      if (done) return;
      done = true;
      heartbeat.abort();
      this.open.delete(heartbeat);
      const elapsed = this.clock.now() - startedAt;
      this.write(
        `${prefix}${elapsed >= SHOW_ELAPSED_AFTER_MS ? `${final} (${formatElapsed(elapsed)})` : final}`,
      );
    };
    return {
      update: (next) => {
        if (done) return;
        current = next;
        if (this.debug) this.write(`${next}...`);
      },
      succeed: (final) => finish('✔ ', final),
      fail: (final) => finish('error: ', final),
      warn: (final) => finish('warning: ', final),
    };
  }

  /** One heartbeat after 30 s, then the next, until the work is done (its signal aborted). */
  private async beat(signal: AbortSignal, startedAt: number, text: () => string): Promise<void> {
    try {
      await this.clock.sleep(HEARTBEAT_MS, signal);
    } catch {
      return;
    }
    if (signal.aborted) return;
    this.write(`still waiting: ${text()} (${formatElapsed(this.clock.now() - startedAt)})`);
    return this.beat(signal, startedAt, text);
  }

  printAbove(line: string): void {
    this.write(line);
  }

  pause(): void {}
  resume(): void {}
  close(): void {
    for (const heartbeat of this.open) heartbeat.abort();
    this.open.clear();
  }
}
