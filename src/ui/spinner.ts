/** The spinner board of progress.ts, apart so that only a colour terminal loads ora. */
import { clearScreenDown, cursorTo, moveCursor } from 'node:readline';
import type { ChalkInstance } from 'chalk';
import stringWidth from 'fast-string-width';
import ora, { type Ora } from 'ora';
import type { Progress } from '../ports/ui.js';
import { truncateToWidth, wrapToWidth } from './wrap.js';
import { type Board, type Outcome, SHOW_ELAPSED_AFTER_MS, withElapsed } from './progress.js';

/** ora draws "<frame> <text>": the cells before the text. */
const FRAME_CELLS = 2;

interface ActiveWork {
  text: string;
  startedAt: number;
  /** Bumped on begin/update: the spinner follows the most recently active handle. */
  touchedAt: number;
}

/**
 * Progress in a colour terminal: one ora spinner for all open handles. Its line is cut to the
 * terminal's width, so it never wraps, and is drawn anew when the terminal is resized.
 */
export class SpinnerBoard implements Board {
  private readonly active = new Set<ActiveWork>();
  private readonly spinner: Ora;
  private ticker: NodeJS.Timeout | undefined;
  private paused = false;
  private touches = 0;
  /** Cells of the spinner's line as last drawn. */
  private drawnWidth = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly paint: ChalkInstance,
    discardStdin: boolean,
  ) {
    this.spinner = ora({ stream, color: 'cyan', discardStdin, isEnabled: true });
    stream.on('resize', this.redraw);
    // A frame drawn after the terminal was resized but before Node says so (a busy event loop runs
    // its timers before the signal) would be drawn at the old width over the re-wrapped line, and
    // leave rows of it behind. So the terminal is asked its size before each frame (Node's own
    // refresh on SIGWINCH, which emits 'resize', and so redraws, when it changed).
    const render = this.spinner.render.bind(this.spinner);
    const refreshSize = (stream as unknown as { _refreshSize?: () => void })._refreshSize;
    this.spinner.render = () => {
      try {
        refreshSize?.call(stream);
      } catch {
        // The terminal is gone: the frame is drawn as it would have been.
      }
      return render();
    };
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
    this.stream.off('resize', this.redraw);
  }

  /**
   * After a resize. Most terminals (GNOME Terminal, iTerm2, Windows Terminal, tmux) re-wrap the
   * drawn line to the new width, leaving the cursor on its last row; ora would clear only that row,
   * and the rest would stay on screen. So clear every row the line now takes, and draw it again cut
   * to the new width. (A terminal that cuts lines instead, as xterm does, would lose as many rows
   * above the spinner as this clears; that happens only when it gets narrower than the spinner's
   * line.)
   */
  private readonly redraw = (): void => {
    if (!this.spinner.isSpinning) return;
    const rows = Math.max(1, Math.ceil(this.drawnWidth / Math.max(this.stream.columns, 1)));
    this.spinner.stop();
    cursorTo(this.stream, 0);
    if (rows > 1) moveCursor(this.stream, 0, 1 - rows);
    clearScreenDown(this.stream);
    this.drawnWidth = 0;
    this.refresh();
  };

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
    const tail = `${withElapsed('', latest.startedAt, 1_000)}${others > 0 ? this.paint.dim(` (+${others} more)`) : ''}`;
    // One cell is left free: a line filling the row puts some terminals' cursor on the next one.
    const columns = this.stream.columns;
    return columns > 0
      ? truncateToWidth(latest.text, columns - FRAME_CELLS - 1, tail)
      : `${latest.text}${tail}`;
  }

  /** Set the spinner's text and draw it now, so that `drawnWidth` is what the terminal shows. */
  private draw(text: string): void {
    if (this.spinner.isSpinning) {
      this.spinner.text = text;
      this.spinner.render();
    } else {
      this.spinner.start(text);
    }
    this.drawnWidth = FRAME_CELLS + stringWidth(text);
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
    this.draw(this.text());
    if (!this.ticker) {
      this.ticker = setInterval(() => {
        if (this.spinner.isSpinning) this.draw(this.text());
      }, 1_000);
      this.ticker.unref();
    }
  }
}
