/**
 * Functions that cannot be attached at all, each said in one line before anything is created.
 *
 * - Lambda@Edge. "The following Lambda features are not supported by Lambda@Edge: ... Configuration
 *   of your Lambda function to access resources inside your VPC", and "The IAM execution role
 *   associated with the Lambda function must allow the service principals lambda.amazonaws.com and
 *   edgelambda.amazonaws.com to assume the role"
 *   (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-at-edge-function-restrictions.html).
 *   A function whose role trusts edgelambda.amazonaws.com is (or is made to be) a Lambda@Edge
 *   function: in a VPC, the next version it publishes could not be associated with CloudFront, and
 *   its requests leave from CloudFront's edge locations, never from a VPC. CloudFront's replicas of
 *   it in other regions are named `us-east-1.NAME` and are CloudFront's to manage (refused with the
 *   other --function checks, src/model/options.ts).
 * - Lambda Managed Instances (a CapacityProviderConfig): such a function runs on EC2 instances in
 *   "the subnets and security groups" of its capacity provider
 *   (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-capacity-providers.html),
 *   not in a VpcConfig of its own: its network is the capacity provider's.
 *
 * Functions that use EFS or SnapStart can be in a VPC (EFS needs one): nothing to refuse there.
 */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';

const EDGE_PRINCIPAL = 'edgelambda.amazonaws.com';

/** A Lambda Managed Instances function: its network is its capacity provider's. */
export function capacityProviderRefusal(config: FunctionConfiguration): string | undefined {
  const provider =
    config.CapacityProviderConfig?.LambdaManagedInstancesCapacityProviderConfig?.CapacityProviderArn;
  if (config.CapacityProviderConfig === undefined) return undefined;
  return `${config.FunctionName ?? ''} runs on Lambda Managed Instances (capacity provider ${provider?.split(':').pop() ?? '?'}), whose subnets and security groups are the capacity provider's, not the function's: leave it out, or give that capacity provider the stack's private subnets`;
}

/**
 * A function whose execution role trusts edgelambda.amazonaws.com (one GetRole, which plan's role
 * check is allowed already); undefined when the role cannot be read (the role check says so).
 */
export async function edgeRoleRefusal(
  aws: AwsPort,
  name: string,
  roleArn: string,
): Promise<string | undefined> {
  const roleName = roleArn.split('/').pop();
  if (!roleName) return undefined;
  let document: string | undefined;
  try {
    document = (await aws.iam.GetRole({ RoleName: roleName }))?.Role?.AssumeRolePolicyDocument;
  } catch (error) {
    // Not allowed, or gone: the role check names a role it cannot read; nothing to add here.
    if (['AccessDenied', 'AccessDeniedException', 'NoSuchEntity'].includes(awsErrorName(error) ?? ''))
      return undefined;
    throw error;
  }
  // IAM returns the trust policy URL-encoded; an emulator may not, and either way the name shows.
  if (
    document === undefined ||
    !(document.includes(EDGE_PRINCIPAL) || safeDecode(document).includes(EDGE_PRINCIPAL))
  )
    return undefined;
  return `${name} is a Lambda@Edge function (its role ${roleName} trusts ${EDGE_PRINCIPAL}), and Lambda@Edge functions cannot be in a VPC: leave it out (its requests leave from CloudFront's edge locations)`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
