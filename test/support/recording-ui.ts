/**
 * The test double of the UI port: records every message, result and question, and answers
 * questions from a script keyed by question code. Tests assert on codes, never on drawn text.
 *
 * Scripted answers (`answers[code]`):
 * - a plain value answers every ask of that code (for a multiselect, a string[] is one answer);
 * - an array of answers is consumed one per ask (for a multiselect: an array of string[]);
 *   for an input/multiselect with `validate`, an invalid element is recorded in
 *   `validationErrors` and the next element is tried, as a user retyping;
 * - a function is called with the question each time it is asked.
 * An unscripted question takes its default when `useDefaults`, else the ask throws an Error
 * naming the code, so a test never passes by accident.
 */
import {
  cancelledError,
  noTerminalError,
  type Answer,
  type Choice,
  type Level,
  type Message,
  type Progress,
  type Question,
  type ResultOptions,
  type Ui,
} from '../../src/ports/ui.js';

/** A value, a list consumed one per ask, or a function of the question. */
export type ScriptedAnswer = unknown;

export interface RecordingUiOptions {
  /** Default true. When false, every ask throws the NO_TERMINAL error the terminal UI throws. */
  interactive?: boolean;
  answers?: Record<string, ScriptedAnswer>;
  /** Answer unscripted questions with their default instead of throwing. */
  useDefaults?: boolean;
  /** Ask of this code throws the AbortError Ctrl-C gives. */
  cancelAt?: string;
}

export interface ValidationFailure {
  code: string;
  value: unknown;
  reason: string;
}

/** A message as recorded: one from the catalogue, or a progress event (`setup.nat.wait:succeed`). */
export type Recorded =
  Message | { level: Level; code: `${string}:${string}`; text: string; data?: undefined };

export interface RecordingUi {
  ui: Ui;
  messages: Recorded[];
  /** Every result line, in order. */
  results: string[];
  /** The result lines that were emphasized (the fixed IP), also present in `results`. */
  emphasized: string[];
  questions: Question[];
  validationErrors: ValidationFailure[];
  codes(): string[];
}

export function createRecordingUi(options: RecordingUiOptions = {}): RecordingUi {
  const interactive = options.interactive ?? true;
  const answers = options.answers ?? {};
  const messages: Recorded[] = [];
  const results: string[] = [];
  const emphasized: string[] = [];
  const questions: Question[] = [];
  const validationErrors: ValidationFailure[] = [];
  /** How many elements of each array script have been used. */
  const consumed = new Map<string, number>();

  function nextScripted(question: Question): { found: true; value: unknown } | { found: false } {
    if (!Object.hasOwn(answers, question.code)) return { found: false };
    const script = answers[question.code];
    if (typeof script === 'function')
      return { found: true, value: (script as (q: Question) => unknown)(question) };
    if (!isSequence(question, script)) return { found: true, value: script };
    const used = consumed.get(question.code) ?? 0;
    if (used >= script.length) return { found: false };
    consumed.set(question.code, used + 1);
    return { found: true, value: script[used] };
  }

  function answer(question: Question): unknown {
    for (;;) {
      const scripted = nextScripted(question);
      if (!scripted.found) {
        if (options.useDefaults) return question.default;
        throw new Error(`recording UI: no scripted answer left for question "${question.code}"`);
      }
      const value = checkShape(question, scripted.value);
      const reason = validate(question, value);
      if (reason === true) return value;
      validationErrors.push({ code: question.code, value, reason });
      const script = answers[question.code];
      if (!isSequence(question, script)) {
        throw new Error(`recording UI: scripted answer for "${question.code}" is invalid: ${reason}`);
      }
    }
  }

  const ui: Ui = {
    interactive,
    notify(message) {
      messages.push(message);
    },
    result(text: string, options: ResultOptions = {}) {
      results.push(text);
      if (options.emphasis === true) emphasized.push(text);
    },
    ask<Q extends Question>(question: Q): Promise<Answer<Q>> {
      questions.push(question);
      if (!interactive) return Promise.reject(noTerminalError(question));
      if (options.cancelAt === question.code) return Promise.reject(cancelledError());
      // A scripting mistake (no answer for a code) rejects like a prompt would.
      return Promise.resolve().then(() => answer(question) as Answer<Q>);
    },
    progress(code, text): Progress {
      let open = true;
      const record = (event: string, level: Level, eventText: string): void => {
        messages.push({ level, code: `${code}:${event}`, text: eventText });
      };
      const finish = (event: string, level: Level, finalText: string): void => {
        if (!open) throw new Error(`recording UI: progress "${code}" finished twice`);
        open = false;
        record(event, level, finalText);
      };
      record('begin', 'info', text);
      return {
        update: (next) => record('update', 'info', next),
        succeed: (final) => finish('succeed', 'success', final),
        fail: (final) => finish('fail', 'error', final),
        warn: (final) => finish('warn', 'warn', final),
      };
    },
  };

  return {
    ui,
    messages,
    results,
    emphasized,
    questions,
    validationErrors,
    codes: () => messages.map((message) => message.code),
  };
}

/** For a multiselect, a string[] is one answer and only an array of arrays is a sequence. */
function isSequence(question: Question, script: unknown): script is unknown[] {
  if (!Array.isArray(script)) return false;
  if (question.kind !== 'multiselect') return true;
  return script.length > 0 && script.every((element) => Array.isArray(element));
}

function checkShape(question: Question, value: unknown): unknown {
  const fail = (expected: string): never => {
    throw new Error(
      `recording UI: scripted answer for "${question.code}" should be ${expected}, got ${JSON.stringify(value)}`,
    );
  };
  switch (question.kind) {
    case 'confirm':
      return typeof value === 'boolean' ? value : fail('a boolean');
    case 'input':
      return typeof value === 'string' ? value : fail('a string');
    case 'select': {
      const choice = question.choices.find((c) => c.value === value);
      if (!choice || choice.disabled) fail(`one of the enabled choices ${enabledValues(question.choices)}`);
      return value;
    }
    case 'multiselect': {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return fail('a string[]');
      const unknownValue = value.find((v) => !question.choices.some((c) => c.value === v && !c.disabled));
      if (unknownValue !== undefined)
        fail(`a subset of the enabled choices ${enabledValues(question.choices)}`);
      return value;
    }
  }
}

function validate(question: Question, value: unknown): true | string {
  if (question.kind === 'input' && question.validate) return question.validate(value as string);
  if (question.kind === 'multiselect' && question.validate) return question.validate(value as string[]);
  return true;
}

function enabledValues(choices: Choice[]): string {
  return JSON.stringify(choices.filter((c) => !c.disabled).map((c) => c.value));
}
