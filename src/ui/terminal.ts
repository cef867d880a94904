/**
 * The terminal adapter of the UI port: the only module that imports ora, chalk or inquirer.
 *
 * Streams: results go to stdout (one line each, as given, so scripts can parse them); notices,
 * progress and questions go to stderr. "Fancy" output (colour, spinner) needs `color` and a TTY;
 * otherwise nothing but plain lines is written, with no escape codes at all.
 *
 * Progress: steps run concurrently, so a single ora spinner shows the most recently active
 * handle's text with its elapsed time (refreshed every second, "+N more" when others are running);
 * finished handles are printed as lines above it. Only one spinner ever exists, which is what ora
 * (which hooks the stream while spinning) supports.
 *
 * Questions: confirm, input and select come from @inquirer/prompts 8.5.0. Its checkbox cannot
 * filter, and its search prompt picks only one value, so the searchable multi-select below is a
 * small custom prompt built on @inquirer/core (the copy @inquirer/prompts already uses, pinned to
 * the same version): the typed line filters the list, space toggles, enter accepts. Input shows
 * `validate`'s reason live while typing (through inquirer's `transformer`) and again on enter.
 */
import { Chalk, supportsColorStderr, type ChalkInstance } from 'chalk';
import ora, { type Ora } from 'ora';
import { confirm, input, select } from '@inquirer/prompts';
import {
  createPrompt,
  isDownKey,
  isEnterKey,
  isSpaceKey,
  isTabKey,
  isUpKey,
  makeTheme,
  useKeypress,
  useMemo,
  usePagination,
  usePrefix,
  useState,
} from '@inquirer/core';
import {
  cancelledError,
  noTerminalError,
  type Answer,
  type Choice,
  type Message,
  type Progress,
  type Question,
  type ResultOptions,
  type Ui,
} from '../ports/ui.js';

export interface TerminalUiOptions {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  color: boolean;
  debug: boolean;
  /** e.g. 'simulated account: no AWS calls are made, nothing is billed'; shown once on stderr. */
  banner?: string;
}

export type TerminalUi = Ui & { close(): void };

/** Work shorter than this finishes without its elapsed time. */
const SHOW_ELAPSED_AFTER_MS = 2_000;

export function createTerminalUi(options: TerminalUiOptions): TerminalUi {
  const { stdin, stdout, stderr, debug } = options;
  // Questions are drawn on stderr: with it redirected nobody could see them, so do not ask.
  const interactive = stdin.isTTY === true && stdout.isTTY === true && stderr.isTTY === true;
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
    stderr.write(`${line}\n`);
  };

  const progress = fancyStderr
    ? new SpinnerBoard(stderr, errPaint, stdin === process.stdin)
    : new PlainBoard(writeErr, debug);

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
    stdout.write(`${emphasis && fancyStdout ? box(text, outPaint) : text}\n`);
  }

  async function ask<Q extends Question>(question: Q): Promise<Answer<Q>> {
    if (!interactive) throw noTerminalError(question);
    const context = { input: stdin, output: stderr };
    const theme = promptTheme(errPaint);
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

function formatNotice(message: Message, fancy: boolean, paint: ChalkInstance): string {
  const { level, text } = message;
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

interface Board {
  begin(code: string, text: string): Progress;
  /** Print a finished line without tearing an active spinner. */
  printAbove(line: string): void;
  pause(): void;
  resume(): void;
  close(): void;
}

/** Progress outside a colour terminal: plain lines only, no frames, no escape codes. */
class PlainBoard implements Board {
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

interface ActiveWork {
  text: string;
  startedAt: number;
  /** Bumped on begin/update: the spinner follows the most recently active handle. */
  touchedAt: number;
}

/** Progress in a colour terminal: one ora spinner for all open handles. */
class SpinnerBoard implements Board {
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
    this.stream.write(`${line}\n`);
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

// ---------------------------------------------------------------------------------------------
// Questions

type PromptContext = { input: NodeJS.ReadStream; output: NodeJS.WriteStream };

/** One theme for every prompt, painted with our chalk so --no-color really means no colour. */
function promptTheme(paint: ChalkInstance) {
  return {
    prefix: { idle: paint.blue('?'), done: paint.green('✔') },
    spinner: {
      frames: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'].map((frame) => paint.yellow(frame)),
    },
    style: {
      answer: (text: string) => paint.cyan(text),
      message: (text: string) => paint.bold(text),
      error: (text: string) => paint.red(`> ${text}`),
      defaultAnswer: (text: string) => paint.dim(`(${text})`),
      help: (text: string) => paint.dim(text),
      highlight: (text: string) => paint.cyan(text),
      key: (text: string) => paint.cyan.bold(`<${text}>`),
      disabled: (text: string) => paint.dim(text),
      description: (text: string) => paint.cyan(text),
      keysHelpTip: (keys: [string, string][]) =>
        keys.map(([key, action]) => `${paint.bold(key)} ${paint.dim(action)}`).join(paint.dim(' • ')),
    },
  };
}

type PromptTheme = ReturnType<typeof promptTheme>;

async function prompt(
  question: Question,
  context: PromptContext,
  theme: PromptTheme,
  paint: ChalkInstance,
): Promise<unknown> {
  switch (question.kind) {
    case 'confirm':
      return confirm({ message: question.message, default: question.default, theme }, context);
    case 'input': {
      const { validate } = question;
      return input(
        {
          message: question.message,
          default: question.default,
          prefill: 'editable',
          theme,
          ...(validate && {
            validate,
            // Live feedback: the reason appears next to the value while it is invalid.
            transformer: (value: string, { isFinal }: { isFinal: boolean }) => {
              if (isFinal) return theme.style.answer(value);
              const verdict = value === '' ? true : validate(value);
              return verdict === true ? value : `${value}  ${paint.dim.red(verdict)}`;
            },
          }),
        },
        context,
      );
    }
    case 'select':
      return select(
        {
          message: question.message,
          choices: question.choices.map(toInquirerChoice),
          default: question.default,
          theme,
        },
        context,
      );
    case 'multiselect':
      return searchableCheckbox(
        {
          message: question.message,
          choices: question.choices,
          default: question.default,
          ...(question.validate && { validate: question.validate }),
          theme,
        },
        context,
      );
  }
}

function toInquirerChoice(choice: Choice): {
  value: string;
  name: string;
  description?: string;
  disabled?: boolean | string;
} {
  return {
    value: choice.value,
    name: choice.name,
    ...(choice.description !== undefined && { description: choice.description }),
    ...(choice.disabled !== undefined && { disabled: choice.disabled }),
  };
}

interface SearchableCheckboxConfig {
  message: string;
  choices: Choice[];
  default: string[];
  validate?: (values: string[]) => true | string;
  theme: PromptTheme;
  pageSize?: number;
}

/** The typed line is the filter (matched against name, value and description). */
export function matchesFilter(choice: Choice, term: string): boolean {
  const needle = term.trim().toLowerCase();
  if (needle === '') return true;
  return [choice.name, choice.value, choice.description ?? ''].some((field) =>
    field.toLowerCase().includes(needle),
  );
}

const searchableCheckbox = createPrompt<string[], SearchableCheckboxConfig>((config, done) => {
  const theme = makeTheme(config.theme);
  const styles = config.theme.style;
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  const [term, setTerm] = useState('');
  const [checked, setChecked] = useState<ReadonlySet<string>>(
    new Set(config.default.filter((value) => config.choices.some((choice) => choice.value === value))),
  );
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);
  const prefix = usePrefix({ status, theme });
  const visible = useMemo(() => config.choices.filter((choice) => matchesFilter(choice, term)), [term]);
  const current = visible[Math.min(active, visible.length - 1)];

  useKeypress((key, rl) => {
    if (status !== 'idle') return;
    if (isEnterKey(key)) {
      // Submitting a line clears readline's buffer; keep the filter the user typed.
      rl.write(term);
      const selection = config.choices
        .filter((choice) => checked.has(choice.value))
        .map((choice) => choice.value);
      const verdict = config.validate ? config.validate(selection) : true;
      if (verdict === true) {
        setStatus('done');
        done(selection);
      } else {
        setError(verdict);
      }
    } else if (isUpKey(key) || isDownKey(key)) {
      if (visible.length > 0) {
        const offset = isUpKey(key) ? -1 : 1;
        setActive(Math.min(Math.max(Math.min(active, visible.length - 1) + offset, 0), visible.length - 1));
      }
    } else if (isSpaceKey(key) || isTabKey(key)) {
      // Space and tab toggle; they never become part of the filter.
      rl.clearLine(0);
      rl.write(term);
      if (!current) return;
      if (current.disabled) {
        setError(typeof current.disabled === 'string' ? current.disabled : 'This option cannot be selected');
        return;
      }
      const next = new Set(checked);
      if (next.has(current.value)) next.delete(current.value);
      else next.add(current.value);
      setChecked(next);
      setError(undefined);
    } else if (rl.line !== term) {
      setTerm(rl.line);
      setActive(0);
      setError(undefined);
    }
  });

  const page = usePagination({
    items: visible,
    active: Math.min(active, Math.max(visible.length - 1, 0)),
    pageSize: config.pageSize ?? 10,
    loop: false,
    renderItem({ item, isActive }) {
      const cursor = isActive ? '❯' : ' ';
      const box = checked.has(item.value) ? '◉' : '◯';
      if (item.disabled) {
        const label = typeof item.disabled === 'string' ? item.disabled : '(disabled)';
        return styles.disabled(`${cursor}${box} ${item.name} ${label}`);
      }
      const line = `${cursor}${checked.has(item.value) ? styles.highlight(box) : box} ${item.name}`;
      return isActive ? styles.highlight(line) : line;
    },
  });

  const message = styles.message(config.message);
  if (status === 'done') {
    const names = config.choices.filter((choice) => checked.has(choice.value)).map((choice) => choice.name);
    return [prefix, message, styles.answer(names.length > 0 ? names.join(', ') : '(none)')].join(' ');
  }

  const header = [prefix, message, term ? styles.answer(term) : styles.help('(type to filter)')].join(' ');
  const body = [
    visible.length > 0 ? page : styles.error(`No choice matches "${term}"`),
    styles.help(`${checked.size} selected`),
    current?.description ? styles.description(current.description) : '',
    error ? styles.error(error) : '',
    styles.keysHelpTip([
      ['type', 'filter'],
      ['↑↓', 'navigate'],
      ['space', 'toggle'],
      ['⏎', 'accept'],
    ]),
  ]
    .filter(Boolean)
    .join('\n');
  return [header, body];
});
