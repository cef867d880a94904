import { badOption, FixedIpError } from '../errors.js';
import type { StackState } from '../state/schema.js';
import { parseCidr } from './cidr.js';

/** Syntax checks on flags, before any AWS call: one line naming the value and the fix. */

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const AZ = /^[a-z]{2}(-[a-z]+)+-\d{1,2}[a-z]$/;
const EIP_ID = /^eipalloc-[0-9a-f]{8,17}$/;
// A name, a partial ARN (123456789012:function:name) or a full ARN, optionally with a qualifier.
const FUNCTION =
  /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/;

export function checkStackName(name: string): string {
  if (!STACK_NAME.test(name)) {
    throw badOption(
      `--name "${name}" is not a valid stack name`,
      'use 1-32 letters, digits, - or _, starting with a letter or digit',
    );
  }
  return name;
}

export function checkVpcId(id: string): string {
  if (!VPC_ID.test(id))
    throw badOption(
      `--vpc "${id}" is not a VPC id`,
      'VPC ids look like vpc-0abc12345def67890 (aws ec2 describe-vpcs)',
    );
  return id;
}

export function checkAz(az: string): string {
  if (!AZ.test(az))
    throw badOption(`--az "${az}" is not an Availability Zone name`, 'use a name like ap-northeast-1a');
  return az;
}

export function checkEipId(id: string): string {
  if (!EIP_ID.test(id)) {
    throw badOption(
      `--eip "${id}" is not an Elastic IP allocation id`,
      'allocation ids look like eipalloc-0abc12345def67890 (aws ec2 describe-addresses)',
    );
  }
  return id;
}

/**
 * `--eip` values: a plain allocation id for the first zone, or `ZONE=eipalloc-…` for any zone
 * (repeatable). Returns the ids by zone, the first zone's under '' until the zones are known.
 */
export function parseEips(values: string | readonly string[] | undefined): Record<string, string> {
  const list = values === undefined ? [] : typeof values === 'string' ? [values] : values;
  const byZone: Record<string, string> = {};
  for (const value of list) {
    const eq = value.indexOf('=');
    const zone = eq < 0 ? '' : value.slice(0, eq);
    const id = eq < 0 ? value : value.slice(eq + 1);
    if (zone !== '' && !AZ.test(zone))
      throw badOption(
        `--eip "${value}": "${zone}" is not an Availability Zone name`,
        'give ZONE=eipalloc-…, e.g. --eip ap-northeast-1a=eipalloc-0abc12345def67890',
      );
    checkEipId(id);
    if (byZone[zone] !== undefined)
      throw badOption(
        `--eip names ${zone === '' ? 'the first zone' : zone} twice`,
        'give one Elastic IP per zone',
      );
    if (Object.entries(byZone).some(([, other]) => other === id))
      throw badOption(`--eip ${id} is given for two zones`, 'an Elastic IP can serve one zone only');
    byZone[zone] = id;
  }
  return byZone;
}

/**
 * CloudFront's name for a Lambda@Edge replica: its us-east-1 function's, prefixed with
 * `us-east-1.`. Lambda@Edge functions cannot be in a VPC (see src/engine/function-refusals.ts).
 */
const EDGE_REPLICA = /^us-east-1\.[A-Za-z0-9_-]+$/;

/** Refuses a --function that names a Lambda@Edge replica, by name or ARN. */
function refuseEdgeReplica(value: string): void {
  const name = /:function:([^:]+)/.exec(value)?.[1] ?? value.split(':')[0] ?? value;
  if (!EDGE_REPLICA.test(name)) return;
  const original = name.slice('us-east-1.'.length);
  throw badOption(
    `--function ${value} is a Lambda@Edge replica, which CloudFront makes and manages; Lambda@Edge functions cannot be in a VPC`,
    `leave it out: ${original}'s requests leave from CloudFront's edge locations, so attach the origin (or a regional function it calls) instead`,
  );
}

export function checkFunctionName(name: string): string {
  refuseEdgeReplica(name);
  if (!FUNCTION.test(name)) {
    throw badOption(
      `--function "${name}" is not a Lambda function name or ARN`,
      'use the name (orders-api) or its ARN',
    );
  }
  return name;
}

/** The function's plain name, from a name or an ARN (Lambda accepts both; the state keys on names). */
export function functionName(nameOrArn: string): string {
  const parts = nameOrArn.split(':');
  const at = parts.indexOf('function');
  return at >= 0 ? (parts[at + 1] ?? nameOrArn) : nameOrArn;
}

export function checkCidrSyntax(text: string, label: string): string {
  return parseCidr(text, label).text;
}

export function checkMinutes(text: string, label: string): number {
  const minutes = Number(text);
  if (!Number.isFinite(minutes) || minutes < 0 || minutes > 24 * 60) {
    throw badOption(
      `${label} "${text}" is not a number of minutes`,
      `use a number from 0 to 1440, e.g. ${label} 30`,
    );
  }
  return minutes;
}

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

export function checkInstanceType(type: string): string {
  if (!INSTANCE_TYPE.test(type))
    throw badOption(
      `--nat-instance-type "${type}" is not an EC2 instance type`,
      'use a type like t4g.nano (the default) or t3.nano',
    );
  return type;
}

/**
 * A state file of another stack than --name (a --state pointing at the wrong file, a file copied
 * or renamed): refuse, before any AWS call. Used as this stack's, it would change or tear down the
 * stack it records.
 */
export function checkStateName(state: StackState | null, name: string, path: string): void {
  if (!state || state.name === name) return;
  throw new FixedIpError(
    'STATE_MISMATCH',
    `state file ${path} is for stack ${state.name}, not ${name} (--name)`,
    {
      hint: `run with --name ${state.name} to use it, or give stack ${name}'s own state with --state; using another stack's state could change or tear down the wrong stack`,
    },
  );
}
