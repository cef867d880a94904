/**
 * The least-privilege IAM policy the CLI user needs, per command. It is kept true by a test that
 * runs every command against the simulator and fails when the code calls an action missing here
 * (test/core/iam-policy.test.ts), and the README's IAM section is checked against it.
 */

export type PolicyScope = 'setup' | 'status' | 'teardown' | 'verify';

const READ = [
  'sts:GetCallerIdentity',
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
  'ec2:DescribeRouteTables',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeNatGateways',
  'ec2:DescribeAddresses',
  'lambda:GetFunctionConfiguration',
] as const;

export const POLICY_ACTIONS: Record<PolicyScope, readonly string[]> = {
  status: READ,
  setup: [
    ...READ,
    'ec2:DescribeAvailabilityZones',
    'ec2:DescribeAccountAttributes',
    'ec2:CreateVpc',
    'ec2:CreateInternetGateway',
    'ec2:AttachInternetGateway',
    'ec2:CreateSubnet',
    'ec2:CreateRouteTable',
    'ec2:CreateRoute',
    'ec2:ReplaceRoute',
    'ec2:AssociateRouteTable',
    'ec2:CreateSecurityGroup',
    'ec2:AllocateAddress',
    'ec2:CreateNatGateway',
    // Tagging at creation (TagSpecifications) needs CreateTags too.
    'ec2:CreateTags',
    'lambda:ListFunctions',
    'lambda:UpdateFunctionConfiguration',
    'iam:SimulatePrincipalPolicy',
    // Only for --fix-role.
    'iam:AttachRolePolicy',
  ],
  // The probe: made, run and deleted with a stack function's execution role (hence iam:PassRole).
  verify: [
    ...READ,
    'lambda:CreateFunction',
    'lambda:InvokeFunction',
    'lambda:DeleteFunction',
    'iam:PassRole',
  ],
  teardown: [
    ...READ,
    'lambda:UpdateFunctionConfiguration',
    'ec2:DeleteNatGateway',
    'ec2:ReleaseAddress',
    'ec2:DisassociateRouteTable',
    'ec2:DeleteRouteTable',
    'ec2:DeleteSubnet',
    'ec2:DeleteSecurityGroup',
    'ec2:DetachInternetGateway',
    'ec2:DeleteInternetGateway',
    'ec2:DeleteVpc',
  ],
};

const SID: Record<string, string> = { ec2: 'Ec2', lambda: 'Lambda', sts: 'Sts', iam: 'Iam' };

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{ Sid: string; Effect: 'Allow'; Action: string[]; Resource: '*' }>;
}

/**
 * One statement per service, sorted, so the output is stable. Resource '*': the Describe calls
 * do not support resource-level permissions, and the resources' ids are not known before setup.
 */
export function policyFor(scopes: readonly PolicyScope[]): PolicyDocument {
  const actions = [...new Set(scopes.flatMap((scope) => POLICY_ACTIONS[scope]))].sort();
  const services = [...new Set(actions.map((action) => action.split(':')[0] ?? ''))];
  return {
    Version: '2012-10-17',
    Statement: services.map((service) => ({
      Sid: `FixedIp${SID[service] ?? service}`,
      Effect: 'Allow',
      Action: actions.filter((action) => action.startsWith(`${service}:`)),
      Resource: '*',
    })),
  };
}

/** The IAM action of an SDK operation, e.g. ('ec2', 'CreateVpc') -> 'ec2:CreateVpc'. */
export function actionOf(service: string, operation: string): string {
  return `${service}:${operation}`;
}
