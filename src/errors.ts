/**
 * Typed errors. Only `cli.ts` turns them into an exit code; the core throws, never exits.
 */

/** Exit codes are part of the public interface (README, "Exit codes"). */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  /**
   * status: the stack exists but something is broken or drifted; teardown: something still bills
   * that fixed-ip kept because it cannot prove it made it.
   */
  drifted: 3,
  /** status/teardown: there is no stack of that name. */
  noStack: 4,
  /** teardown: the wait for Lambda's network interfaces ran out; run it again later. */
  waitExpired: 5,
  /** plan: setup would not succeed as things stand. */
  planBlocked: 6,
  /** another run holds the stack's lock. */
  locked: 7,
  /** Ctrl-C, or a declined confirmation. */
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'BAD_OPTION'
  | 'CONSENT_REQUIRED'
  | 'NO_TERMINAL'
  | 'FUNCTION_NOT_FOUND'
  | 'FUNCTION_IN_OTHER_VPC'
  | 'FUNCTION_IN_OTHER_STACK'
  | 'FUNCTION_BUSY'
  | 'FUNCTION_TAGS_FULL'
  | 'FUNCTION_TAGS_LEFT'
  | 'ROLE_LACKS_PERMISSIONS'
  | 'VPC_NOT_FOUND'
  | 'AZ_NOT_FOUND'
  | 'CIDR_INVALID'
  | 'CIDR_EXHAUSTED'
  | 'EIP_NOT_FOUND'
  | 'EIP_IN_USE'
  | 'NAT_FAILED'
  | 'STATE_UNREADABLE'
  | 'LOCAL_FILE'
  | 'STATE_INVALID'
  | 'STATE_NEWER'
  | 'STATE_MISMATCH'
  | 'STATE_CONFLICT'
  | 'STATE_BUCKET'
  | 'LOCK_LOST'
  | 'NO_STACK'
  | 'LOCKED'
  | 'NO_CREDENTIALS'
  | 'SSO_EXPIRED'
  | 'BAD_REGION'
  | 'WAIT_EXPIRED'
  | 'PLAN_BLOCKED'
  | 'DRIFTED'
  | 'UNPROVEN_KEPT'
  | 'NAT_TIMEOUT'
  | 'FUNCTION_UPDATE_TIMEOUT'
  | 'FUNCTION_UPDATE_FAILED'
  | 'ABORTED'
  | 'INTERNAL'
  | 'AWS_ERROR';

/** The user's input is wrong (exit 2): nothing was created, fix the value and run again. */
const INPUT_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'BAD_OPTION',
  'CONSENT_REQUIRED',
  'NO_TERMINAL',
  'FUNCTION_NOT_FOUND',
  'FUNCTION_IN_OTHER_VPC',
  'FUNCTION_IN_OTHER_STACK',
  'VPC_NOT_FOUND',
  'AZ_NOT_FOUND',
  'CIDR_INVALID',
  'CIDR_EXHAUSTED',
  'EIP_NOT_FOUND',
  'EIP_IN_USE',
  'BAD_REGION',
  'STATE_MISMATCH',
  'NO_CREDENTIALS',
  'SSO_EXPIRED',
]);

/** Codes whose exit code is neither 1 nor 2, wherever they are thrown. */
const EXIT_CODES: Partial<Record<ErrorCode, ExitCode>> = {
  UNPROVEN_KEPT: ExitCode.drifted,
};

export interface FixedIpErrorOptions {
  /** What the user can do about it: appended to the one line the user sees. */
  hint?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

export class FixedIpError extends Error {
  override readonly name: string = 'FixedIpError';
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: FixedIpErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.exitCode =
      options.exitCode ?? EXIT_CODES[code] ?? (INPUT_ERRORS.has(code) ? ExitCode.usage : ExitCode.error);
  }

  /** The single line the user sees. */
  get line(): string {
    return this.hint ? `${this.message}; ${this.hint}` : this.message;
  }
}

/** The user declined, or pressed Ctrl-C. `changed` says whether anything in AWS had been changed. */
export class AbortError extends FixedIpError {
  override readonly name = 'AbortError';
  constructor(
    message: string,
    readonly changed: boolean,
  ) {
    super('ABORTED', message, { exitCode: ExitCode.cancelled });
  }
}

export function badOption(message: string, hint?: string): FixedIpError {
  return new FixedIpError('BAD_OPTION', message, hint === undefined ? {} : { hint });
}
