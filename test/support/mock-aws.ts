/**
 * Puts the simulator behind aws-sdk-client-mock: every EC2/Lambda/STS/IAM/SSM/Auto Scaling/
 * CloudWatch/Cost Explorer/Budgets/ECS/Service Quotas client the code under test builds (the mocks are class-level)
 * answers from `sim`. The SDK's middleware does not run here, so its retry policy does not either;
 * use `attachSimulator` to test retries. Every answer is still checked against the operation's
 * schema (a member AWS lacks, a wrong type: the call fails).
 */
import * as AutoScaling from '@aws-sdk/client-auto-scaling';
import * as Budgets from '@aws-sdk/client-budgets';
import * as CloudWatch from '@aws-sdk/client-cloudwatch';
import * as CostExplorer from '@aws-sdk/client-cost-explorer';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ECS from '@aws-sdk/client-ecs';
import * as IAM from '@aws-sdk/client-iam';
import * as Lambda from '@aws-sdk/client-lambda';
import * as ServiceQuotas from '@aws-sdk/client-service-quotas';
import * as SSM from '@aws-sdk/client-ssm';
import * as STS from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import type { AwsService } from '../../src/aws/port.js';
import { type AwsSimulator, SIMULATED_OPERATIONS, serializeOutput } from '@fixed-ip/simulator';

export interface MockedAws {
  ec2: AwsClientStub<EC2.EC2Client>;
  lambda: AwsClientStub<Lambda.LambdaClient>;
  sts: AwsClientStub<STS.STSClient>;
  iam: AwsClientStub<IAM.IAMClient>;
  ssm: AwsClientStub<SSM.SSMClient>;
  autoscaling: AwsClientStub<AutoScaling.AutoScalingClient>;
  cloudwatch: AwsClientStub<CloudWatch.CloudWatchClient>;
  ce: AwsClientStub<CostExplorer.CostExplorerClient>;
  budgets: AwsClientStub<Budgets.BudgetsClient>;
  ecs: AwsClientStub<ECS.ECSClient>;
  servicequotas: AwsClientStub<ServiceQuotas.ServiceQuotasClient>;
  restore(): void;
}

interface Stub {
  send: { callsFake(fake: (command: { constructor: unknown; input: unknown }) => unknown): unknown };
}

let requestCounter = 0;

/**
 * One fake for the client's `send`, which looks the operation up by the command's class. (A fake
 * per command, `stub.on(Command)`, made sinon compare every call's arguments with each command's
 * matcher in turn: most of a fault-matrix run's time.) A test can still add its own answer for one
 * command with `on(Command)`; it takes precedence.
 */
function route(stub: Stub, sdk: Record<string, unknown>, service: AwsService, sim: AwsSimulator): void {
  const operations = new Map<unknown, string>();
  for (const operation of SIMULATED_OPERATIONS[service]) {
    const command = sdk[`${operation}Command`];
    if (typeof command !== 'function') throw new TypeError(`The ${service} SDK has no ${operation}Command`);
    operations.set(command, operation);
  }
  stub.send.callsFake(async (command) => {
    const operation = operations.get(command.constructor);
    // As aws-sdk-client-mock answers a command nobody configured.
    if (operation === undefined) return undefined;
    const output: unknown = await sim.handle(service, operation, command.input);
    // Every answer must fit AWS's shape for the operation, as if it had crossed the wire.
    serializeOutput(service, operation, output as object);
    requestCounter += 1;
    return {
      ...(output as object),
      $metadata: {
        httpStatusCode: 200,
        requestId: `mock-${requestCounter}`,
        attempts: 1,
        totalRetryDelay: 0,
      },
    };
  });
}

export function mockAws(sim: AwsSimulator): MockedAws {
  const ec2 = mockClient(EC2.EC2Client);
  const lambda = mockClient(Lambda.LambdaClient);
  const sts = mockClient(STS.STSClient);
  const iam = mockClient(IAM.IAMClient);
  const ssm = mockClient(SSM.SSMClient);
  const autoscaling = mockClient(AutoScaling.AutoScalingClient);
  const cloudwatch = mockClient(CloudWatch.CloudWatchClient);
  const ce = mockClient(CostExplorer.CostExplorerClient);
  const budgets = mockClient(Budgets.BudgetsClient);
  const ecs = mockClient(ECS.ECSClient);
  const servicequotas = mockClient(ServiceQuotas.ServiceQuotasClient);
  route(ec2, EC2, 'ec2', sim);
  route(lambda, Lambda, 'lambda', sim);
  route(sts, STS, 'sts', sim);
  route(iam, IAM, 'iam', sim);
  route(ssm, SSM, 'ssm', sim);
  route(autoscaling, AutoScaling, 'autoscaling', sim);
  route(cloudwatch, CloudWatch, 'cloudwatch', sim);
  route(ce, CostExplorer, 'ce', sim);
  route(budgets, Budgets, 'budgets', sim);
  route(ecs, ECS, 'ecs', sim);
  route(servicequotas, ServiceQuotas, 'servicequotas', sim);
  return {
    ec2,
    lambda,
    sts,
    iam,
    ssm,
    autoscaling,
    cloudwatch,
    ce,
    budgets,
    ecs,
    servicequotas,
    restore(): void {
      ec2.restore();
      lambda.restore();
      sts.restore();
      iam.restore();
      ssm.restore();
      autoscaling.restore();
      cloudwatch.restore();
      ce.restore();
      budgets.restore();
      ecs.restore();
      servicequotas.restore();
    },
  };
}
