/**
 * IAM's evaluation of one identity policy, as far as fixed-ip's policies go: Allow and Deny
 * statements, Action and Resource with `*` and `?` wildcards, and the Condition operators
 * (StringEquals/NotEquals/Like/NotLike, ArnEquals/ArnLike, Null, Bool, with the ForAllValues: and
 * ForAnyValue: prefixes and the IfExists suffix), evaluated against the request's context keys.
 *
 * IAM's rules kept here: an explicit Deny wins; otherwise a matching Allow allows; otherwise the
 * request is implicitly denied. Within a Condition every operator must hold, within an operator
 * every key, and a key holds when any of its policy values matches. A key missing from the request
 * fails a positive operator, passes a negated one ("Not") and IfExists, and passes ForAllValues
 * (the empty set); condition key names are case-insensitive, values are not (except IgnoreCase).
 * Policy variables (`${ec2:SourceInstanceARN}`) in Resource and condition values take the request's
 * value of that key.
 */

export type ContextValue = string | readonly string[];
/** The request's condition keys: e.g. `aws:ResourceTag/fixed-ip:managed-by`, `iam:PassedToService`. */
export type RequestContext = Readonly<Record<string, ContextValue>>;

/** One authorization IAM makes for a call: an action on a resource (an ARN, or `*`). */
export interface AuthRequest {
  action: string;
  resource: string;
  context: RequestContext;
}

export interface PolicyStatementLike {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | readonly string[];
  Resource: string | readonly string[];
  Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyLike {
  Statement: readonly PolicyStatementLike[];
}

const list = (value: string | readonly string[]): readonly string[] =>
  typeof value === 'string' ? [value] : value;

function glob(pattern: string, flags: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/** Actions match case-insensitively; resources (ARNs) and string values case-sensitively. */
const actionMatches = (pattern: string, action: string): boolean => glob(pattern, 'i').test(action);
const likeMatches = (pattern: string, value: string): boolean => glob(pattern, '').test(value);

function lookup(context: RequestContext, key: string): readonly string[] | undefined {
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) if (name.toLowerCase() === wanted) return list(value);
  return undefined;
}

type Matcher = (policyValue: string, requestValue: string) => boolean;

const MATCHERS: Readonly<Record<string, Matcher>> = {
  StringEquals: (p, r) => p === r,
  StringEqualsIgnoreCase: (p, r) => p.toLowerCase() === r.toLowerCase(),
  StringLike: likeMatches,
  ArnEquals: (p, r) => p === r,
  ArnLike: likeMatches,
  Bool: (p, r) => p.toLowerCase() === r.toLowerCase(),
};

/** `StringNotEquals` is the negation of `StringEquals`, and so on. */
const NEGATED: Readonly<Record<string, string>> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
};

/** Thrown for an operator the simulator does not model: a policy using it is a test's mistake. */
export class UnsupportedConditionError extends Error {
  override name = 'UnsupportedConditionError';
}

function conditionHolds(
  operator: string,
  key: string,
  written: readonly string[],
  context: RequestContext,
): boolean {
  const set = /^(ForAllValues|ForAnyValue):/.exec(operator)?.[1];
  let base = set ? operator.slice(set.length + 1) : operator;
  const ifExists = base.endsWith('IfExists');
  if (ifExists) base = base.slice(0, -'IfExists'.length);
  const values = lookup(context, key);
  // Policy variables (`${ec2:SourceInstanceARN}`) take the request's value; one the request lacks matches nothing.
  const policyValues = written.flatMap((value) => substitute(value, context) ?? []);

  if (base === 'Null') {
    const wantMissing = policyValues.some((v) => v.toLowerCase() === 'true');
    return wantMissing === (values === undefined || values.length === 0);
  }
  const negatedOf = NEGATED[base];
  const matcher = MATCHERS[negatedOf ?? base];
  if (!matcher) throw new UnsupportedConditionError(`condition operator ${operator} is not modelled`);
  const matchesOne = (value: string): boolean => policyValues.some((p) => matcher(p, value));

  if (set === 'ForAllValues') {
    // Every value of the request must match (or, negated, none may): the empty set passes.
    return (values ?? []).every((value) => (negatedOf ? !matchesOne(value) : matchesOne(value)));
  }
  if (values === undefined || values.length === 0) return ifExists || negatedOf !== undefined;
  if (set === 'ForAnyValue') {
    return values.some((value) => (negatedOf ? !matchesOne(value) : matchesOne(value)));
  }
  // A single-valued key.
  return values.some((value) => (negatedOf ? !matchesOne(value) : matchesOne(value)));
}

/**
 * A value with its policy variables (`${aws:username}`, `${ec2:SourceInstanceARN}`) replaced by the
 * request's values; undefined when the request lacks one (IAM: the statement then does not match).
 */
function substitute(value: string, context: RequestContext): string | undefined {
  let missing = false;
  const replaced = value.replace(/\$\{([^}]+)\}/g, (_whole, key: string) => {
    const found = lookup(context, key);
    if (found === undefined || found.length !== 1) {
      missing = true;
      return '';
    }
    return found[0] ?? '';
  });
  return missing ? undefined : replaced;
}

function statementApplies(statement: PolicyStatementLike, request: AuthRequest): boolean {
  if (!list(statement.Action).some((pattern) => actionMatches(pattern, request.action))) return false;
  const resources = list(statement.Resource).flatMap((pattern) => substitute(pattern, request.context) ?? []);
  if (!resources.some((pattern) => likeMatches(pattern, request.resource))) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {}))
    for (const [key, values] of Object.entries(keys))
      if (!conditionHolds(operator, key, list(values), request.context)) return false;
  return true;
}

export type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

export function evaluate(policy: PolicyLike, request: AuthRequest): Decision {
  const applying = policy.Statement.filter((statement) => statementApplies(statement, request));
  if (applying.some((statement) => statement.Effect === 'Deny')) return 'explicitDeny';
  return applying.some((statement) => statement.Effect === 'Allow') ? 'allowed' : 'implicitDeny';
}

/**
 * What IAM's policy simulator answers for an action on every resource ('*') with no context: a
 * statement without conditions decides; one whose conditions need request values is reported as
 * missing those context values (implicitDeny), as SimulatePrincipalPolicy does.
 */
export function simulateAction(
  policy: PolicyLike,
  action: string,
): { decision: Decision; missing: string[] } {
  const matching = policy.Statement.filter((statement) =>
    list(statement.Action).some((pattern) => actionMatches(pattern, action)),
  );
  if (matching.some((statement) => statement.Effect === 'Deny' && !statement.Condition))
    return { decision: 'explicitDeny', missing: [] };
  const allows = matching.filter((statement) => statement.Effect === 'Allow');
  if (allows.some((statement) => !statement.Condition)) return { decision: 'allowed', missing: [] };
  const missing = [
    ...new Set(allows.flatMap((statement) => Object.values(statement.Condition ?? {}).flatMap(Object.keys))),
  ];
  return { decision: 'implicitDeny', missing };
}
