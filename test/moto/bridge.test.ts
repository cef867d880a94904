import {
  AllocateAddressCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNatGatewayCommand,
  DeleteSubnetCommand,
  DescribeAddressesCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  EC2Client,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, seedFunction, startAccount, type MotoAccount } from './harness.js';

/** Each bridge of test/moto/README.md does what it says, seen through the SDK as the CLI sees it. */

let account: MotoAccount;
let ec2: EC2Client;

beforeAll(async () => {
  account = await startAccount();
  ec2 = new EC2Client({
    region: REGION,
    endpoint: account.bridge.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  await account?.close();
});

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    return (error as Error).name;
  }
}

async function vpcWithNat(): Promise<{
  vpcId: string;
  subnetId: string;
  natId: string;
  allocationId: string;
}> {
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc!.VpcId!;
  const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
  await ec2.send(new AttachInternetGatewayCommand({ VpcId: vpcId, InternetGatewayId: igw }));
  const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.30.1.0/24' })))
    .Subnet!.SubnetId!;
  const allocationId = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
  const natId = (
    await ec2.send(new CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId: allocationId }))
  ).NatGateway!.NatGatewayId!;
  return { vpcId, subnetId, natId, allocationId };
}

describe('the bridges in front of moto', () => {
  it('answers a dry run moto would carry out with DryRunOperation, and creates nothing', async () => {
    const before = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs!.length;
    expect(await errorName(ec2.send(new CreateVpcCommand({ DryRun: true, CidrBlock: '10.40.0.0/16' })))).toBe(
      'DryRunOperation',
    );
    expect((await ec2.send(new DescribeVpcsCommand({}))).Vpcs).toHaveLength(before);
  });

  it('answers SimulatePrincipalPolicy (not in moto) with AccessDenied', async () => {
    const iam = new IAMClient({
      region: REGION,
      endpoint: account.bridge.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
    expect(
      await errorName(
        iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: 'arn:aws:iam::123456789012:role/x',
            ActionNames: ['ec2:DescribeSubnets'],
          }),
        ),
      ),
    ).toBe('AccessDenied');
  });

  it('keeps a NAT gateway subnet, the gateway and the address in use as AWS does, and frees the address with the gateway', async () => {
    const { vpcId, subnetId, natId, allocationId } = await vpcWithNat();
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    expect(await errorName(ec2.send(new DeleteSubnetCommand({ SubnetId: subnetId })))).toBe(
      'DependencyViolation',
    );
    expect(await errorName(ec2.send(new ReleaseAddressCommand({ AllocationId: allocationId })))).toBe(
      'InvalidIPAddress.InUse',
    );
    expect(
      await errorName(ec2.send(new DetachInternetGatewayCommand({ VpcId: vpcId, InternetGatewayId: igw }))),
    ).toBe('DependencyViolation');

    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: natId }));
    const address = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] })))
      .Addresses![0];
    expect(address?.AssociationId).toBeUndefined();
    await ec2.send(new ReleaseAddressCommand({ AllocationId: allocationId }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: subnetId }));
  });

  it("names a function's real VPC instead of moto's vpc-123abc", async () => {
    await seedFunction(account, 'bridge-fn');
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.31.0.0/16' }))).Vpc!.VpcId!;
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.31.1.0/24' })))
      .Subnet!.SubnetId!;
    const groupId = (
      await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'g', Description: 'g' }))
    ).GroupId!;
    const lambda = new LambdaClient({
      region: REGION,
      endpoint: account.bridge.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'bridge-fn',
        VpcConfig: { SubnetIds: [subnetId], SecurityGroupIds: [groupId] },
      }),
    );
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'bridge-fn' }));
    expect(config.VpcConfig?.VpcId).toBe(vpcId);
  });
});
