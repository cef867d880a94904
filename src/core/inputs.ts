import { type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import { FixedIpError } from '../errors.js';
import type { StackState } from '../state/schema.js';
import { chooseFreeBlocks, validateSubnetCidr } from './cidr.js';
import type { Live } from './live.js';

export interface Identity {
  accountId: string;
  arn: string;
}

export async function whoAmI(aws: AwsPort): Promise<Identity> {
  const out = await aws.sts.GetCallerIdentity({});
  return { accountId: out.Account ?? '', arn: out.Arn ?? '' };
}

/** A state file from another account or region than the credentials: refuse, never mix them. */
export function checkStateMatches(
  state: StackState | null,
  identity: Identity,
  region: string,
  path: string,
): void {
  if (!state) return;
  if (state.accountId !== identity.accountId || state.region !== region) {
    throw new FixedIpError(
      'STATE_MISMATCH',
      `state file ${path} is for account ${state.accountId} in ${state.region}, but your credentials are for account ${identity.accountId} in ${region}`,
      { hint: `use the matching profile and --region ${state.region}, or another --name / --state` },
    );
  }
}

export async function getFunctions(aws: AwsPort, names: readonly string[]): Promise<FunctionConfiguration[]> {
  return Promise.all(
    names.map(async (name) => {
      try {
        return await aws.lambda.GetFunctionConfiguration({ FunctionName: name });
      } catch (error) {
        if (awsErrorName(error) === 'ResourceNotFoundException') {
          throw new FixedIpError('FUNCTION_NOT_FOUND', `function "${name}" was not found in ${aws.region}`, {
            hint: 'check the name and --region (aws lambda list-functions)',
          });
        }
        throw error;
      }
    }),
  );
}

export async function listZones(aws: AwsPort): Promise<string[]> {
  const out = await aws.ec2.DescribeAvailabilityZones({
    Filters: [{ Name: 'state', Values: ['available'] }],
  });
  return (out.AvailabilityZones ?? [])
    .filter((zone) => zone.ZoneType === undefined || zone.ZoneType === 'availability-zone')
    .map((zone) => zone.ZoneName ?? '')
    .filter(Boolean)
    .sort();
}

export function chooseZone(zones: readonly string[], wanted: string | undefined, region: string): string {
  if (wanted !== undefined) {
    if (!zones.includes(wanted)) {
      throw new FixedIpError('AZ_NOT_FOUND', `--az ${wanted} is not an available zone in ${region}`, {
        hint: `use one of ${zones.join(', ')}`,
      });
    }
    return wanted;
  }
  const first = zones[0];
  if (!first)
    throw new FixedIpError('AZ_NOT_FOUND', `no available zone in ${region}`, {
      hint: 'try another --region',
    });
  return first;
}

/**
 * The two subnet blocks: validated when given, else the first free ones inside the VPC CIDR.
 * Subnets this stack already has keep their CIDR.
 */
export function chooseCidrs(
  vpcCidrs: string[],
  live: Live,
  state: StackState,
  wanted: { publicCidr?: string | undefined; privateCidr?: string | undefined },
): { publicCidr: string; privateCidr: string } {
  const ours = new Set([state.publicSubnet?.id, state.privateSubnet?.id]);
  const others = live.subnets
    .filter((s) => !ours.has(s.SubnetId))
    .map((s) => s.CidrBlock ?? '')
    .filter(Boolean);
  const taken = [...others];
  const pick = (
    existing: string | undefined,
    given: string | undefined,
    label: string,
  ): string | undefined => {
    if (existing) return existing;
    if (given === undefined) return undefined;
    const cidr = validateSubnetCidr(given, vpcCidrs, taken, label).text;
    taken.push(cidr);
    return cidr;
  };
  const publicCidr = pick(state.publicSubnet?.cidr, wanted.publicCidr, '--public-cidr');
  const privateCidr = pick(state.privateSubnet?.cidr, wanted.privateCidr, '--private-cidr');
  const missing = [publicCidr, privateCidr].filter((c) => c === undefined).length;
  const free = missing > 0 ? chooseFreeBlocks(vpcCidrs, taken, missing) : [];
  return { publicCidr: publicCidr ?? free.shift() ?? '', privateCidr: privateCidr ?? free.shift() ?? '' };
}

/** The actions Lambda needs from a function's execution role to run in a VPC. */
export const VPC_ACCESS_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeSubnets',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/**
 * Which of those the role lacks, by IAM's policy simulator; undefined when the caller may not
 * ask IAM (then Lambda's own check at move time is the fallback).
 */
export async function missingRoleActions(aws: AwsPort, roleArn: string): Promise<string[] | undefined> {
  try {
    const out = await aws.iam.SimulatePrincipalPolicy({
      PolicySourceArn: roleArn,
      ActionNames: [...VPC_ACCESS_ACTIONS],
    });
    return (out.EvaluationResults ?? [])
      .filter((result) => result.EvalDecision !== 'allowed')
      .map((result) => result.EvalActionName ?? '');
  } catch (error) {
    if (['AccessDenied', 'AccessDeniedException', 'NoSuchEntity'].includes(awsErrorName(error) ?? ''))
      return undefined;
    throw error;
  }
}
