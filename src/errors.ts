/**
 * Typed errors. Only `cli.ts` turns them into an exit code; the core throws, never exits.
 */

/** Exit codes are part of the public interface (docs/commands.md, generated from this file). */
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
  /** status/verify --expect-ips: traffic leaves from IPs other than the stated allowlist. */
  allowlistChanged: 8,
  /** Ctrl-C, or a declined confirmation. */
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What each exit code means, for the generated reference (docs/commands.md). */
export const EXIT_CODE_MEANING: Readonly<Record<keyof typeof ExitCode, string>> = {
  ok: 'success (status: the stack is healthy, or parked by teardown --keep-eip)',
  error: 'a failure fixed-ip could not prevent (AWS refused, a wait ran out, state unreadable)',
  usage: 'wrong input (an option, a name, no consent with no terminal): nothing was created',
  drifted:
    'status: the stack exists but something is broken or drifted; teardown: something still bills that fixed-ip kept because it cannot prove it made it',
  noStack: 'there is no stack of that name (or it was handed over with forget)',
  waitExpired: "teardown: the wait for Lambda's network interfaces ran out; run it again later",
  planBlocked: 'plan: setup would not succeed as things stand (a missing permission, a blocker)',
  locked: "another run holds the stack's lock (see fixed-ip unlock)",
  allowlistChanged:
    'status/verify --expect-ips: traffic leaves from other IPs than the allowlist stated (JSON code ALLOWLIST_CHANGED)',
  cancelled: 'Ctrl-C, or a declined confirmation',
};

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
  | 'PERMISSION_MISSING'
  | 'VPC_NOT_FOUND'
  | 'AZ_NOT_FOUND'
  | 'CIDR_INVALID'
  | 'CIDR_EXHAUSTED'
  | 'EIP_NOT_FOUND'
  | 'EIP_IN_USE'
  | 'EIP_WRONG_ZONE'
  | 'NAT_FAILED'
  | 'STATE_UNREADABLE'
  | 'LOCAL_FILE'
  | 'STATE_INVALID'
  | 'STATE_NEWER'
  | 'STATE_MISMATCH'
  | 'STATE_CONFLICT'
  | 'STATE_OCCUPIED'
  | 'STATE_BUCKET'
  | 'STATE_BUCKET_UNREACHABLE'
  | 'LOCK_LOST'
  | 'NO_STACK'
  | 'LOCKED'
  | 'NO_CREDENTIALS'
  | 'NO_PROFILE'
  | 'SSO_EXPIRED'
  | 'BAD_REGION'
  | 'WAIT_EXPIRED'
  | 'PLAN_BLOCKED'
  | 'DRIFTED'
  | 'ALLOWLIST_CHANGED'
  | 'UNPROVEN_KEPT'
  /** A name fixed-ip must create (an IAM role) is taken by something that is not the stack's. */
  | 'NAME_TAKEN'
  | 'NAT_TIMEOUT'
  | 'FUNCTION_UPDATE_TIMEOUT'
  | 'FUNCTION_UPDATE_FAILED'
  /** teardown left a function in the stack's private subnets (not restored, or put there by hand). */
  | 'FUNCTION_STRANDED'
  /** An ECS service named by --ecs-service does not exist (or is inactive). */
  | 'SERVICE_NOT_FOUND'
  /** A workload fixed-ip cannot attach (a service not in awsvpc mode, ...): said before anything is made. */
  | 'WORKLOAD_REFUSED'
  | 'SERVICE_DEPLOYMENT_FAILED'
  | 'SERVICE_DEPLOYMENT_TIMEOUT'
  /** teardown left an ECS service it could not restore in the stack's private subnets. */
  | 'SERVICE_STRANDED'
  | 'ABORTED'
  | 'INTERNAL'
  | 'AWS_ERROR';

const { usage, error, drifted, noStack, waitExpired, planBlocked, locked, allowlistChanged, cancelled } =
  ExitCode;

/**
 * The one table from error code to exit code: a throw site names what went wrong, never how the
 * process exits. Usage (2): the user's input is wrong, nothing was created, fix the value and run
 * again. Plan blocked (6): setup would not succeed as things stand (a missing permission).
 */
export const EXIT_CODES: Readonly<Record<ErrorCode, ExitCode>> = {
  BAD_OPTION: usage,
  CONSENT_REQUIRED: usage,
  NO_TERMINAL: usage,
  FUNCTION_NOT_FOUND: usage,
  FUNCTION_IN_OTHER_VPC: usage,
  FUNCTION_IN_OTHER_STACK: usage,
  FUNCTION_BUSY: error,
  FUNCTION_STRANDED: error,
  SERVICE_NOT_FOUND: usage,
  WORKLOAD_REFUSED: usage,
  SERVICE_DEPLOYMENT_FAILED: error,
  SERVICE_DEPLOYMENT_TIMEOUT: error,
  SERVICE_STRANDED: error,
  FUNCTION_TAGS_FULL: planBlocked,
  FUNCTION_TAGS_LEFT: error,
  ROLE_LACKS_PERMISSIONS: planBlocked,
  PERMISSION_MISSING: planBlocked,
  VPC_NOT_FOUND: usage,
  AZ_NOT_FOUND: usage,
  CIDR_INVALID: usage,
  CIDR_EXHAUSTED: usage,
  EIP_NOT_FOUND: usage,
  EIP_IN_USE: usage,
  EIP_WRONG_ZONE: usage,
  NAT_FAILED: error,
  STATE_UNREADABLE: error,
  LOCAL_FILE: error,
  STATE_INVALID: error,
  STATE_NEWER: error,
  STATE_MISMATCH: usage,
  STATE_CONFLICT: error,
  STATE_OCCUPIED: usage,
  STATE_BUCKET: usage,
  STATE_BUCKET_UNREACHABLE: error,
  LOCK_LOST: locked,
  NO_STACK: noStack,
  LOCKED: locked,
  NO_CREDENTIALS: usage,
  NO_PROFILE: usage,
  SSO_EXPIRED: usage,
  BAD_REGION: usage,
  WAIT_EXPIRED: waitExpired,
  PLAN_BLOCKED: planBlocked,
  DRIFTED: drifted,
  ALLOWLIST_CHANGED: allowlistChanged,
  NAT_TIMEOUT: error,
  FUNCTION_UPDATE_TIMEOUT: error,
  FUNCTION_UPDATE_FAILED: error,
  ABORTED: cancelled,
  INTERNAL: error,
  AWS_ERROR: error,
  UNPROVEN_KEPT: drifted,
  NAME_TAKEN: planBlocked,
};

export interface FixedIpErrorOptions {
  /** What the user can do about it: appended to the one line the user sees. */
  hint?: string;
  cause?: unknown;
}

/**
 * Marks a FixedIpError across copies of this module: `--simulate` loads a bundle of its own
 * (dist/chunks/simulate.js) with its own copy, and an error it throws (a bad --region, an unreadable
 * simulated account) must still be this error to the one exit point, not "AWS said FixedIpError".
 */
const BRAND = Symbol.for('fixed-ip.FixedIpError');

export class FixedIpError extends Error {
  override readonly name: string = 'FixedIpError';
  readonly hint: string | undefined;
  readonly [BRAND] = true;

  /** Any copy's FixedIpError is one; a subclass (AbortError) keeps the usual check. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== FixedIpError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: FixedIpErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }

  /** How the process exits for it: from the table, by code. */
  get exitCode(): ExitCode {
    return EXIT_CODES[this.code];
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
    super('ABORTED', message);
  }
}

export function badOption(message: string, hint?: string): FixedIpError {
  return new FixedIpError('BAD_OPTION', message, hint === undefined ? {} : { hint });
}
