import { StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, StandardRetryToken } from '@smithy/types';

/** One retry policy for every client: the SDK's standard mode with bounded attempts. */
export const MAX_ATTEMPTS = 5;

export function standardRetry(): RetryStrategyV2 {
  return new StandardRetryStrategy(MAX_ATTEMPTS);
}

/**
 * The same policy, but a call is retried only when AWS throttled it. A throttled request was
 * refused, so retrying cannot create a second resource; a network error or a 5xx may have taken
 * effect, and for creates without a ClientToken the step finds the resource again by its tags.
 */
export function throttlingOnlyRetry(): RetryStrategyV2 {
  const inner = new StandardRetryStrategy(MAX_ATTEMPTS);
  return {
    acquireInitialRetryToken: (scope: string) => inner.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: (token: StandardRetryToken, info: RetryErrorInfo) => {
      if (info.errorType !== 'THROTTLING')
        return Promise.reject(new Error('not retried: only throttling is safe to retry here'));
      return inner.refreshRetryTokenForRetry(token, info);
    },
    recordSuccess: (token: StandardRetryToken) => inner.recordSuccess(token),
  };
}
