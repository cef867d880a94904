/**
 * The terminal adapter of the UI port. It and its parts in src/ui/ (progress.ts, prompts.ts,
 * prompt-theme.ts, searchable-checkbox.ts) are the only modules that import ora, chalk or inquirer.
 *
 * Streams: results go to stdout (one line each, as given, so scripts can parse them); notices,
 * progress and questions go to stderr. "Fancy" output (colour, spinner) needs `color` and a TTY;
 * otherwise nothing but plain lines is written, with no escape codes at all.
 */
import { Chalk, supportsColorStderr, type ChalkInstance } from 'chalk';
import {
  cancelledError,
  noTerminalError,
  type Answer,
  type Level,
  type Message,
  type Question,
  type ResultOptions,
  type Ui,
} from '../ports/ui.js';
import type { Clock } from '../ports/clock.js';
import { PlainBoard } from './progress.js';
import { wrapToWidth } from './wrap.js';
import { promptTheme } from './prompt-theme.js';
import type { SpinnerBoard } from './spinner.js';

export { formatElapsed } from './progress.js';

export interface TerminalUiOptions {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  color: boolean;
  debug: boolean;
  /** Drives the heartbeat of plain progress (tests pass a virtual clock); default the real one. */
  clock?: Clock;
  /** e.g. 'simulated account: no AWS calls are made, nothing is billed'; shown once on stderr. */
  banner?: string;
}

export type TerminalUi = Ui & { close(): void };

/**
 * The terminal UI, loading ora only for a colour terminal (it is a fifth of a cold start);
 * inquirer is loaded by the first question.
 */
export async function openTerminalUi(options: TerminalUiOptions): Promise<TerminalUi> {
  const spinner = options.color && options.stderr.isTTY === true;
  return createTerminalUi(options, spinner ? (await import('./spinner.js')).SpinnerBoard : undefined);
}

/** `Spinner`: the board for a colour terminal; without it such a terminal gets plain lines too. */
export function createTerminalUi(options: TerminalUiOptions, Spinner?: typeof SpinnerBoard): TerminalUi {
  const { stdin, stdout, stderr, debug } = options;
  // Questions are drawn on stderr and answered on stdin: with either redirected nobody could see or
  // answer them, so do not ask. stdout may be a pipe (`IP=$(fixed-ip setup)`, `teardown | cat`):
  // the person is still there, and is asked.
  const interactive = stdin.isTTY === true && stderr.isTTY === true;
  const fancyStderr = options.color && stderr.isTTY === true;
  const fancyStdout = options.color && stdout.isTTY === true;
  const paint: ChalkInstance = new Chalk({
    level: options.color
      ? (Math.max(1, supportsColorStderr ? supportsColorStderr.level : 0) as 1 | 2 | 3)
      : 0,
  });
  const plain = new Chalk({ level: 0 });
  const errPaint = fancyStderr ? paint : plain;
  const outPaint = fancyStdout ? paint : plain;

  const writeErr = (line: string): void => {
    stderr.write(`${fit(stderr, line)}\n`);
  };

  const progress =
    Spinner && fancyStderr
      ? new Spinner(stderr, errPaint, stdin === process.stdin)
      : new PlainBoard(writeErr, debug, options.clock);

  if (options.banner !== undefined) {
    const colon = options.banner.indexOf(': ');
    const [label, detail] =
      colon === -1 ? [options.banner, ''] : [options.banner.slice(0, colon), options.banner.slice(colon + 2)];
    const line = `[${label}]${detail ? ` ${detail}` : ''}`;
    writeErr(fancyStderr ? errPaint.yellow.bold(line) : line);
  }

  function notify(message: Message): void {
    if (message.level === 'debug' && !debug) return;
    progress.printAbove(formatNotice(message, fancyStderr, errPaint));
  }

  function result(text: string, options: ResultOptions = {}): void {
    const emphasis = options.emphasis === true;
    stdout.write(`${emphasis && fancyStdout ? box(text, outPaint) : fit(stdout, text)}\n`);
  }

  async function ask<Q extends Question>(question: Q): Promise<Answer<Q>> {
    if (!interactive) throw noTerminalError(question);
    const context = { input: stdin, output: stderr };
    const theme = promptTheme(errPaint);
    const { prompt } = await import('./prompts.js');
    progress.pause();
    try {
      return (await prompt(question, context, theme, errPaint)) as Answer<Q>;
    } catch (error) {
      if (error instanceof Error && error.name === 'ExitPromptError') throw cancelledError();
      throw error;
    } finally {
      progress.resume();
    }
  }

  return {
    interactive,
    notify,
    result,
    ask,
    progress: (code, text) => progress.begin(code, text),
    close: () => progress.close(),
  };
}

/**
 * In a terminal, long lines wrap at word boundaries to its width (re-read each time: it may be
 * resized). Pipes and files get the line as it is, for scripts and logs.
 */
export function fit(stream: NodeJS.WriteStream, text: string): string {
  const columns = stream.isTTY === true ? stream.columns : undefined;
  return columns !== undefined ? wrapToWidth(text, columns) : text;
}

function formatNotice(message: Message, fancy: boolean, paint: ChalkInstance): string {
  const { text } = message;
  const level = message.level as Level;
  switch (level) {
    case 'debug':
      return fancy ? paint.dim(text) : `debug: ${text}`;
    case 'info':
      return text;
    case 'warn':
      return fancy ? `${paint.yellow('⚠')} ${paint.yellow(text)}` : `warning: ${text}`;
    case 'error':
      return fancy ? `${paint.red('✖')} ${paint.red(text)}` : `error: ${text}`;
    case 'success':
      return fancy ? `${paint.green('✔')} ${text}` : `✔ ${text}`;
  }
}

function box(text: string, paint: ChalkInstance): string {
  const width = [...text].length + 4;
  const edge = (left: string, right: string): string => paint.green(`${left}${'─'.repeat(width)}${right}`);
  const side = paint.green('│');
  return [edge('╭', '╮'), `${side}  ${paint.bold(text)}  ${side}`, edge('╰', '╯')].join('\n');
}
