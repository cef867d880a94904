/**
 * CloudWatch's client and the one operation fixed-ip calls: the traffic a stack's NATs processed
 * (`fixed-ip cost`, and plan's endpoint hint). A module of its own, imported on the first call, so
 * every other command never loads its package.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';

export { CloudWatchClient };

export const CLOUDWATCH_OPERATIONS = {
  GetMetricData: GetMetricDataCommand,
} as const;
