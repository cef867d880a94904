import {
  CreateNatGatewayCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcsCommand,
  EC2Client,
  EC2ServiceException,
  AllocateAddressCommand,
  CreateInternetGatewayCommand,
  AttachInternetGatewayCommand,
} from '@aws-sdk/client-ec2';
import { GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListFunctionsCommand,
  ResourceNotFoundException,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { attachSimulator, attachSimulatorWire, seedDemoAccount, WireShapeError } from '../src/index.js';
import type { AwsSimulator } from '../src/index.js';
import { awsError, newSim } from './support.js';

const credentials = { accessKeyId: 'SIM', secretAccessKey: 'SIM' };
const region = 'ap-northeast-1';

describe('attachSimulatorWire (the SDK parses the simulator as it parses AWS)', () => {
  it('answers EC2 (query XML), Lambda (REST JSON), STS and IAM (awsQuery XML) through the SDK deserialisers', async () => {
    const { sim } = newSim();
    seedDemoAccount(sim);
    const ec2 = new EC2Client({ region, credentials });
    attachSimulatorWire(ec2, 'ec2', sim);
    const lambda = new LambdaClient({ region, credentials });
    attachSimulatorWire(lambda, 'lambda', sim);
    const sts = new STSClient({ region, credentials });
    attachSimulatorWire(sts, 'sts', sim);
    const iam = new IAMClient({ region, credentials });
    attachSimulatorWire(iam, 'iam', sim);

    const created = await ec2.send(
      new CreateVpcCommand({
        CidrBlock: '10.9.0.0/16',
        TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'wire' }] }],
      }),
    );
    expect(created.Vpc).toMatchObject({ CidrBlock: '10.9.0.0/16', Tags: [{ Key: 'Name', Value: 'wire' }] });
    expect(created.$metadata.httpStatusCode).toBe(200);
    const vpcs = await ec2.send(new DescribeVpcsCommand({}));
    expect(vpcs.Vpcs?.map((v) => v.CidrBlock)).toContain('10.9.0.0/16');
    expect(vpcs.Vpcs?.find((v) => v.IsDefault)?.IsDefault).toBe(true);

    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'orders-api' }));
    expect(config.LastUpdateStatus).toBe('Successful');
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions?.length).toBeGreaterThan(0);
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('123456789012');
    expect((await iam.send(new GetRoleCommand({ RoleName: 'orders-api-role' }))).Role?.Arn).toBe(
      'arn:aws:iam::123456789012:role/orders-api-role',
    );
  });

  it("parses timestamps and nested lists (a NAT gateway's CreateTime and addresses) into the SDK's types", async () => {
    const { sim } = newSim();
    const ec2 = new EC2Client({ region, credentials });
    attachSimulatorWire(ec2, 'ec2', sim);
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ VpcId: vpc, InternetGatewayId: igw }));
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.1.0/24' }))).Subnet!
      .SubnetId!;
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const nat = await ec2.send(
      new CreateNatGatewayCommand({ SubnetId: subnet, AllocationId: eip.AllocationId }),
    );
    const described = await ec2.send(
      new DescribeNatGatewaysCommand({ NatGatewayIds: [nat.NatGateway!.NatGatewayId!] }),
    );
    const gateway = described.NatGateways?.[0];
    expect(gateway?.CreateTime).toBeInstanceOf(Date);
    expect(gateway?.NatGatewayAddresses?.[0]?.AllocationId).toBe(eip.AllocationId);
  });

  it("turns simulator errors into the SDK's own exceptions, with AWS's code and HTTP status", async () => {
    const { sim } = newSim();
    const ec2 = new EC2Client({ region, credentials, maxAttempts: 1 });
    attachSimulatorWire(ec2, 'ec2', sim);
    const lambda = new LambdaClient({ region, credentials, maxAttempts: 1 });
    attachSimulatorWire(lambda, 'lambda', sim);
    const iam = new IAMClient({ region, credentials, maxAttempts: 1 });
    attachSimulatorWire(iam, 'iam', sim);

    const vpcError = await awsError(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0000000000000000f'] })));
    expect(vpcError).toBeInstanceOf(EC2ServiceException);
    expect(vpcError).toMatchObject({ name: 'InvalidVpcID.NotFound', $metadata: { httpStatusCode: 400 } });
    const fnError = await awsError(
      lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'nope' })),
    );
    expect(fnError).toBeInstanceOf(ResourceNotFoundException);
    expect(fnError.$metadata?.httpStatusCode).toBe(404);
    const roleError = await awsError(iam.send(new GetRoleCommand({ RoleName: 'nope' })));
    expect(roleError).toBeInstanceOf(NoSuchEntityException);
  });

  it("leaves throttling to the SDK's retry, which reads the throttle from the wire", async () => {
    const { sim } = newSim();
    const ec2 = new EC2Client({ region, credentials, maxAttempts: 3 });
    attachSimulatorWire(ec2, 'ec2', sim);
    sim.inject({ kind: 'reject', operation: 'CreateVpc', error: 'throttle', times: 2 });
    const created = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    expect(created.$metadata.attempts).toBe(3);
  });

  it('fails a call whose simulated answer has a shape AWS never sends, where the middleware transport let it through', async () => {
    // A simulator that misspells a member (VpcID for VpcId), as a hand-written answer can.
    const misspelled = {
      handle: () => Promise.resolve({ Vpcs: [{ VpcID: 'vpc-1', CidrBlock: '10.0.0.0/16' }] }),
    } as unknown as AwsSimulator;
    const viaMiddleware = new EC2Client({ region, credentials });
    attachSimulator(viaMiddleware, 'ec2', misspelled);
    const unchecked = await viaMiddleware.send(new DescribeVpcsCommand({}));
    expect(unchecked.Vpcs?.[0]).toHaveProperty('VpcID', 'vpc-1');

    const onTheWire = new EC2Client({ region, credentials, maxAttempts: 1 });
    attachSimulatorWire(onTheWire, 'ec2', misspelled);
    const error = await awsError(onTheWire.send(new DescribeVpcsCommand({})));
    expect(error).toBeInstanceOf(WireShapeError);
    expect(error.message).toContain('VpcID');

    // A list answered as a single object.
    const notAList = {
      handle: () => Promise.resolve({ Vpcs: { VpcId: 'vpc-1' } }),
    } as unknown as AwsSimulator;
    const listClient = new EC2Client({ region, credentials, maxAttempts: 1 });
    attachSimulatorWire(listClient, 'ec2', notAList);
    expect((await awsError(listClient.send(new DescribeVpcsCommand({})))).message).toMatch(/expected a list/);
  });

  it('hands the simulator what the SDK put on the wire: a member the SDK does not send never reaches it', async () => {
    const seen: Array<[string, unknown]> = [];
    const spy = {
      handle: (_service: string, operation: string, input: unknown) => {
        seen.push([operation, input]);
        return Promise.resolve(operation === 'DescribeVpcs' ? { Vpcs: [] } : { FunctionName: 'f' });
      },
    } as unknown as AwsSimulator;
    const ec2 = new EC2Client({ region, credentials });
    attachSimulatorWire(ec2, 'ec2', spy);
    const input = {
      VpcIds: ['vpc-1'],
      Filters: [{ Name: 'tag:a', Values: ['b', 'c'] }],
      DryRun: false,
      VpcID: 'x',
    };
    await ec2.send(new DescribeVpcsCommand(input as never));
    const lambda = new LambdaClient({ region, credentials });
    attachSimulatorWire(lambda, 'lambda', spy);
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'orders-api',
        VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: [] },
      }),
    );
    await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'orders-api', Qualifier: '$LATEST' }),
    );
    expect(seen).toEqual([
      [
        'DescribeVpcs',
        { VpcIds: ['vpc-1'], Filters: [{ Name: 'tag:a', Values: ['b', 'c'] }], DryRun: false },
      ],
      [
        'UpdateFunctionConfiguration',
        { FunctionName: 'orders-api', VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: [] } },
      ],
      ['GetFunctionConfiguration', { FunctionName: 'orders-api', Qualifier: '$LATEST' }],
    ]);
  });
});
