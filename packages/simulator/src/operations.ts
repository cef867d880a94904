/** Every operation `handle` supports, by service. */
import type { SimService } from './contract.js';
import type { OperationTable, ServiceOperations } from './context.js';
import { ec2Operations } from './ec2/index.js';
import { iamOperations } from './iam.js';
import { lambdaOperations } from './lambda/functions.js';
import { ssmOperations } from './ssm.js';
import { stsOperations } from './sts.js';

export const OPERATIONS: ServiceOperations = {
  ec2: ec2Operations,
  lambda: lambdaOperations as OperationTable,
  sts: stsOperations as OperationTable,
  iam: iamOperations as OperationTable,
  ssm: ssmOperations as OperationTable,
};

export const SIMULATED_OPERATIONS: Readonly<Record<SimService, readonly string[]>> = {
  ec2: Object.keys(OPERATIONS.ec2),
  lambda: Object.keys(OPERATIONS.lambda),
  sts: Object.keys(OPERATIONS.sts),
  iam: Object.keys(OPERATIONS.iam),
  ssm: Object.keys(OPERATIONS.ssm),
};

export { iamAction } from './authorization.js';
