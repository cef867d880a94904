/**
 * verify's probe role: each run makes its own execution role for its probes, named
 * `fixed-ip-probe-<stack>-<run>`, trusted by Lambda only and holding only AWS's
 * AWSLambdaVPCAccessExecutionRole (network interfaces and logs), and removes it when it ends. The
 * probes never run with a role of the user's: whoever may run verify (iam:PassRole on
 * `role/fixed-ip-probe-*` only) cannot hand a function of theirs a more powerful role.
 */
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import { MANAGED_BY, TAG_MANAGED_BY, TAG_ROLE, TAG_STACK } from '../model/tags.js';
import { VPC_ACCESS_POLICY } from '../kinds/functions.js';

/** Every name verify gives its probe functions and roles starts with this (the IAM policy's pattern). */
export const PROBE_PREFIX = 'fixed-ip-probe-';
/** The `fixed-ip:role` tag of verify's probe functions and roles. */
export const PROBE_ROLE_TAG = 'verify-probe';
/** Which verify run made it. */
export const TAG_VERIFY_RUN = 'fixed-ip:verify-run';

const TRUST_LAMBDA = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** `fixed-ip-probe-<stack>-<run>`, at most 64 characters (IAM's limit), the run id kept whole. */
export function probeRoleName(stack: string, run: string): string {
  const room = 64 - PROBE_PREFIX.length - run.length - 1;
  return `${PROBE_PREFIX}${stack.replace(/[^a-zA-Z0-9-_]/g, '-').slice(0, room)}-${run}`;
}

export function probeTags(stack: string, run: string): Record<string, string> {
  return {
    [TAG_STACK]: stack,
    [TAG_MANAGED_BY]: MANAGED_BY,
    [TAG_ROLE]: PROBE_ROLE_TAG,
    [TAG_VERIFY_RUN]: run,
  };
}

/**
 * Makes the run's role; returns its ARN. Its name holds the run's id, so a
 * role of that name already there is this run's own (an answer lost, and the call retried).
 */
export async function createProbeRole(
  aws: AwsPort,
  callerArn: string,
  name: string,
  stack: string,
  run: string,
): Promise<string> {
  try {
    await aws.iam.CreateRole({
      RoleName: name,
      AssumeRolePolicyDocument: TRUST_LAMBDA,
      Description: `fixed-ip verify probes of stack ${stack}: removed when verify ends`,
      Tags: Object.entries(probeTags(stack, run)).map(([Key, Value]) => ({ Key, Value })),
    });
  } catch (error) {
    if (!['EntityAlreadyExists', 'EntityAlreadyExistsException'].includes(awsErrorName(error) ?? ''))
      throw error;
  }
  // arn:<partition>:iam::<account>:role/<name>, in the caller's partition and account.
  const [, partition = 'aws', , , account = ''] = callerArn.split(':');
  return `arn:${partition}:iam::${account}:role/${name}`;
}

/** What the probes need from their role: AWS's AWSLambdaVPCAccessExecutionRole, nothing else. */
export async function grantVpcAccess(aws: AwsPort, name: string): Promise<void> {
  await aws.iam.AttachRolePolicy({ RoleName: name, PolicyArn: VPC_ACCESS_POLICY });
}

/** Removes the run's role (already gone is fine). */
export async function removeProbeRole(aws: AwsPort, name: string): Promise<void> {
  const gone = (error: unknown): void => {
    if (!['NoSuchEntity', 'NoSuchEntityException'].includes(awsErrorName(error) ?? '')) throw error;
  };
  await aws.iam.DetachRolePolicy({ RoleName: name, PolicyArn: VPC_ACCESS_POLICY }).catch(gone);
  await aws.iam.DeleteRole({ RoleName: name }).catch(gone);
}
