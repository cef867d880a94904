/**
 * Progress: steps run concurrently, so a single ora spinner shows the most recently active
 * handle's text with its elapsed time (refreshed every second, "+N more" when others are running);
 * finished handles are printed as lines above it. Only one spinner ever exists, which is what ora
 * (which hooks the stream while spinning) supports. Outside a colour terminal, plain lines only.
 * The spinner is in spinner.ts, loaded only for a colour terminal: ora takes a while to load.
 */
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

/** Progress outside a colour terminal: plain lines only, no frames, no escape codes. */
export class PlainBoard implements Board {
  constructor(
    private readonly write: (line: string) => void,
    private readonly debug: boolean,
  ) {}

  begin(_code: string, text: string): Progress {
    const startedAt = Date.now();
    let done = false;
    this.write(`${text}...`);
    const finish = (prefix: string, final: string): void => {
      if (done) return;
      done = true;
      this.write(`${prefix}${withElapsed(final, startedAt, SHOW_ELAPSED_AFTER_MS)}`);
    };
    return {
      update: (next) => {
        if (!done && this.debug) this.write(`${next}...`);
      },
      succeed: (final) => finish('✔ ', final),
      fail: (final) => finish('error: ', final),
      warn: (final) => finish('warning: ', final),
    };
  }

  printAbove(line: string): void {
    this.write(line);
  }

  pause(): void {}
  resume(): void {}
  close(): void {}
}
