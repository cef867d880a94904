/**
 * Progress: steps run concurrently, so a single ora spinner shows the most recently active
 * handle's text with its elapsed time (refreshed every second, "+N more" when others are running);
 * finished handles are printed as lines above it. Only one spinner ever exists, which is what ora
 * (which hooks the stream while spinning) supports. Outside a colour terminal, plain lines only.
 */
import type { ChalkInstance } from 'chalk';
import ora, { type Ora } from 'ora';
import { type Clock, realClock } from '../ports/clock.js';
import type { Progress } from '../ports/ui.js';
import { wrapToWidth } from './wrap.js';

/** Work shorter than this finishes without its elapsed time. */
const SHOW_ELAPSED_AFTER_MS = 2_000;

/** "12s", "1m 05s", "1h 02m". */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

function withElapsed(text: string, startedAt: number, minimumMs: number): string {
  const elapsed = Date.now() - startedAt;
  return elapsed >= minimumMs ? `${text} (${formatElapsed(elapsed)})` : text;
}

type Outcome = 'succeed' | 'fail' | 'warn';

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

/**
 * Progress outside a colour terminal: plain lines only, no frames, no escape codes. While work is
 * open, a heartbeat line every 30 s of the injected clock says what it waits for (the latest
 * update, which carries AWS's state) and for how long.
 */
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

interface ActiveWork {
  text: string;
  startedAt: number;
  /** Bumped on begin/update: the spinner follows the most recently active handle. */
  touchedAt: number;
}

/** Progress in a colour terminal: one ora spinner for all open handles. */
export class SpinnerBoard implements Board {
  private readonly active = new Set<ActiveWork>();
  private readonly spinner: Ora;
  private ticker: NodeJS.Timeout | undefined;
  private paused = false;
  private touches = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly paint: ChalkInstance,
    discardStdin: boolean,
  ) {
    this.spinner = ora({ stream, color: 'cyan', discardStdin, isEnabled: true });
  }

  begin(_code: string, text: string): Progress {
    const work: ActiveWork = { text, startedAt: Date.now(), touchedAt: ++this.touches };
    this.active.add(work);
    this.refresh();
    const finish = (outcome: Outcome, final: string): void => {
      if (!this.active.delete(work)) return;
      this.printAbove(`${this.symbol(outcome)} ${withElapsed(final, work.startedAt, SHOW_ELAPSED_AFTER_MS)}`);
      this.refresh();
    };
    return {
      update: (next) => {
        if (!this.active.has(work)) return;
        work.text = next;
        work.touchedAt = ++this.touches;
        this.refresh();
      },
      succeed: (final) => finish('succeed', final),
      fail: (final) => finish('fail', final),
      warn: (final) => finish('warn', final),
    };
  }

  printAbove(line: string): void {
    const spinning = this.spinner.isSpinning;
    if (spinning) this.spinner.clear();
    this.stream.write(`${wrapToWidth(line, this.stream.columns)}\n`);
    if (spinning) this.spinner.render();
  }

  pause(): void {
    this.paused = true;
    this.refresh();
  }

  resume(): void {
    this.paused = false;
    this.refresh();
  }

  close(): void {
    this.active.clear();
    this.refresh();
  }

  private symbol(outcome: Outcome): string {
    if (outcome === 'succeed') return this.paint.green('✔');
    if (outcome === 'fail') return this.paint.red('✖');
    return this.paint.yellow('⚠');
  }

  private text(): string {
    let latest: ActiveWork | undefined;
    for (const work of this.active) if (!latest || work.touchedAt > latest.touchedAt) latest = work;
    if (!latest) return '';
    const others = this.active.size - 1;
    return `${withElapsed(latest.text, latest.startedAt, 1_000)}${others > 0 ? this.paint.dim(` (+${others} more)`) : ''}`;
  }

  /** Bring the spinner and its one-second ticker in line with the open handles. */
  private refresh(): void {
    const show = this.active.size > 0 && !this.paused;
    if (!show) {
      if (this.spinner.isSpinning) this.spinner.stop();
      if (this.ticker) clearInterval(this.ticker);
      this.ticker = undefined;
      return;
    }
    if (this.spinner.isSpinning) this.spinner.text = this.text();
    else this.spinner.start(this.text());
    if (!this.ticker) {
      this.ticker = setInterval(() => {
        if (this.spinner.isSpinning) this.spinner.text = this.text();
      }, 1_000);
      this.ticker.unref();
    }
  }
}
