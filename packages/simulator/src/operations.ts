/** Every operation `handle` supports, by service. */
import type { SimService } from './contract.js';
import type { OperationTable, ServiceOperations } from './context.js';
import { autoscalingOperations } from './autoscaling.js';
import { budgetsOperations } from './budgets.js';
import { cloudwatchOperations } from './cloudwatch.js';
import { costExplorerOperations } from './cost-explorer.js';
import { ec2Operations } from './ec2/index.js';
import { ecsOperations } from './ecs/operations.js';
import { iamOperations } from './iam.js';
import { serviceQuotasOperations } from './service-quotas.js';
import { instanceProfileOperations } from './instance-profiles.js';
import { lambdaOperations } from './lambda/functions.js';
import { ssmOperations } from './ssm.js';
import { stsOperations } from './sts.js';

export const OPERATIONS: ServiceOperations = {
  ec2: ec2Operations,
  lambda: lambdaOperations as OperationTable,
  sts: stsOperations as OperationTable,
  iam: { ...iamOperations, ...instanceProfileOperations } as OperationTable,
  ssm: ssmOperations as OperationTable,
  autoscaling: autoscalingOperations as OperationTable,
  cloudwatch: cloudwatchOperations as OperationTable,
  ce: costExplorerOperations as OperationTable,
  budgets: budgetsOperations as OperationTable,
  ecs: ecsOperations as OperationTable,
  servicequotas: serviceQuotasOperations as OperationTable,
};

export const SIMULATED_OPERATIONS: Readonly<Record<SimService, readonly string[]>> = {
  ec2: Object.keys(OPERATIONS.ec2),
  lambda: Object.keys(OPERATIONS.lambda),
  sts: Object.keys(OPERATIONS.sts),
  iam: Object.keys(OPERATIONS.iam),
  ssm: Object.keys(OPERATIONS.ssm),
  autoscaling: Object.keys(OPERATIONS.autoscaling),
  cloudwatch: Object.keys(OPERATIONS.cloudwatch),
  ce: Object.keys(OPERATIONS.ce),
  budgets: Object.keys(OPERATIONS.budgets),
  ecs: Object.keys(OPERATIONS.ecs),
  servicequotas: Object.keys(OPERATIONS.servicequotas),
};

export { iamAction } from './authorization.js';
