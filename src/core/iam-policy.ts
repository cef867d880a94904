import type { Action } from '../aws/operations.js';
import { KINDS } from '../kinds/index.js';

/**
 * The least-privilege IAM policy the CLI user needs, per command. It is kept true by a test that
 * runs every command against the simulator and fails when the code calls an action missing here
 * (test/core/iam-policy.test.ts), and the README's IAM section is checked against it.
 */

export type PolicyScope = 'setup' | 'status' | 'teardown' | 'verify';

/**
 * What every command does besides the kinds' own calls: who am I, and the functions (a stack found
 * by its tags lists the functions in its subnets, and reads their tags).
 */
const COMMON: readonly Action[] = [
  'sts:GetCallerIdentity',
  'lambda:GetFunctionConfiguration',
  'lambda:ListFunctions',
  'lambda:GetFunction',
];

/** setup's own calls: the zones, the quota, the function list, the role check and fix, moving functions. */
const SETUP: readonly Action[] = [
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeAccountAttributes',
  'lambda:UpdateFunctionConfiguration',
  // A moving function keeps its previous settings as its own tags; its aliases are checked.
  'lambda:ListAliases',
  'lambda:TagResource',
  'lambda:UntagResource',
  'iam:SimulatePrincipalPolicy',
  // plan: an assumed role's full ARN (an SSO role's path), for the policy simulator.
  'iam:GetRole',
  // Only for --fix-role.
  'iam:AttachRolePolicy',
];

// ListFunctions (common): a subnet or security group any function still uses is never deleted.
const TEARDOWN: readonly Action[] = ['lambda:UpdateFunctionConfiguration', 'lambda:UntagResource'];

/**
 * Derived from the kinds: every command reads every kind (status checks them, setup and teardown
 * find them by tags); setup creates them (and changes them: a shape change removes what it no longer
 * needs), teardown removes them.
 */
const reads = KINDS.flatMap((kind) => kind.iam.read);

/** The run guard (src/core/run-guard.ts): one SSM parameter per stack, under /fixed-ip/ only. */
export const RUN_GUARD_ACTIONS: readonly Action[] = [
  'ssm:DeleteParameter',
  'ssm:GetParameter',
  'ssm:PutParameter',
];
export const RUN_GUARD_RESOURCE = 'arn:aws:ssm:*:*:parameter/fixed-ip/*';
/** The commands that change a stack, and so take its run guard (attach and detach are setup's). */
const GUARDED: readonly PolicyScope[] = ['setup', 'teardown'];

const SERVICE_ACTIONS: Record<PolicyScope, readonly string[]> = {
  status: [...COMMON, ...reads],
  setup: [
    ...COMMON,
    ...reads,
    ...SETUP,
    ...KINDS.flatMap((kind) => [...kind.iam.create, ...kind.iam.remove]),
  ],
  teardown: [...COMMON, ...reads, ...TEARDOWN, ...KINDS.flatMap((kind) => kind.iam.remove)],
  // The probe: made, run and deleted with a stack function's execution role (hence iam:PassRole).
  verify: [
    ...COMMON,
    ...reads,
    'lambda:CreateFunction',
    'lambda:InvokeFunction',
    'lambda:DeleteFunction',
    'iam:PassRole',
  ],
};

/** Every action each command calls (the test compares the calls against this). */
export const POLICY_ACTIONS: Record<PolicyScope, readonly string[]> = {
  setup: [...SERVICE_ACTIONS.setup, ...RUN_GUARD_ACTIONS],
  status: SERVICE_ACTIONS.status,
  teardown: [...SERVICE_ACTIONS.teardown, ...RUN_GUARD_ACTIONS],
  verify: SERVICE_ACTIONS.verify,
};

const SID: Record<string, string> = { ec2: 'Ec2', lambda: 'Lambda', sts: 'Sts', iam: 'Iam', ssm: 'Ssm' };

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{ Sid: string; Effect: 'Allow'; Action: string[]; Resource: string }>;
}

/**
 * One statement per service, sorted, so the output is stable. Resource '*': the Describe calls
 * do not support resource-level permissions, and the resources' ids are not known before setup.
 * The run guard's parameters are the exception: only those under /fixed-ip/, in any region.
 */
export function policyFor(scopes: readonly PolicyScope[]): PolicyDocument {
  const actions = [...new Set(scopes.flatMap((scope) => SERVICE_ACTIONS[scope]))].sort();
  const services = [...new Set(actions.map((action) => action.split(':')[0] ?? ''))];
  const guarded = scopes.some((scope) => GUARDED.includes(scope));
  return {
    Version: '2012-10-17',
    Statement: [
      ...services.map((service) => ({
        Sid: `FixedIp${SID[service] ?? service}`,
        Effect: 'Allow' as const,
        Action: actions.filter((action) => action.startsWith(`${service}:`)),
        Resource: '*',
      })),
      ...(guarded
        ? [
            {
              Sid: 'FixedIpRunGuard',
              Effect: 'Allow' as const,
              Action: [...RUN_GUARD_ACTIONS],
              Resource: RUN_GUARD_RESOURCE,
            },
          ]
        : []),
    ],
  };
}

/** The IAM action of an SDK operation, e.g. ('ec2', 'CreateVpc') -> 'ec2:CreateVpc'. */
export function actionOf(service: string, operation: string): string {
  return `${service}:${operation}`;
}
