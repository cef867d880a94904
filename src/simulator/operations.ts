/** Every operation `handle` supports, by service. */
import type { AwsService } from '../aws/port.js';
import type { OperationTable, ServiceOperations } from './context.js';
import { ec2Operations } from './ec2/index.js';
import { iamOperations } from './iam.js';
import { lambdaOperations } from './lambda/functions.js';
import { stsOperations } from './sts.js';

export const OPERATIONS: ServiceOperations = {
  ec2: ec2Operations,
  lambda: lambdaOperations as OperationTable,
  sts: stsOperations as OperationTable,
  iam: iamOperations as OperationTable,
};

export const SIMULATED_OPERATIONS: Readonly<Record<AwsService, readonly string[]>> = {
  ec2: Object.keys(OPERATIONS.ec2),
  lambda: Object.keys(OPERATIONS.lambda),
  sts: Object.keys(OPERATIONS.sts),
  iam: Object.keys(OPERATIONS.iam),
};

/** Operations that can change the account; only these are checked for `mutated`. */
export function isMutating(operation: string): boolean {
  return /^(Create|Delete|Attach|Detach|Associate|Disassociate|Replace|Allocate|Release|Update|Tag|Untag)/.test(
    operation,
  );
}
