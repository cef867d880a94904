import type {
  AUTOSCALING_OPERATIONS,
  BUDGETS_OPERATIONS,
  CE_OPERATIONS,
  CLOUDWATCH_OPERATIONS,
  EC2_OPERATIONS,
  ECS_OPERATIONS,
  IAM_OPERATIONS,
  LAMBDA_OPERATIONS,
  OperationsPort,
  SERVICEQUOTAS_OPERATIONS,
  SSM_OPERATIONS,
  STS_OPERATIONS,
} from './operations.js';

export type Ec2Port = OperationsPort<typeof EC2_OPERATIONS>;
export type LambdaPort = OperationsPort<typeof LAMBDA_OPERATIONS>;
export type StsPort = OperationsPort<typeof STS_OPERATIONS>;
export type IamPort = OperationsPort<typeof IAM_OPERATIONS>;
export type SsmPort = OperationsPort<typeof SSM_OPERATIONS>;
export type AutoscalingPort = OperationsPort<typeof AUTOSCALING_OPERATIONS>;
export type CloudwatchPort = OperationsPort<typeof CLOUDWATCH_OPERATIONS>;
export type CostExplorerPort = OperationsPort<typeof CE_OPERATIONS>;
export type BudgetsPort = OperationsPort<typeof BUDGETS_OPERATIONS>;
export type EcsPort = OperationsPort<typeof ECS_OPERATIONS>;
export type ServiceQuotasPort = OperationsPort<typeof SERVICEQUOTAS_OPERATIONS>;

/**
 * The AWS port: the only way the core reaches AWS, one typed method per operation used
 * (src/aws/operations.ts). Built by one factory (clients.ts) that sets region, profile, retry
 * policy, user agent and endpoints; tests put aws-sdk-client-mock in front of the same clients,
 * and `--simulate` routes them to the built-in simulator.
 */
export interface AwsPort {
  readonly region: string;
  readonly ec2: Ec2Port;
  /**
   * For creates that have no ClientToken (internet gateway, subnet, security group, Elastic IP,
   * VPC): retried only on throttling, which AWS guarantees did not take effect. A lost response is
   * instead found again by its tags, so a retry can never make a second resource.
   */
  readonly ec2Create: Ec2Port;
  readonly lambda: LambdaPort;
  readonly sts: StsPort;
  readonly iam: IamPort;
  readonly ssm: SsmPort;
  /**
   * For the run guard's writes: retried only on throttling. A write whose answer was lost is
   * found by reading the guard back, never repeated blindly (a repeat would be a second version).
   */
  readonly ssmWrite: SsmPort;
  readonly autoscaling: AutoscalingPort;
  /** The NATs' traffic (`fixed-ip cost`). */
  readonly cloudwatch: CloudwatchPort;
  /**
   * The billed cost (`fixed-ip cost --actual`). Cost Explorer has one endpoint, in us-east-1,
   * whatever the stack's region.
   */
  readonly ce: CostExplorerPort;
  /** The stack's budget (`--budget`); AWS Budgets is global, its endpoint in us-east-1. */
  readonly budgets: BudgetsPort;
  /** The ECS services a stack holds (`--ecs-service`). */
  readonly ecs: EcsPort;
  /** An account's applied quota values, read only where AWS's default would refuse a plan. */
  readonly servicequotas: ServiceQuotasPort;
}

export type AwsService =
  | 'ec2'
  | 'lambda'
  | 'sts'
  | 'iam'
  | 'ssm'
  | 'autoscaling'
  | 'cloudwatch'
  | 'ce'
  | 'budgets'
  | 'ecs'
  | 'servicequotas';
