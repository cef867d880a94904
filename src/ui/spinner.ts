/** The spinner board of progress.ts, apart so that only a colour terminal loads ora. */
import type { ChalkInstance } from 'chalk';
import ora, { type Ora } from 'ora';
import type { Progress } from '../ports/ui.js';
import { wrapToWidth } from './wrap.js';
import { type Board, type Outcome, SHOW_ELAPSED_AFTER_MS, withElapsed } from './progress.js';

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
