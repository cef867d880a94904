import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeSubnetsCommand,
} from '@aws-sdk/client-ec2';
import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { seedFunction, seedUserVpc, startAccount, type MotoAccount, ok } from './harness.js';

/**
 * Issue 20, items 4 and 5, against moto (an AWS we did not write), through the built CLI: a function
 * put in a stack's private subnets by hand, and another stack's kept Elastic IP.
 */

let account: MotoAccount;

beforeAll(async () => {
  account = await startAccount();
});
afterAll(async () => {
  await account?.close();
});
beforeEach(async () => {
  await account.reset();
});

async function networkOf(fn: string): Promise<{ SubnetIds: string[]; SecurityGroupIds: string[] }> {
  const config = await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
  return {
    SubnetIds: config.VpcConfig?.SubnetIds ?? [],
    SecurityGroupIds: config.VpcConfig?.SecurityGroupIds ?? [],
  };
}

describe('workloads and addresses that are not the stack’s, against moto', () => {
  it('a function put in the stack’s private subnets by hand: status exit 3 names it; teardown names it, stops the NAT, and exits 1', async () => {
    await seedFunction(account, 'orders-api');
    await seedFunction(account, 'hand');
    const vpcId = await seedUserVpc(account);
    ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--yes'));
    const stackNetwork = await networkOf('orders-api');
    await account.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'hand', VpcConfig: stackNetwork }),
    );

    const status = await account.cli('status');
    expect(status.code).toBe(3);
    expect(status.stdout).toContain('fixed-ip attach --name default --function hand');
    const json = await account.cli('status', '--json');
    expect(json.code).toBe(3);
    expect(
      (JSON.parse(json.stdout) as { unmanagedFunctions: Array<{ name: string }> }).unmanagedFunctions,
    ).toEqual([{ name: 'hand', subnetIds: stackNetwork.SubnetIds }]);

    // Without a terminal and without --yes: named before consent, nothing changed.
    const asked = await account.cli('teardown');
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain(
      "function hand is in the stack's private subnets and will lose internet access",
    );

    const down = await account.cli('teardown', '--yes');
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /left a function without internet access: hand was put in the stack's private subnets by hand/,
    );
    const nats = await account.ec2.send(new DescribeNatGatewaysCommand({}));
    expect((nats.NatGateways ?? []).filter((n) => n.State !== 'deleted')).toEqual([]);
    const subnets = await account.ec2.send(new DescribeSubnetsCommand({}));
    expect(subnets.Subnets?.map((s) => s.SubnetId)).toContain(stackNetwork.SubnetIds[0]);
    expect((await networkOf('hand')).SubnetIds).toEqual(stackNetwork.SubnetIds);
    expect((await networkOf('orders-api')).SubnetIds).toEqual([]);
  });

  it("another stack's kept Elastic IP: setup --eip naming it stops with exit 2 naming that stack, and creates nothing", async () => {
    await seedFunction(account, 'orders-api');
    await seedFunction(account, 'billing-api');
    const vpcId = await seedUserVpc(account);
    ok(await account.cli('setup', '--name', 'a', '--function', 'orders-api', '--vpc', vpcId, '--yes'));
    ok(await account.cli('teardown', '--name', 'a', '--yes', '--keep-eip'));
    const addresses = (await account.ec2.send(new DescribeAddressesCommand({}))).Addresses ?? [];
    expect(addresses).toHaveLength(1);
    const kept = addresses[0];
    account.bridge.calls.length = 0;

    const taken = await account.cli(
      'setup',
      '--name',
      'b',
      '--function',
      'billing-api',
      '--vpc',
      vpcId,
      '--eip',
      kept.AllocationId!,
      '--yes',
    );
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain(
      `Elastic IP ${kept.PublicIp!} (${kept.AllocationId!}) belongs to fixed-ip stack a`,
    );
    expect(account.bridge.mutating()).toEqual([]);
    // a is still parked with its IP.
    expect(ok(await account.cli('status', '--name', 'a')).stdout).toContain(kept.PublicIp!);
  });
});
