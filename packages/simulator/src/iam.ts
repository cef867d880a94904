/**
 * IAM, as far as fixed-ip needs it: execution roles with managed policies, and
 * SimulatePrincipalPolicy to check a role (or the caller) before changing anything.
 */
import type { SimContext } from './context.js';
import { callerArn, iamError, iamInvalidInput, iamNoSuchEntity } from './errors.js';
import { newRoleId } from './ids.js';
import type { RoleRecord } from './model.js';
import type { PolicyLike, PolicyStatementLike } from './policy.js';

const LOGS_ACTIONS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'];

/** What Lambda needs from the execution role to manage its VPC ENIs. */
export const LAMBDA_VPC_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

export const BASIC_EXECUTION_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
export const VPC_ACCESS_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';

/** The AWS managed policies the simulator knows, with the actions they allow. */
export const MANAGED_POLICIES: Readonly<Record<string, readonly string[]>> = {
  [BASIC_EXECUTION_POLICY_ARN]: LOGS_ACTIONS,
  [VPC_ACCESS_POLICY_ARN]: [...LOGS_ACTIONS, ...LAMBDA_VPC_ACTIONS],
  'arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess': [
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
  ],
  'arn:aws:iam::aws:policy/AdministratorAccess': ['*'],
};

export function roleArn(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}

/** IAM action patterns are case-insensitive and take `*` wildcards. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(action);
}

export function roleAllows(role: RoleRecord, action: string): boolean {
  return role.policyArns.some((arn) =>
    (MANAGED_POLICIES[arn] ?? []).some((pattern) => actionMatches(pattern, action)),
  );
}

/** A policy document as IAM reads it; MalformedPolicyDocument when it is not one. */
export function parsePolicy(document: string): PolicyLike {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    throw iamError('MalformedPolicyDocument', 'This policy contains invalid Json');
  }
  const statements = (parsed as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
  if (list.length === 0) throw iamError('MalformedPolicyDocument', 'Syntax errors in policy.');
  for (const statement of list as Array<Partial<PolicyStatementLike>>) {
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')
      throw iamError('MalformedPolicyDocument', 'Syntax errors in policy.');
    if (statement.Action === undefined || statement.Resource === undefined)
      throw iamError('MalformedPolicyDocument', 'Syntax errors in policy.');
  }
  return { Statement: list as PolicyStatementLike[] };
}

/** Everything the role's policies say, as one identity policy: its inline policies and its managed ones. */
export function rolePolicy(role: RoleRecord): PolicyLike {
  const inline = Object.values(role.inlinePolicies ?? {}).flatMap(
    (document) => parsePolicy(document).Statement,
  );
  const managed = role.policyArns.flatMap((arn): PolicyStatementLike[] =>
    MANAGED_POLICIES[arn] ? [{ Effect: 'Allow', Action: MANAGED_POLICIES[arn], Resource: '*' }] : [],
  );
  return { Statement: [...inline, ...managed] };
}

/** Whether Lambda can assume the role yet (IAM's eventual consistency after CreateRole). */
export function roleAssumable(ctx: SimContext, role: RoleRecord): boolean {
  return ctx.now >= (role.assumableAt ?? role.createdAt);
}

export function insertRole(ctx: SimContext, name: string, policyArns: string[]): RoleRecord {
  const role: RoleRecord = { name, id: newRoleId(ctx.state), createdAt: ctx.now, policyArns };
  ctx.state.roles[name] = role;
  return role;
}

export function requireRole(ctx: SimContext, name: string | undefined): RoleRecord {
  const role = name === undefined ? undefined : ctx.state.roles[name];
  if (!role) throw iamNoSuchEntity(`The role with name ${String(name)} cannot be found.`);
  return role;
}

const LAMBDA_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

function roleView(ctx: SimContext, role: RoleRecord): object {
  return {
    RoleName: role.name,
    RoleId: role.id,
    Arn: roleArn(ctx.state.accountId, role.name),
    Path: '/',
    CreateDate: new Date(role.createdAt),
    AssumeRolePolicyDocument: encodeURIComponent(role.assumeRolePolicy ?? LAMBDA_TRUST),
    ...(role.tags && Object.keys(role.tags).length > 0
      ? { Tags: Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })) }
      : {}),
  };
}

function policyName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

export const iamOperations = {
  CreateRole(
    ctx: SimContext,
    input: {
      RoleName?: string;
      AssumeRolePolicyDocument?: string;
      Description?: string;
      Tags?: Array<{ Key?: string; Value?: string }>;
    },
  ): object {
    const name = input.RoleName ?? '';
    if (!ROLE_NAME.test(name))
      throw iamInvalidInput(
        `1 validation error detected: Value '${name}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64`,
      );
    if (!input.AssumeRolePolicyDocument) throw iamInvalidInput('AssumeRolePolicyDocument is required.');
    try {
      JSON.parse(input.AssumeRolePolicyDocument);
    } catch {
      throw iamError('MalformedPolicyDocument', 'This policy contains invalid Json');
    }
    if (ctx.state.roles[name])
      throw iamError('EntityAlreadyExists', `Role with name ${name} already exists.`);
    const role = insertRole(ctx, name, []);
    role.tags = Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    role.assumeRolePolicy = input.AssumeRolePolicyDocument;
    role.assumableAt = ctx.now + ctx.timings.roleAssumableMs;
    return { Role: roleView(ctx, role) };
  },

  /**
   * AWS refuses while the role is in an instance profile, or has managed or inline policies
   * (DeleteConflict, in that order); a function or an instance using it does not stop it.
   */
  DeleteRole(ctx: SimContext, input: { RoleName?: string }): object {
    const role = requireRole(ctx, input.RoleName);
    if (Object.values(ctx.state.instanceProfiles ?? {}).some((p) => p.roleName === role.name))
      throw iamError(
        'DeleteConflict',
        'Cannot delete entity, must remove roles from instance profile first.',
      );
    if (role.policyArns.length > 0)
      throw iamError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    if (Object.keys(role.inlinePolicies ?? {}).length > 0)
      throw iamError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
    delete ctx.state.roles[role.name];
    return {};
  },

  /** Removes the role's tags of these keys; a key it does not carry is no error (as IAM). */
  UntagRole(ctx: SimContext, input: { RoleName?: string; TagKeys?: string[] }): object {
    const role = requireRole(ctx, input.RoleName);
    const keys = new Set(input.TagKeys ?? []);
    role.tags = Object.fromEntries(Object.entries(role.tags ?? {}).filter(([key]) => !keys.has(key)));
    return {};
  },

  PutRolePolicy(
    ctx: SimContext,
    input: { RoleName?: string; PolicyName?: string; PolicyDocument?: string },
  ): object {
    const role = requireRole(ctx, input.RoleName);
    const name = input.PolicyName ?? '';
    if (!POLICY_NAME.test(name))
      throw iamInvalidInput(
        `1 validation error detected: Value '${name}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
      );
    const document = input.PolicyDocument ?? '';
    parsePolicy(document);
    role.inlinePolicies = { ...role.inlinePolicies, [name]: document };
    return {};
  },

  GetRolePolicy(ctx: SimContext, input: { RoleName?: string; PolicyName?: string }): object {
    const role = requireRole(ctx, input.RoleName);
    const name = input.PolicyName ?? '';
    const document = role.inlinePolicies?.[name];
    if (document === undefined) throw iamNoSuchEntity(`The role policy with name ${name} cannot be found.`);
    return { RoleName: role.name, PolicyName: name, PolicyDocument: encodeURIComponent(document) };
  },

  DeleteRolePolicy(ctx: SimContext, input: { RoleName?: string; PolicyName?: string }): object {
    const role = requireRole(ctx, input.RoleName);
    const name = input.PolicyName ?? '';
    if (role.inlinePolicies?.[name] === undefined)
      throw iamNoSuchEntity(`The role policy with name ${name} cannot be found.`);
    const rest = { ...role.inlinePolicies };
    delete rest[name];
    role.inlinePolicies = rest;
    return {};
  },

  ListRolePolicies(ctx: SimContext, input: { RoleName?: string }): object {
    const role = requireRole(ctx, input.RoleName);
    return { PolicyNames: Object.keys(role.inlinePolicies ?? {}).sort(), IsTruncated: false };
  },

  GetRole(ctx: SimContext, input: { RoleName?: string }): object {
    return { Role: roleView(ctx, requireRole(ctx, input.RoleName)) };
  },

  ListAttachedRolePolicies(ctx: SimContext, input: { RoleName?: string }): object {
    const role = requireRole(ctx, input.RoleName);
    return {
      AttachedPolicies: role.policyArns.map((PolicyArn) => ({
        PolicyName: policyName(PolicyArn),
        PolicyArn,
      })),
      IsTruncated: false,
    };
  },

  AttachRolePolicy(ctx: SimContext, input: { RoleName?: string; PolicyArn?: string }): object {
    const role = requireRole(ctx, input.RoleName);
    const arn = input.PolicyArn ?? '';
    if (!(arn in MANAGED_POLICIES))
      throw iamNoSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
    if (!role.policyArns.includes(arn)) role.policyArns.push(arn);
    return {};
  },

  DetachRolePolicy(ctx: SimContext, input: { RoleName?: string; PolicyArn?: string }): object {
    const role = requireRole(ctx, input.RoleName);
    const arn = input.PolicyArn ?? '';
    if (!role.policyArns.includes(arn)) throw iamNoSuchEntity(`Policy ${arn} was not found.`);
    role.policyArns = role.policyArns.filter((p) => p !== arn);
    return {};
  },

  SimulatePrincipalPolicy(
    ctx: SimContext,
    input: { PolicySourceArn?: string; ActionNames?: string[]; ResourceArns?: string[] },
  ): object {
    const source = input.PolicySourceArn ?? '';
    const actions = input.ActionNames ?? [];
    if (actions.length === 0) throw iamInvalidInput('ActionNames must contain at least one action.');
    let simulate: (action: string) => { decision: string; missing: string[] };
    if (source === callerArn(ctx.state.accountId)) {
      // The caller's own policy (if set), less what a `deny` fault takes away.
      simulate = (action) => ctx.simulateCaller(action);
    } else {
      const match = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(source);
      if (!match || match[1] !== ctx.state.accountId) throw iamInvalidInput(`Invalid ARN: ${source}`);
      const role = requireRole(ctx, match[2]);
      simulate = (action) => ({
        decision: roleAllows(role, action) ? 'allowed' : 'implicitDeny',
        missing: [],
      });
    }
    // One result per action and resource, as AWS gives them ('*' when no resource is named).
    const resources = input.ResourceArns?.length ? input.ResourceArns : ['*'];
    return {
      EvaluationResults: actions.flatMap((EvalActionName) =>
        resources.map((EvalResourceName) => ({
          EvalActionName,
          EvalResourceName,
          EvalDecision: simulate(EvalActionName).decision,
          MatchedStatements: [],
          MissingContextValues: simulate(EvalActionName).missing,
        })),
      ),
      IsTruncated: false,
    };
  },
};
