import { AbortError, FixedIpError } from '../errors.js';
import type { CatalogueMessage, ProgressCode, QuestionCode } from './messages.js';

/**
 * The UI port. The core talks only to this; the terminal adapter (src/ui/terminal.ts and its parts
 * in src/ui/) is the only code that imports ora, chalk or inquirer. Every message and question has a stable code.
 */

export type { Level } from './levels.js';

/** A message from the catalogue (src/ports/messages.ts): its code fixes its level and payload type. */
export type Message = CatalogueMessage;

export interface Choice {
  value: string;
  name: string;
  description?: string;
  disabled?: boolean | string;
}

export type Question =
  | { kind: 'confirm'; code: QuestionCode; message: string; default: boolean }
  | {
      kind: 'input';
      code: QuestionCode;
      message: string;
      default: string;
      /** true when valid, else the reason shown to the user as they type. */
      validate?: (value: string) => true | string;
    }
  | { kind: 'select'; code: QuestionCode; message: string; choices: Choice[]; default: string }
  | {
      kind: 'multiselect';
      code: QuestionCode;
      message: string;
      choices: Choice[];
      default: string[];
      validate?: (values: string[]) => true | string;
    };

export type Answer<Q extends Question> = Q extends { kind: 'confirm' }
  ? boolean
  : Q extends { kind: 'multiselect' }
    ? string[]
    : string;

export interface ResultOptions {
  /** Frame it in a colour terminal (the fixed IP at the end of setup). */
  emphasis?: boolean;
}

/** What every UI throws when a question needs a person and there is no terminal. */
export function noTerminalError(question: Question): FixedIpError {
  return new FixedIpError('NO_TERMINAL', `cannot ask "${question.message}" without a terminal`, {
    hint: 'pass the matching option, or --yes to accept defaults',
  });
}

/** What every UI throws when the user presses Ctrl-C at a question. */
export function cancelledError(): AbortError {
  return new AbortError('Cancelled; nothing was changed', false);
}

/** A long-running piece of work: a spinner with elapsed time in a terminal, lines elsewhere. */
export interface Progress {
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  warn(text: string): void;
}

export interface Ui {
  /** True when a person can answer questions (stdin and stderr, where they are drawn, are terminals). */
  readonly interactive: boolean;
  /** Progress and diagnostics: stderr in the terminal. */
  notify(message: Message): void;
  /**
   * The result the user came for (the IP, the status table, JSON): stdout, one line as given.
   * `{ emphasis: true }` lets a colour terminal frame it (the fixed IP at the end of setup);
   * without a terminal the line is printed verbatim, so scripts can parse it.
   */
  result(text: string, options?: ResultOptions): void;
  ask<Q extends Question>(question: Q): Promise<Answer<Q>>;
  progress(code: ProgressCode, text: string): Progress;
}
