/** Lambda's checks on a function's VpcConfig, shared by CreateFunction and UpdateFunctionConfiguration. */
import type { SimContext } from '../context.js';
import { lambdaError } from '../errors.js';
import { LAMBDA_VPC_ACTIONS, roleAllows } from '../iam.js';
import type { FunctionRecord } from '../model.js';

export interface VpcConfigInput {
  SubnetIds?: string[];
  SecurityGroupIds?: string[];
  Ipv6AllowedForDualStack?: boolean;
}

export interface VpcChange {
  subnetIds: string[];
  securityGroupIds: string[];
  ipv6AllowedForDualStack: boolean;
}

export function invalid(message: string): Error {
  return lambdaError('InvalidParameterValueException', message);
}

export function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

interface Ec2Lookup {
  operation: string;
  code: string;
  message: (id: string) => string;
}

/** The records Lambda looks up in EC2; a missing one fails with the EC2 error, as Lambda reports it. */
function existingInEc2<T>(
  table: Readonly<Record<string, T>>,
  ids: readonly string[],
  notFound: Ec2Lookup,
): T[] {
  return ids.map((id) => {
    const record = table[id];
    if (!record) {
      throw invalid(
        `Error occurred while ${notFound.operation}. EC2 Error Code: ${notFound.code}. EC2 Error Message: ${notFound.message(id)}`,
      );
    }
    return record;
  });
}

/** Every check Lambda makes on a new VpcConfig, in its order; nothing changes if one fails. */
export function validateVpcConfig(ctx: SimContext, fn: FunctionRecord, config: VpcConfigInput): VpcChange {
  const subnetIds = config.SubnetIds ?? [];
  const securityGroupIds = config.SecurityGroupIds ?? [];
  if ((subnetIds.length === 0) !== (securityGroupIds.length === 0)) {
    throw invalid('SubnetIds and SecurityIds must coexist or be both empty list.');
  }
  // A VpcConfig that leaves Ipv6AllowedForDualStack out keeps the function's current value, and a
  // true one cannot leave the VPC: CloudFormation's users meet AWS's message when a template drops
  // VpcConfig from a function that had it (aws-cloudformation/cloudformation-coverage-roadmap#2061).
  // With IPv4-only subnets AWS documents no refusal; the setting is inert there (no IPv6 address).
  const ipv6AllowedForDualStack = config.Ipv6AllowedForDualStack ?? fn.ipv6AllowedForDualStack === true;
  if (subnetIds.length === 0 && ipv6AllowedForDualStack)
    throw invalid(
      'Ipv6AllowedForDualStack cannot be true without subnet or security groups. Please remove Ipv6AllowedForDualStack value from your request and try again.',
    );
  if (subnetIds.length === 0) return { subnetIds, securityGroupIds, ipv6AllowedForDualStack };
  if (subnetIds.length > 16) throw invalid('Subnets exceed the limit of 16.');
  if (securityGroupIds.length > 5) throw invalid('Security groups exceed the limit of 5.');
  const subnets = existingInEc2(ctx.state.subnets, subnetIds, {
    operation: 'DescribeSubnets',
    code: 'InvalidSubnetID.NotFound',
    message: (id) => `The subnet ID '${id}' does not exist`,
  });
  const groups = existingInEc2(ctx.state.securityGroups, securityGroupIds, {
    operation: 'DescribeSecurityGroups',
    code: 'InvalidGroup.NotFound',
    message: (id) => `The security group '${id}' does not exist`,
  });
  const vpcId = subnets[0]?.vpcId;
  const strayGroup = groups.find((g) => g.vpcId !== vpcId);
  const straySubnet = subnets.find((s) => s.vpcId !== vpcId);
  if (straySubnet)
    throw invalid(`Subnets ${subnets[0]?.id ?? ''} and ${straySubnet.id} belong to different VPCs.`);
  if (strayGroup)
    throw invalid(
      `Security group ${strayGroup.id} and subnet ${subnets[0]?.id ?? ''} belong to different networks.`,
    );
  const role = ctx.state.roles[fn.roleName];
  const missing = LAMBDA_VPC_ACTIONS.filter((action) => !role || !roleAllows(role, action))[0];
  if (missing !== undefined) {
    throw invalid(
      `The provided execution role does not have permissions to call ${missing.replace('ec2:', '')} on EC2`,
    );
  }
  return { subnetIds: [...subnetIds], securityGroupIds: [...securityGroupIds], ipv6AllowedForDualStack };
}
