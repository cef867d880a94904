import { AUTOSCALING_OPERATIONS } from '../../src/aws/autoscaling.js';
import { EC2_OPERATIONS } from '../../src/aws/operations.js';
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachSimulator, seedDemoAccount, SIMULATED_OPERATIONS } from '@fixed-ip/simulator';
import { mockAws, type MockedAws } from '../support/mock-aws.js';
import { awsError, newSim } from '../../packages/simulator/test/support.js';

const credentials = { accessKeyId: 'SIM', secretAccessKey: 'SIM' };

describe('attachSimulator (real SDK clients, no HTTP)', () => {
  it('answers EC2, Lambda, STS and IAM commands from the simulator, signed and resolved offline', async () => {
    const { sim } = newSim();
    seedDemoAccount(sim);
    const ec2 = new EC2Client({ region: 'ap-northeast-1', credentials });
    const seen: Array<{ host: string; signed: boolean }> = [];
    // A spy placed just before the simulator: the request it sees was built, resolved and signed by the SDK.
    ec2.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { hostname: string; headers: Record<string, string> };
        seen.push({
          host: request.hostname,
          signed: (request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256'),
        });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'spy' },
    );
    attachSimulator(ec2, 'ec2', sim);
    const lambda = new LambdaClient({ region: 'ap-northeast-1', credentials });
    attachSimulator(lambda, 'lambda', sim);
    const sts = new STSClient({ region: 'ap-northeast-1', credentials });
    attachSimulator(sts, 'sts', sim);
    const iam = new IAMClient({ region: 'ap-northeast-1', credentials });
    attachSimulator(iam, 'iam', sim);

    const created = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    expect(created.Vpc?.VpcId).toMatch(/^vpc-/);
    expect(created.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 1 });
    expect(seen).toEqual([{ host: 'ec2.ap-northeast-1.amazonaws.com', signed: true }]);
    expect((await ec2.send(new DescribeVpcsCommand({}))).Vpcs).toHaveLength(3);
    expect(
      (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'orders-api' })))
        .LastUpdateStatus,
    ).toBe('Successful');
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('123456789012');
    expect((await iam.send(new GetRoleCommand({ RoleName: 'orders-api-role' }))).Role?.Arn).toBe(
      'arn:aws:iam::123456789012:role/orders-api-role',
    );
  });

  it("leaves throttling to the SDK's standard retry: two throttles, then success on the third attempt", async () => {
    const { sim } = newSim();
    const ec2 = new EC2Client({ region: 'ap-northeast-1', credentials, maxAttempts: 3 });
    attachSimulator(ec2, 'ec2', sim);
    sim.inject({ kind: 'reject', operation: 'CreateVpc', error: 'throttle', times: 2 });
    const created = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    expect(created.$metadata.attempts).toBe(3);
    expect(sim.calls.map((c) => c.outcome)).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ok']);
  });

  it('retries a reset connection, and a lost response applies twice (why creates without a token are found by tags)', async () => {
    const { sim } = newSim();
    const ec2 = new EC2Client({ region: 'ap-northeast-1', credentials, maxAttempts: 3 });
    attachSimulator(ec2, 'ec2', sim);
    sim.inject({ kind: 'lostResponse', operation: 'CreateVpc' });
    await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    expect((await ec2.send(new DescribeVpcsCommand({}))).Vpcs).toHaveLength(2);
  });

  it('gives up after maxAttempts with the last error, and passes client errors through unretried', async () => {
    const { sim } = newSim();
    sim.addFunction({ name: 'f' });
    const lambda = new LambdaClient({ region: 'ap-northeast-1', credentials, maxAttempts: 2 });
    attachSimulator(lambda, 'lambda', sim);
    sim.inject({ kind: 'reject', operation: 'ListFunctions', error: 'server', times: 5 });
    const error = await awsError(lambda.send(new ListFunctionsCommand({})));
    expect(error).toMatchObject({
      name: 'ServiceException',
      $metadata: { httpStatusCode: 500, attempts: 2 },
    });
    const missing = await awsError(
      lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'ghost' })),
    );
    expect(missing).toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404, attempts: 1 },
    });
  });
});

describe('mockAws (aws-sdk-client-mock, class-level)', () => {
  let mocked: MockedAws;
  const { sim } = newSim();
  seedDemoAccount(sim);

  beforeEach(() => {
    mocked = mockAws(sim);
  });
  afterEach(() => {
    mocked.restore();
  });

  it('routes every instance of the SDK clients to the simulator', async () => {
    const created = await new EC2Client({ region: 'ap-northeast-1' }).send(
      new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }),
    );
    expect(created.Vpc?.CidrBlock).toBe('10.9.0.0/16');
    expect(created.$metadata.httpStatusCode).toBe(200);
    expect(mocked.ec2).toHaveReceivedCommandWith(CreateVpcCommand, { CidrBlock: '10.9.0.0/16' });
    const other = new EC2Client({ region: 'ap-northeast-1' });
    expect(
      (await other.send(new DescribeVpcsCommand({ VpcIds: [created.Vpc?.VpcId ?? ''] }))).Vpcs,
    ).toHaveLength(1);
    const config = await new LambdaClient({ region: 'ap-northeast-1' }).send(
      new GetFunctionConfigurationCommand({ FunctionName: 'orders-api' }),
    );
    expect(config.FunctionName).toBe('orders-api');
    expect(
      (await new STSClient({ region: 'ap-northeast-1' }).send(new GetCallerIdentityCommand({}))).Account,
    ).toBe('123456789012');
  });

  it("rejects with the simulator's SDK-shaped errors", async () => {
    const error = await awsError(
      new EC2Client({ region: 'ap-northeast-1' }).send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/8' })),
    );
    expect(error).toMatchObject({ name: 'InvalidVpc.Range', $metadata: { httpStatusCode: 400 } });
  });

  it('registers a command class for every simulated operation', () => {
    expect(SIMULATED_OPERATIONS.ec2).toContain('CreateNatGateway');
    // Every EC2 and Auto Scaling operation fixed-ip calls is simulated.
    expect(SIMULATED_OPERATIONS.ec2).toEqual(expect.arrayContaining(Object.keys(EC2_OPERATIONS)));
    expect(SIMULATED_OPERATIONS.autoscaling).toEqual(
      expect.arrayContaining(Object.keys(AUTOSCALING_OPERATIONS)),
    );
    expect(SIMULATED_OPERATIONS.lambda).toEqual([
      'GetFunctionConfiguration',
      'GetFunction',
      'ListFunctions',
      'UpdateFunctionConfiguration',
      'TagResource',
      'UntagResource',
      'ListTags',
      'PublishVersion',
      'ListVersionsByFunction',
      'CreateAlias',
      'GetAlias',
      'ListAliases',
      'UpdateAlias',
      'DeleteAlias',
      'DeleteFunction',
      'Invoke',
      'CreateFunction',
    ]);
  });
});
