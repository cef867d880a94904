/**
 * ECS services as workloads (issue 26), in the simulated account, where deployments roll tasks from
 * one network to another on the clock: a service and a function on one stack, restored exactly;
 * the wait for a steady service and what the user is told meanwhile; drift; a deployment ECS cannot
 * finish; refusals before anything is made; a lost state file; the commands under fixed-ip's policy.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detach } from '../../src/commands/detach.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { FixedIpError } from '../../src/errors.js';
import { policyFor } from '../../src/engine/iam-policy.js';
import { createTestAccount, isDryRun, isMutating, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;
let userSubnet: string;
let userGroup: string;

/* eslint-disable @typescript-eslint/no-explicit-any -- the simulator's answers, read as AWS gives them */
const ecs = (operation: string, input: object): Promise<any> => account.sim.handle('ecs', operation, input);
const ec2 = (operation: string, input: object): Promise<any> => account.sim.handle('ec2', operation, input);

beforeEach(async () => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
  // The user's public subnet (routed to their internet gateway) and the service's own group.
  userSubnet = account.sim.addSubnet({ vpcId, cidr: '10.0.200.0/24', az: 'ap-northeast-1a', name: 'public' });
  userGroup = account.sim.addSecurityGroup({ vpcId, name: 'worker' });
  const igw = account.sim.addInternetGateway({ vpcId });
  const table = (await ec2('CreateRouteTable', { VpcId: vpcId })).RouteTable.RouteTableId as string;
  await ec2('CreateRoute', { RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw });
  await ec2('AssociateRouteTable', { RouteTableId: table, SubnetId: userSubnet });
  await ecs('CreateCluster', { clusterName: 'prod' });
  await seedService('worker', 'awsvpc', 2);
  // Its first deployment, done: two tasks running in the public subnet with public IPs.
  account.clock.advance(5 * 60_000);
});
afterEach(() => account.restore());

async function seedService(name: string, mode: 'awsvpc' | 'bridge', desiredCount = 1): Promise<void> {
  const definition = await ecs('RegisterTaskDefinition', {
    family: name,
    networkMode: mode,
    requiresCompatibilities: [mode === 'awsvpc' ? 'FARGATE' : 'EC2'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name, image: 'public.ecr.aws/docker/library/busybox:latest', essential: true }],
  });
  await ecs('CreateService', {
    cluster: 'prod',
    serviceName: name,
    taskDefinition: definition.taskDefinition.taskDefinitionArn,
    desiredCount,
    launchType: mode === 'awsvpc' ? 'FARGATE' : 'EC2',
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
    ...(mode === 'awsvpc'
      ? {
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: [userSubnet],
              securityGroups: [userGroup],
              assignPublicIp: 'ENABLED',
            },
          },
        }
      : {}),
  });
}

async function serviceNow(name = 'worker') {
  const out = await ecs('DescribeServices', { cluster: 'prod', services: [name], include: ['TAGS'] });
  return out.services[0];
}

/** The subnet of each task of the service that is RUNNING now. */
async function runningIn(name = 'worker'): Promise<string[]> {
  const arns = (await ecs('ListTasks', { cluster: 'prod', serviceName: name, desiredStatus: 'RUNNING' }))
    .taskArns;
  if (arns.length === 0) return [];
  const tasks = (await ecs('DescribeTasks', { cluster: 'prod', tasks: arns })).tasks;
  return tasks
    .filter((t: any) => t.lastStatus === 'RUNNING')
    .map((t: any) => t.attachments[0].details.find((d: any) => d.name === 'subnetId').value)
    .sort();
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  services: ['prod/worker'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  ...extra,
});

const original = () => ({ subnets: [userSubnet], securityGroups: [userGroup], assignPublicIp: 'ENABLED' });

async function rejection(promise: Promise<unknown>): Promise<FixedIpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FixedIpError);
  return error as FixedIpError;
}

describe('ECS services in the simulated account', () => {
  it('setup moves a Fargate service beside a function, waits until its new tasks run in the private subnets, and says the old ones serve meanwhile; teardown puts both back exactly', async () => {
    const deps = account.deps();
    const result = await setup(options(), deps);
    const privateSubnets = result.state.shape.zones.map(
      (zone) => result.state.resources[`privateSubnet@${zone}`]?.id ?? '',
    );
    // Setup returned once the deployment finished: every running task is in the private subnets.
    const service = await serviceNow();
    expect(service.networkConfiguration.awsvpcConfiguration.subnets.sort()).toEqual(
      [...privateSubnets].sort(),
    );
    expect(service.networkConfiguration.awsvpcConfiguration.assignPublicIp).toBe('DISABLED');
    expect(service.deployments).toHaveLength(1);
    const running = await runningIn();
    expect(running).toHaveLength(2);
    expect(running.every((id) => privateSubnets.includes(id))).toBe(true);
    // What the user saw while ECS rolled the tasks.
    const progress = deps.recording.messages.map((m) => m.text).join('\n');
    expect(progress).toContain('its old tasks keep serving on the old network until new ones are running');
    expect(progress).toMatch(/0 of 2 new tasks running, 2 old still serving/);
    expect(progress).toContain('ECS service prod/worker is steady on its new network');

    const report = await status({ name: 'default' }, account.deps());
    expect(report.healthy).toBe(true);
    expect(report.services).toEqual([
      { name: 'prod/worker', attached: true, detail: '2 of 2 running tasks in the private subnets' },
    ]);

    const down = account.deps();
    await teardown({ name: 'default', yes: true }, down);
    const back = await serviceNow();
    expect(back.networkConfiguration.awsvpcConfiguration).toEqual(original());
    expect((back.tags ?? []).filter((t: { key: string }) => t.key.startsWith('fixed-ip:'))).toEqual([]);
    expect(await runningIn()).toEqual([userSubnet, userSubnet]);
    // The private subnets went: no task of the service held them when teardown deleted them.
    const subnets = (await ec2('DescribeSubnets', {})).Subnets.map((s: { SubnetId: string }) => s.SubnetId);
    for (const id of privateSubnets) expect(subnets).not.toContain(id);
  });

  it('status: tasks still outside the private subnets (a deployment rolling), and a service moved away by hand, are drift', async () => {
    await setup(options(), account.deps());
    // Moved back by hand: status at once sees the network, then the tasks as ECS rolls them.
    await ecs('UpdateService', {
      cluster: 'prod',
      service: 'worker',
      networkConfiguration: { awsvpcConfiguration: original() },
    });
    const report = await status({ name: 'default' }, account.deps());
    expect(report.healthy).toBe(false);
    expect(report.problems).toContain(
      "ECS service prod/worker is not in the stack's private subnets without a public IP; run fixed-ip setup --name default to move it back",
    );
    account.clock.advance(5 * 60_000);
    // setup moves it in again; then, put into the stack's network by hand, its tasks are out while ECS rolls them.
    await setup(options(), account.deps());
    expect((await status({ name: 'default' }, account.deps())).healthy).toBe(true);
    const network = (await serviceNow()).networkConfiguration.awsvpcConfiguration;
    await ecs('UpdateService', {
      cluster: 'prod',
      service: 'worker',
      networkConfiguration: { awsvpcConfiguration: original() },
    });
    account.clock.advance(5 * 60_000);
    await ecs('UpdateService', {
      cluster: 'prod',
      service: 'worker',
      networkConfiguration: { awsvpcConfiguration: network },
    });
    const rolling = await status({ name: 'default' }, account.deps());
    expect(rolling.healthy).toBe(false);
    expect(rolling.problems).toContain(
      "2 of ECS service prod/worker's 2 running tasks are outside the stack's private subnets (a deployment still rolling them? run fixed-ip status again in a minute)",
    );
    account.clock.advance(5 * 60_000);
    expect((await status({ name: 'default' }, account.deps())).healthy).toBe(true);
  });

  it('detach gives the service back its public IP and its own network, and untags it', async () => {
    await setup(options(), account.deps());
    const done = await detach(
      { name: 'default', functions: [], services: ['prod/worker'], yes: true },
      account.deps(),
    );
    expect(done).toEqual(['prod/worker']);
    const back = await serviceNow();
    expect(back.networkConfiguration.awsvpcConfiguration).toEqual(original());
    expect((back.tags ?? []).filter((t: { key: string }) => t.key.startsWith('fixed-ip:'))).toEqual([]);
    const report = await status({ name: 'default' }, account.deps());
    expect(report.services).toEqual([]);
    expect(report.functions.map((f) => f.name)).toEqual(['orders-api']);
  });

  it('a restore ECS cannot deploy (its old subnet lost its route out): teardown names it, keeps what it holds, and still stops the NAT', async () => {
    await setup(options(), account.deps());
    // The user's public subnet loses its route to the internet: tasks there cannot pull their image.
    const tables = (
      await ec2('DescribeRouteTables', { Filters: [{ Name: 'association.subnet-id', Values: [userSubnet] }] })
    ).RouteTables;
    await ec2('DeleteRoute', { RouteTableId: tables[0].RouteTableId, DestinationCidrBlock: '0.0.0.0/0' });
    const deps = account.deps();
    const error = await rejection(teardown({ name: 'default', yes: true }, deps));
    expect(error.code).toBe('SERVICE_STRANDED');
    expect(error.line).toContain(
      "teardown of stack default left ECS service prod/worker in the stack's private subnets, which no longer route to the internet",
    );
    expect(deps.recording.messages.map((m) => m.text).join('\n')).toMatch(
      /Could not restore ECS service prod\/worker \(ECS could not deploy prod\/worker on its new network: .+\); it stays in the stack/,
    );
    // The subnets and group its tasks hold stay (named), the NAT went, and a re-run can finish it.
    const subnets = (await ec2('DescribeSubnets', {})).Subnets.map((s: { SubnetId: string }) => s.SubnetId);
    const kept = Object.values(
      JSON.parse(readFileSync(account.statePath('default'), 'utf8')).resources as Record<
        string,
        { kind: string; id: string }
      >,
    )
      .filter((r) => r.kind === 'privateSubnet')
      .map((r) => r.id);
    expect(kept).toHaveLength(2);
    for (const id of kept) expect(subnets).toContain(id);
    const nats = (await ec2('DescribeNatGateways', {})).NatGateways.filter(
      (n: { State: string }) => n.State !== 'deleted',
    );
    expect(nats).toEqual([]);
  });

  it('a service that is not awsvpc, and one whose deployment is already failing, are refused before anything is made', async () => {
    await seedService('legacy', 'bridge');
    const before = JSON.stringify(account.sim.snapshot());
    const from = account.sim.calls.length;
    const legacy = await rejection(setup(options({ services: ['prod/legacy'] }), account.deps()));
    expect(legacy.code).toBe('WORKLOAD_REFUSED');
    expect(legacy.line).toContain('ECS service prod/legacy uses network mode bridge');

    // A service whose tasks cannot start (an isolated subnet): its circuit breaker fails the deployment.
    const isolated = account.sim.addSubnet({
      vpcId,
      cidr: '10.0.201.0/24',
      az: 'ap-northeast-1a',
      name: 'isolated',
    });
    await ecs('UpdateService', {
      cluster: 'prod',
      service: 'worker',
      networkConfiguration: { awsvpcConfiguration: { subnets: [isolated], securityGroups: [userGroup] } },
    });
    account.clock.advance(30 * 60_000);
    const after = JSON.stringify(account.sim.snapshot());
    const failing = await rejection(setup(options(), account.deps()));
    expect(failing.code).toBe('WORKLOAD_REFUSED');
    expect(failing.line).toContain("ECS service prod/worker's latest deployment has failed");
    expect(JSON.stringify(account.sim.snapshot())).toEqual(after);
    expect(before).not.toEqual(after);
    const changes = account.sim.calls
      .slice(from)
      .filter((c) => isMutating(c.operation) && !isDryRun(c.input) && c.service !== 'ecs')
      .map((c) => c.operation);
    expect(changes).toEqual([]);
  });

  it('a lost state file: teardown finds the service by its tags and restores it', async () => {
    await setup(options({ functions: [] }), account.deps());
    const { rmSync } = await import('node:fs');
    rmSync(account.statePath('default'));
    await teardown({ name: 'default', yes: true }, account.deps());
    expect((await serviceNow()).networkConfiguration.awsvpcConfiguration).toEqual(original());
  });

  it('a stack of functions only makes no ECS call in setup, status or teardown', async () => {
    const from = account.sim.calls.length;
    await setup(options({ services: [] }), account.deps());
    await status({ name: 'default' }, account.deps());
    await teardown({ name: 'default', yes: true }, account.deps());
    expect(account.sim.calls.slice(from).filter((c) => c.service === 'ecs')).toEqual([]);
  });

  it('setup, status and teardown of a service run under the policy iam-policy prints', async () => {
    account.sim.useCallerPolicy(policyFor(['setup', 'status', 'teardown']));
    await setup(options(), account.deps());
    expect((await status({ name: 'default' }, account.deps())).healthy).toBe(true);
    await teardown({ name: 'default', yes: true }, account.deps());
    expect((await serviceNow()).networkConfiguration.awsvpcConfiguration).toEqual(original());
  });
});
