import { FixedIpError } from '../errors.js';

/** The error code AWS (or the SDK) gave, e.g. 'DependencyViolation'. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (typeof name === 'string' && name !== 'Error') return name;
  return typeof code === 'string' ? code : undefined;
}

/**
 * What the SDK's retry policy calls throttling (its THROTTLING_ERROR_CODES, @smithy/core/retry), by
 * name here so the start of every command does not load the SDK's retry code for one list.
 */
const THROTTLED = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/** AWS refused the call for its rate (after the SDK's own retries): slow down, then ask again. */
export function isThrottled(error: unknown): boolean {
  const name = awsErrorName(error);
  if (name !== undefined && THROTTLED.has(name)) return true;
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return meta?.httpStatusCode === 429;
}

/** AWS's request id of a failed call, for --debug. */
export function requestId(error: unknown): string | undefined {
  const meta = (error as { $metadata?: { requestId?: string } } | undefined)?.$metadata;
  return meta?.requestId;
}

/**
 * Turns what the SDK threw into one line for the user: credentials, region, permissions, or AWS's
 * own code and message. Anything already a FixedIpError passes through.
 */
export function explainAwsError(
  error: unknown,
  context: { profile?: string | undefined; region?: string },
): FixedIpError {
  if (error instanceof FixedIpError) return error;
  // A local file (the state file, its folder, its lock) is not AWS: say which file and why.
  const local = error as { syscall?: unknown; path?: unknown; code?: unknown };
  if (typeof local.syscall === 'string' && typeof local.path === 'string' && typeof local.code === 'string') {
    return new FixedIpError('LOCAL_FILE', `cannot ${local.syscall} ${local.path} (${local.code})`, {
      hint: 'check that path and its permissions, or pass another --state',
      cause: error,
    });
  }
  const name = awsErrorName(error) ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  // Node's own codes (ERR_MODULE_NOT_FOUND…) are this install's trouble: AWS never said them.
  if (name === 'ERR_MODULE_NOT_FOUND' || name === 'MODULE_NOT_FOUND') {
    return new FixedIpError(
      'INTERNAL',
      `a module fixed-ip needs cannot be loaded: ${firstSentence(message)}`,
      {
        hint: 'reinstall fixed-ip (npm install fixed-ip), or run npm ci in a clone',
        cause: error,
      },
    );
  }
  if (name.startsWith('ERR_'))
    return new FixedIpError('INTERNAL', `unexpected error: ${firstSentence(message)}`, { cause: error });
  const profile = context.profile ? ` --profile ${context.profile}` : '';
  if (/sso/i.test(message) && /(expired|refresh|token)/i.test(message)) {
    return new FixedIpError('SSO_EXPIRED', 'your AWS SSO session has expired', {
      hint: `run: aws sso login${profile}`,
      cause: error,
    });
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new FixedIpError('NO_CREDENTIALS', 'no AWS credentials were found', {
      hint: `configure them (aws configure, aws sso login${profile}, or AWS_PROFILE), or try --simulate`,
      cause: error,
    });
  }
  if (['ExpiredToken', 'ExpiredTokenException', 'RequestExpired'].includes(name)) {
    return new FixedIpError('NO_CREDENTIALS', 'your AWS credentials have expired', {
      hint: `refresh them (aws sso login${profile}, or new access keys)`,
      cause: error,
    });
  }
  if (
    ['InvalidClientTokenId', 'UnrecognizedClientException', 'AuthFailure', 'SignatureDoesNotMatch'].includes(
      name,
    )
  ) {
    return new FixedIpError('NO_CREDENTIALS', 'AWS rejected your credentials', {
      hint: 'check the access key, or the profile you meant to use (--profile)',
      cause: error,
    });
  }
  if (['ENOTFOUND', 'EAI_AGAIN'].includes(name) || /getaddrinfo/i.test(message)) {
    return new FixedIpError('BAD_REGION', `cannot reach AWS in region ${context.region ?? '(unknown)'}`, {
      hint: 'check --region (e.g. ap-northeast-1), AWS_ENDPOINT_URL, and your network',
      cause: error,
    });
  }
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'TimeoutError'].includes(name)) {
    return new FixedIpError('AWS_ERROR', `cannot reach AWS (${name}: ${firstSentence(message)})`, {
      hint: 'check your network, proxy, and AWS_ENDPOINT_URL if you point fixed-ip at LocalStack or moto, then run the command again',
      cause: error,
    });
  }
  if (['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException'].includes(name)) {
    const action = /perform: ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1];
    return new FixedIpError('AWS_ERROR', `AWS denied ${action ?? 'a call'}: ${firstSentence(message)}`, {
      hint: 'grant the permissions listed by `fixed-ip iam-policy`',
      cause: error,
    });
  }
  const unreadable = unreadableAnswer(error);
  if (unreadable) return unreadable;
  return new FixedIpError('AWS_ERROR', `AWS said ${name}: ${firstSentence(message)}`, { cause: error });
}

/**
 * An answer the SDK could not parse (it keeps the raw one in `$response`): AWS always answers in its
 * protocol, so this is an emulator or proxy (AWS_ENDPOINT_URL) that does not implement the call,
 * e.g. moto's HTML page for an action it lacks. Not "AWS said".
 */
function unreadableAnswer(error: unknown): FixedIpError | undefined {
  const raw = (error as { $response?: { statusCode?: unknown } } | undefined)?.$response;
  const message = error instanceof Error ? error.message : '';
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata
    ?.httpStatusCode;
  // The SDK could not parse it at all, or parsed an error that names no code (an HTML page).
  const unparsed = raw !== undefined && /Deserialization error/i.test(message);
  const nameless = awsErrorName(error) === 'Unknown' && message === 'Unknown';
  if (!unparsed && !nameless) return undefined;
  const code = raw?.statusCode ?? status;
  const what = typeof code === 'number' ? `HTTP ${code}` : 'an answer';
  return new FixedIpError('AWS_ERROR', `the AWS endpoint sent ${what} that is not an AWS response`, {
    hint: 'if AWS_ENDPOINT_URL points at an emulator (LocalStack, moto), it may not implement this call; --debug shows which',
    cause: error,
  });
}

function firstSentence(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
