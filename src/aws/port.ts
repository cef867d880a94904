import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { STSClient } from '@aws-sdk/client-sts';

/**
 * The AWS port: the only way the core reaches AWS. Built by one factory (clients.ts) that sets
 * region, profile, retry policy, user agent and endpoints; tests put aws-sdk-client-mock in front of
 * the same clients, and `--simulate` routes them to the built-in simulator.
 */
export interface AwsPort {
  readonly region: string;
  readonly ec2: Pick<EC2Client, 'send'>;
  /**
   * For creates that have no ClientToken (internet gateway, subnet, security group, Elastic IP,
   * VPC): retried only on throttling, which AWS guarantees did not take effect. A lost response is
   * instead found again by its tags, so a retry can never make a second resource.
   */
  readonly ec2Create: Pick<EC2Client, 'send'>;
  readonly lambda: Pick<LambdaClient, 'send'>;
  readonly sts: Pick<STSClient, 'send'>;
  readonly iam: Pick<IAMClient, 'send'>;
}

export type AwsService = 'ec2' | 'lambda' | 'sts' | 'iam';
