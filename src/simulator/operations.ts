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

/** The IAM action a call needs: the operation's name, except where IAM names it otherwise. */
const IAM_ACTION_NAMES: Readonly<Record<string, string>> = { 'lambda:Invoke': 'lambda:InvokeFunction' };

export function iamAction(service: SimService, operation: string): string {
  const action = `${service}:${operation}`;
  return IAM_ACTION_NAMES[action] ?? action;
}
