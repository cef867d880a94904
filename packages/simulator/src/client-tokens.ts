/**
 * ClientToken idempotency (CreateRouteTable, CreateNatGateway): the same token with the same
 * parameters returns the first call's resource; with other parameters it is IdempotentParameterMismatch.
 */
import type { SimContext } from './context.js';
import { ec2Error, Ec2ErrorCode, ec2InvalidParameter } from './errors.js';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The request's parameters, without the token and DryRun, in a comparable form. */
export function requestParams(input: Record<string, unknown>): string {
  const rest = Object.fromEntries(
    Object.entries(input).filter(([key]) => key !== 'ClientToken' && key !== 'DryRun'),
  );
  return JSON.stringify(canonical(rest));
}

export function validateClientToken(token: unknown): void {
  if (token === undefined) return;
  // eslint-disable-next-line no-control-regex -- the rule is "ASCII only"
  if (typeof token !== 'string' || token.length === 0 || token.length > 64 || !/^[\x00-\x7f]*$/.test(token)) {
    throw ec2InvalidParameter(
      `Value (${JSON.stringify(token)}) for parameter clientToken is invalid. It must be at most 64 ASCII characters.`,
    );
  }
}

/** The resource an earlier call with this token made, if any. */
export function resourceForToken(
  ctx: SimContext,
  operation: string,
  token: string | undefined,
  params: string,
): string | undefined {
  if (token === undefined) return undefined;
  const earlier = ctx.state.clientTokens[`${operation}:${token}`];
  if (!earlier) return undefined;
  if (earlier.params !== params) {
    throw ec2Error(
      Ec2ErrorCode.idempotentParameterMismatch,
      `Client token '${token}' has already been used with different request parameters.`,
    );
  }
  return earlier.resourceId;
}

export function rememberToken(
  ctx: SimContext,
  operation: string,
  token: string | undefined,
  params: string,
  resourceId: string,
): void {
  if (token !== undefined) ctx.state.clientTokens[`${operation}:${token}`] = { params, resourceId };
}
