import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateSecurityGroupCommand,
  DescribeNatGatewaysCommand,
  DescribeSubnetsCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import {
  inventory,
  ok,
  REGION,
  seedFunction,
  seedUserVpc,
  startAccount,
  type MotoAccount,
} from './harness.js';

/**
 * Issue 26 against moto (an AWS we did not write), through the built CLI: an ECS service on Fargate
 * and a function attached to one stack, and both restored exactly; a service with a public IP gets
 * it back on detach; a service that is not awsvpc is refused before anything is made. moto's ECS
 * starts no task and keeps one deployment (MOTO_ECS_SERVICE_RUNNING counts one task running), so
 * the wait for a steady service is proved in the simulator, where deployments roll.
 */

let account: MotoAccount;
let ecs: ECSClient;

beforeAll(async () => {
  account = await startAccount();
  ecs = new ECSClient({
    region: REGION,
    endpoint: account.moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});
afterAll(async () => {
  await account?.close();
});
beforeEach(async () => {
  await account.reset();
});

interface Seeded {
  vpcId: string;
  subnetId: string;
  groupId: string;
}

async function seedNetwork(): Promise<Seeded> {
  const vpcId = await seedUserVpc(account);
  const subnets = await account.ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
  );
  const group = await account.ec2.send(
    new CreateSecurityGroupCommand({ GroupName: 'worker', Description: 'the worker', VpcId: vpcId }),
  );
  return { vpcId, subnetId: subnets.Subnets![0].SubnetId!, groupId: group.GroupId! };
}

/** A Fargate service (awsvpc, one task) in the user's public subnet with a public IP, no ports. */
async function seedService(
  seeded: Seeded,
  name = 'worker',
  mode: 'awsvpc' | 'bridge' = 'awsvpc',
): Promise<void> {
  await ecs.send(new CreateClusterCommand({ clusterName: 'prod' }));
  const definition = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: name,
      networkMode: mode,
      requiresCompatibilities: [mode === 'awsvpc' ? 'FARGATE' : 'EC2'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        { name, image: 'public.ecr.aws/docker/library/busybox:latest', essential: true },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'prod',
      serviceName: name,
      taskDefinition: definition.taskDefinition!.taskDefinitionArn!,
      desiredCount: 1,
      launchType: mode === 'awsvpc' ? 'FARGATE' : 'EC2',
      ...(mode === 'awsvpc'
        ? {
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: [seeded.subnetId],
                securityGroups: [seeded.groupId],
                assignPublicIp: 'ENABLED',
              },
            },
          }
        : {}),
    }),
  );
}

async function serviceNow(name = 'worker') {
  const out = await ecs.send(
    new DescribeServicesCommand({ cluster: 'prod', services: [name], include: ['TAGS'] }),
  );
  const service = out.services![0];
  return {
    network: service.networkConfiguration?.awsvpcConfiguration,
    tags: Object.fromEntries((service.tags ?? []).map((t) => [t.key, t.value])),
  };
}

const original = (seeded: Seeded) => ({
  subnets: [seeded.subnetId],
  securityGroups: [seeded.groupId],
  assignPublicIp: 'ENABLED' as const,
});

describe('ECS services against moto', () => {
  it('a Fargate service and a function on one stack: moved with no public IP, kept beside the stack’s group, and teardown restores both exactly', async () => {
    const seeded = await seedNetwork();
    await seedService(seeded);
    await seedFunction(account, 'orders-api');
    ok(
      await account.cli(
        'setup',
        '--function',
        'orders-api',
        '--ecs-service',
        'prod/worker',
        '--vpc',
        seeded.vpcId,
        '--azs',
        '1',
        '--yes',
      ),
    );
    const moved = await serviceNow();
    const fn = await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'orders-api' }));
    // The service is where the function is: the stack's private subnet, the stack's group (and its own).
    expect(moved.network?.subnets).toEqual(fn.VpcConfig?.SubnetIds);
    expect(moved.network?.securityGroups).toEqual([fn.VpcConfig!.SecurityGroupIds![0], seeded.groupId]);
    expect(moved.network?.assignPublicIp).toBe('DISABLED');
    // Its previous network is on its own tags.
    expect(moved.tags['fixed-ip:stack']).toBe('default');
    expect(moved.tags['fixed-ip:previous']).toBe(`${seeded.subnetId}/${seeded.groupId}`);
    expect(moved.tags['fixed-ip:previous-public-ip']).toBe('ENABLED');

    const status = await account.cli('status', '--json');
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as {
      healthy: boolean;
      services: Array<{ name: string; attached: boolean }>;
    };
    expect(report.healthy).toBe(true);
    expect(report.services).toMatchObject([{ name: 'prod/worker', attached: true }]);

    ok(await account.cli('teardown', '--yes'));
    const back = await serviceNow();
    expect(back.network).toEqual(original(seeded));
    expect(Object.keys(back.tags).filter((k) => k.startsWith('fixed-ip:'))).toEqual([]);
    const fnBack = await account.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'orders-api' }),
    );
    expect(fnBack.VpcConfig?.SubnetIds ?? []).toEqual([]);
    const nats = await account.ec2.send(new DescribeNatGatewaysCommand({}));
    expect((nats.NatGateways ?? []).filter((n) => n.State !== 'deleted')).toEqual([]);
  });

  it('attach adds a service to a stack of functions; detach gives it back its public IP; status drifts when it is moved by hand', async () => {
    const seeded = await seedNetwork();
    await seedService(seeded);
    await seedFunction(account, 'orders-api');
    ok(await account.cli('setup', '--function', 'orders-api', '--vpc', seeded.vpcId, '--azs', '1', '--yes'));
    ok(await account.cli('attach', '--ecs-service', 'prod/worker', '--yes'));
    expect((await serviceNow()).network?.assignPublicIp).toBe('DISABLED');

    // Moved back by hand: status says so (exit 3), and setup moves it in again.
    await ecs.send(
      new UpdateServiceCommand({
        cluster: 'prod',
        service: 'worker',
        networkConfiguration: { awsvpcConfiguration: original(seeded) },
      }),
    );
    const drifted = await account.cli('status');
    expect(drifted.code).toBe(3);
    expect(drifted.stdout).toContain("ECS service prod/worker is not in the stack's private subnets");
    ok(await account.cli('setup', '--yes'));
    expect((await serviceNow()).network?.assignPublicIp).toBe('DISABLED');
    expect((await account.cli('status')).code).toBe(0);

    ok(await account.cli('detach', '--ecs-service', 'prod/worker', '--yes'));
    const back = await serviceNow();
    expect(back.network).toEqual(original(seeded));
    expect(Object.keys(back.tags).filter((k) => k.startsWith('fixed-ip:'))).toEqual([]);
    const status = JSON.parse((await account.cli('status', '--json')).stdout) as { services: unknown[] };
    expect(status.services).toEqual([]);
  });

  it('a stack of one service and no function: made, healthy, and torn down with the service restored', async () => {
    const seeded = await seedNetwork();
    await seedService(seeded);
    ok(await account.cli('setup', '--ecs-service', 'prod/worker', '--azs', '1', '--yes'));
    const status = await account.cli('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('ECS service prod/worker attached to the private subnets');
    ok(await account.cli('teardown', '--yes'));
    expect((await serviceNow()).network).toEqual(original(seeded));
  });

  it('a lost state file: teardown finds the service by its tags and restores it from them', async () => {
    const seeded = await seedNetwork();
    await seedService(seeded);
    ok(
      await account.cli(
        'setup',
        '--ecs-service',
        'prod/worker',
        '--vpc',
        seeded.vpcId,
        '--azs',
        '1',
        '--yes',
      ),
    );
    rmSync(join(account.cwd, '.fixed-ip'), { recursive: true, force: true });
    const down = ok(await account.cli('teardown', '--yes'));
    expect(down.stderr).toContain('prod/worker');
    expect((await serviceNow()).network).toEqual(original(seeded));
  });

  it('a service that is not awsvpc is refused before anything is made (exit 2, one line)', async () => {
    const seeded = await seedNetwork();
    await seedService(seeded, 'legacy', 'bridge');
    const before = await inventory(account);
    const run = await account.cli('setup', '--ecs-service', 'prod/legacy', '--vpc', seeded.vpcId, '--yes');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ECS service prod/legacy uses network mode bridge');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await inventory(account)).toEqual(before);
  });
});
