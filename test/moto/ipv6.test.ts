import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CreateSecurityGroupCommand, CreateSubnetCommand } from '@aws-sdk/client-ec2';
import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { ok, REGION, seedFunction, seedUserVpc, startAccount, type MotoAccount } from './harness.js';

/**
 * The IPv6 bypass guard through the built CLI against moto: the wire shape of
 * Ipv6AllowedForDualStack (sent explicitly on every move, since moto, unlike AWS, forgets a value an
 * update leaves out), and its return on teardown.
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

async function vpcConfigOf(fn: string) {
  return (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }))).VpcConfig;
}

describe('Ipv6AllowedForDualStack, against moto', () => {
  it('setup turns it off, status is healthy, teardown turns it back on with the previous subnet', async () => {
    await seedFunction(account, 'orders-api');
    const vpcId = await seedUserVpc(account);
    const subnet = await account.ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: '10.20.9.0/24',
        AvailabilityZone: `${REGION}a`,
      }),
    );
    const group = await account.ec2.send(
      new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'app', Description: 'app' }),
    );
    const own = { SubnetIds: [subnet.Subnet!.SubnetId!], SecurityGroupIds: [group.GroupId!] };
    await account.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'orders-api',
        VpcConfig: { ...own, Ipv6AllowedForDualStack: true },
      }),
    );

    ok(await account.cli('setup', '--function', 'orders-api', '--vpc', vpcId, '--yes'));
    const attached = await vpcConfigOf('orders-api');
    expect(attached?.SubnetIds).not.toContain(own.SubnetIds[0]);
    expect(attached?.Ipv6AllowedForDualStack).toBe(false);
    expect((await account.cli('status')).code).toBe(0);

    ok(await account.cli('teardown', '--yes'));
    expect(await vpcConfigOf('orders-api')).toMatchObject({ ...own, Ipv6AllowedForDualStack: true });
  });
});
