import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { functionConfigs } from '../kinds/function-configs.js';
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import { badOption, FixedIpError } from '../errors.js';
import { recordOf, type Shape, type StackState } from '../state/schema.js';
import { chooseFreeBlocks, type TakenBlock, validateSubnetCidr } from '../model/cidr.js';
import type { World } from '../model/world.js';
import { NAT_MODE } from '../kinds/nat-modes.js';

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

/**
 * What a --function value means: a name, or an ARN whose region and account must be the session's
 * (Lambda would otherwise act on the function of that name in the session's region). A version or
 * alias is refused: setup changes $LATEST, and a published version keeps the network it had.
 */
export function functionInput(value: string, region: string, accountId: string): string {
  const arn = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::(.+))?$/.exec(value);
  const partial = /^(\d{12}):function:([A-Za-z0-9_-]+)(?::(.+))?$/.exec(value);
  const plain = /^([A-Za-z0-9_-]+)(?::(.+))?$/.exec(value);
  const [name, qualifier, arnRegion, arnAccount] = arn
    ? [arn[3], arn[4], arn[1], arn[2]]
    : partial
      ? [partial[2], partial[3], undefined, partial[1]]
      : [plain?.[1] ?? value, plain?.[2], undefined, undefined];
  if (arnRegion !== undefined && arnRegion !== region) {
    throw badOption(
      `--function ${value} is in ${arnRegion}, but this run is in ${region}`,
      `run with --region ${arnRegion}, or name a function of ${region}`,
    );
  }
  if (arnAccount !== undefined && arnAccount !== accountId) {
    throw badOption(
      `--function ${value} belongs to account ${arnAccount}, but your credentials are for ${accountId}`,
      `use credentials for account ${arnAccount}`,
    );
  }
  if (qualifier !== undefined) {
    throw badOption(
      `--function ${value} names a version or alias (${qualifier}); setup moves the function's $LATEST, and a published version keeps the network it was published with`,
      `pass --function ${name ?? value}, then publish a new version and move the alias to it`,
    );
  }
  return name ?? value;
}

/** `settled`: a function a previous run saw through its move (no need for its update status). */
export async function getFunctions(
  aws: AwsPort,
  names: readonly string[],
  settled: (name: string) => boolean = () => false,
): Promise<FunctionConfiguration[]> {
  const configs = await functionConfigs(aws, names, (name) => !settled(name));
  return names.map((name) => {
    const config = configs.get(name);
    if (!config)
      throw new FixedIpError('FUNCTION_NOT_FOUND', `function "${name}" was not found in ${aws.region}`, {
        hint: 'check the name and --region (aws lambda list-functions)',
      });
    return config;
  });
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
 * The subnets' blocks, per zone: the stack's own subnets keep theirs; a flag (first zone only) is
 * validated; the rest are the first free blocks inside the VPC.
 */
export function chooseCidrs(
  vpcCidrs: string[],
  world: World,
  state: StackState,
  shape: Shape,
  wanted: { publicCidr?: string | undefined; privateCidr?: string | undefined },
): { publicCidrs: Record<string, string>; privateCidrs: Record<string, string> } {
  // Each block named as an error should name it: the real subnet, or the value that claimed it.
  const taken: TakenBlock[] = world.subnets
    .filter((s) => s.CidrBlock)
    .map((s) => ({ cidr: s.CidrBlock ?? '', name: `subnet ${s.SubnetId ?? ''} (${s.CidrBlock ?? ''})` }));
  const first = shape.zones[0];
  const publicZones = NAT_MODE[shape.nat].publicZones(shape.zones);
  const wants: Array<{ which: 'public' | 'private'; zone: string }> = [
    ...publicZones.map((zone) => ({ which: 'public' as const, zone })),
    ...shape.zones.map((zone) => ({ which: 'private' as const, zone })),
  ];
  const result = { publicCidrs: {} as Record<string, string>, privateCidrs: {} as Record<string, string> };
  const out = (which: 'public' | 'private') =>
    which === 'public' ? result.publicCidrs : result.privateCidrs;
  // The stack's own subnets keep their blocks, in every zone, before any given block is judged.
  for (const { which, zone } of wants) {
    const existing = recordOf(state, `${which}Subnet`, zone)?.cidr;
    if (!existing) continue;
    out(which)[zone] = existing;
    if (!taken.some((t) => t.cidr === existing))
      taken.push({ cidr: existing, name: `the stack's ${which} subnet in ${zone} (${existing})` });
  }
  const missing: typeof wants = [];
  for (const want of wants) {
    if (out(want.which)[want.zone] !== undefined) continue;
    const given =
      want.zone === first ? (want.which === 'public' ? wanted.publicCidr : wanted.privateCidr) : undefined;
    if (given !== undefined) {
      const label = `--${want.which}-cidr`;
      const cidr = validateSubnetCidr(given, vpcCidrs, taken, label).text;
      out(want.which)[want.zone] = cidr;
      taken.push({ cidr, name: `${label} ${cidr}` });
    } else {
      missing.push(want);
    }
  }
  const free =
    missing.length > 0
      ? chooseFreeBlocks(
          vpcCidrs,
          taken.map((t) => t.cidr),
          missing.length,
        )
      : [];
  for (const want of missing) out(want.which)[want.zone] = free.shift() ?? '';
  return result;
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
