import { describe, expect, it } from 'vitest';
import {
  CreateClusterCommand,
  type AwsVpcConfiguration,
  CreateServiceCommand,
  type CreateServiceCommandInput,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  TagResourceCommand,
  type Task,
  UntagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  AssociateRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { AwsSimulator, attachSimulatorWire } from '../src/index.js';
import { awsError, expectAwsError, newSim } from './support.js';

const region = 'ap-northeast-1';
const credentials = { accessKeyId: 'TEST', secretAccessKey: 'TEST' };
const ACCOUNT = '123456789012';
const SECOND = 1_000;
const TIMINGS = {
  ecsTaskStartMs: 45 * SECOND,
  ecsTaskStopMs: 30 * SECOND,
  ecsRetryMs: 15 * SECOND,
  natPendingMs: SECOND,
};

/**
 * A VPC with two public subnets (routed to its internet gateway), two private subnets routed to a
 * NAT gateway, and an isolated subnet (no route out); a cluster; awsvpc (Fargate) and bridge (EC2)
 * task definitions. The clients speak to the simulator on the wire.
 */
async function layout() {
  const { sim, clock } = newSim({ timings: TIMINGS });
  const ecs = new ECSClient({ region, credentials, maxAttempts: 1 });
  attachSimulatorWire(ecs, 'ecs', sim);
  const ec2 = new EC2Client({ region, credentials, maxAttempts: 1 });
  attachSimulatorWire(ec2, 'ec2', sim);
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const otherVpcId = sim.addVpc({ cidr: '10.1.0.0/16' });
  const igw = sim.addInternetGateway({ vpcId });
  const publicA = sim.addSubnet({ vpcId, cidr: '10.0.1.0/24', az: 'ap-northeast-1a' });
  const publicC = sim.addSubnet({ vpcId, cidr: '10.0.2.0/24', az: 'ap-northeast-1c' });
  const privateA = sim.addSubnet({ vpcId, cidr: '10.0.11.0/24', az: 'ap-northeast-1a' });
  const privateC = sim.addSubnet({ vpcId, cidr: '10.0.12.0/24', az: 'ap-northeast-1c' });
  const isolated = sim.addSubnet({ vpcId, cidr: '10.0.21.0/24', az: 'ap-northeast-1a' });
  const otherSubnet = sim.addSubnet({ vpcId: otherVpcId, cidr: '10.1.1.0/24', az: 'ap-northeast-1a' });
  const group = sim.addSecurityGroup({ vpcId, name: 'app' });
  const otherGroup = sim.addSecurityGroup({ vpcId: otherVpcId, name: 'elsewhere' });
  const table = async (subnets: string[], target: { GatewayId?: string; NatGatewayId?: string }) => {
    const id = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable?.RouteTableId;
    for (const SubnetId of subnets)
      await ec2.send(new AssociateRouteTableCommand({ RouteTableId: id, SubnetId }));
    if (target.GatewayId ?? target.NatGatewayId)
      await ec2.send(
        new CreateRouteCommand({ RouteTableId: id, DestinationCidrBlock: '0.0.0.0/0', ...target }),
      );
  };
  await table([publicA, publicC], { GatewayId: igw });
  const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
  const nat = await ec2.send(
    new CreateNatGatewayCommand({ SubnetId: publicA, AllocationId: eip.AllocationId }),
  );
  clock.advance(2 * SECOND);
  await table([privateA, privateC], { NatGatewayId: nat.NatGateway?.NatGatewayId });
  await table([isolated], {});
  await ecs.send(
    new CreateClusterCommand({ clusterName: 'prod', tags: [{ key: 'team', value: 'payments' }] }),
  );
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'worker',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'app',
          image: 'public.ecr.aws/docker/library/nginx:latest',
          portMappings: [{ containerPort: 80 }],
        },
      ],
    }),
  );
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'legacy',
      networkMode: 'bridge',
      requiresCompatibilities: ['EC2'],
      containerDefinitions: [
        { name: 'app', image: 'nginx', memory: 128, portMappings: [{ containerPort: 80, hostPort: 8080 }] },
      ],
    }),
  );
  const service = (input: Partial<CreateServiceCommandInput> = {}) =>
    ecs.send(
      new CreateServiceCommand({
        cluster: 'prod',
        serviceName: 'worker',
        taskDefinition: 'worker',
        launchType: 'FARGATE',
        desiredCount: 2,
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: [publicA, publicC],
            securityGroups: [group],
            assignPublicIp: 'ENABLED',
          },
        },
        ...input,
      }),
    );
  const describe = async (name = 'worker'): Promise<Service> =>
    (await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: [name], include: ['TAGS'] })))
      .services?.[0] ?? {};
  const tasks = async (desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING'): Promise<Task[]> => {
    const arns =
      (await ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'worker', desiredStatus })))
        .taskArns ?? [];
    if (arns.length === 0) return [];
    return (await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: arns }))).tasks ?? [];
  };
  const detail = (task: Task, name: string) =>
    task.attachments?.[0]?.details?.find((d) => d.name === name)?.value;
  const taskInterfaces = async () =>
    (
      await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: 'description', Values: ['arn:aws:ecs:*'] }],
        }),
      )
    ).NetworkInterfaces ?? [];
  return {
    sim,
    clock,
    ecs,
    ec2,
    vpcId,
    publicA,
    publicC,
    privateA,
    privateC,
    isolated,
    otherSubnet,
    group,
    otherGroup,
    service,
    describe,
    tasks,
    detail,
    taskInterfaces,
  };
}

describe('ECS in the simulator', () => {
  it('keeps clusters, task definitions and services as ECS gives them back, with tags as {key, value}', async () => {
    const t = await layout();
    const created = (await t.service({ tags: [{ key: 'fixed-ip:stack', value: 'prod' }] })).service;
    expect(created?.serviceArn).toBe(`arn:aws:ecs:${region}:${ACCOUNT}:service/prod/worker`);
    expect(created?.networkConfiguration?.awsvpcConfiguration).toEqual({
      subnets: [t.publicA, t.publicC],
      securityGroups: [t.group],
      assignPublicIp: 'ENABLED',
    });
    expect((await t.ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([
      `arn:aws:ecs:${region}:${ACCOUNT}:cluster/prod`,
    ]);
    const definition = (await t.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'worker' })))
      .taskDefinition;
    expect(definition).toMatchObject({ family: 'worker', revision: 1, networkMode: 'awsvpc' });
    expect(definition?.containerDefinitions?.[0]?.portMappings).toEqual([{ containerPort: 80 }]);
    const described = await t.describe();
    expect(described.tags).toEqual([{ key: 'fixed-ip:stack', value: 'prod' }]);
    expect(described.deployments?.[0]).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      desiredCount: 2,
    });
    // Without include TAGS there are none; an unknown name is a failure, not an error.
    const both = await t.ecs.send(
      new DescribeServicesCommand({ cluster: 'prod', services: ['worker', 'nobody'] }),
    );
    expect(both.services?.map((s) => [s.serviceName, s.tags])).toEqual([['worker', undefined]]);
    expect(both.failures).toEqual([
      { arn: `arn:aws:ecs:${region}:${ACCOUNT}:service/prod/nobody`, reason: 'MISSING' },
    ]);
    await expectAwsError(
      t.ecs.send(
        new DescribeServicesCommand({
          cluster: 'prod',
          services: Array.from({ length: 11 }, (_, i) => `s${i}`),
        }),
      ),
      'InvalidParameterException',
    );
    const arn = described.serviceArn ?? '';
    await t.ecs.send(
      new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'fixed-ip:previous', value: 'x' }] }),
    );
    await t.ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['fixed-ip:stack'] }));
    expect((await t.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([
      { key: 'fixed-ip:previous', value: 'x' },
    ]);
    const tooMany = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    await expectAwsError(
      t.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: tooMany })),
      'InvalidParameterException',
      /at most 50 tags/,
    );
  });

  it('pages ListServices (10 by default) and says ClusterNotFoundException for an unknown cluster', async () => {
    const t = await layout();
    for (let i = 0; i < 12; i++)
      await t.service({ serviceName: `svc-${String(i).padStart(2, '0')}`, desiredCount: 0 });
    const first = await t.ecs.send(new ListServicesCommand({ cluster: 'prod' }));
    expect(first.serviceArns).toHaveLength(10);
    const second = await t.ecs.send(new ListServicesCommand({ cluster: 'prod', nextToken: first.nextToken }));
    expect(second.serviceArns).toHaveLength(2);
    expect(second.nextToken).toBeUndefined();
    await expectAwsError(
      t.ecs.send(new ListServicesCommand({ cluster: 'nope' })),
      'ClusterNotFoundException',
    );
    await expectAwsError(
      t.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'nope', forceNewDeployment: true })),
      'ServiceNotFoundException',
    );
  });

  it('refuses the network configurations ECS refuses', async () => {
    const t = await layout();
    const net = (awsvpcConfiguration: object) => ({
      networkConfiguration: { awsvpcConfiguration: awsvpcConfiguration as AwsVpcConfiguration },
    });
    await expectAwsError(
      t.service({ taskDefinition: 'legacy', launchType: 'EC2' }),
      'InvalidParameterException',
      'Network Configuration is not valid for the given networkMode of this task definition.',
    );
    await expectAwsError(
      t.service({ networkConfiguration: undefined }),
      'InvalidParameterException',
      /must be provided/,
    );
    await expectAwsError(
      t.service(net({ subnets: [] })),
      'InvalidParameterException',
      /subnets can not be empty/,
    );
    const seventeen = Array.from({ length: 17 }, () => t.publicA);
    await expectAwsError(t.service(net({ subnets: seventeen })), 'InvalidParameterException', /16 subnets/);
    await expectAwsError(
      t.service(net({ subnets: ['subnet-0000000000000000f'] })),
      'InvalidParameterException',
      /does not exist/,
    );
    await expectAwsError(
      t.service(net({ subnets: [t.publicA, t.otherSubnet] })),
      'InvalidParameterException',
      /same VPC/,
    );
    await expectAwsError(
      t.service(net({ subnets: [t.publicA], securityGroups: [t.otherGroup] })),
      'InvalidParameterException',
      /does not belong to the VPC/,
    );
    await expectAwsError(
      t.service(net({ subnets: [t.publicA], securityGroups: Array.from({ length: 6 }, () => t.group) })),
      'InvalidParameterException',
      /5 security groups/,
    );
    await t.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'on-ec2',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['EC2'],
        containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128 }],
      }),
    );
    await expectAwsError(
      t.service({ taskDefinition: 'on-ec2', launchType: 'EC2' }),
      'InvalidParameterException',
      'Assign public IP is not supported for this launch type.',
    );
    await expectAwsError(
      t.service({ taskDefinition: 'legacy', networkConfiguration: undefined }),
      'InvalidParameterException',
      'Task definition does not support launch_type FARGATE.',
    );
    await expectAwsError(
      t.service({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] }),
      'InvalidParameterException',
      /both a launch type and capacity provider strategy/,
    );
    // A bridge service is fine without one; nothing was made by the refused calls.
    // Neither a launch type nor a capacity provider strategy (and no cluster default): EC2.
    const legacy = await t.service({
      serviceName: 'legacy',
      taskDefinition: 'legacy',
      launchType: undefined,
      networkConfiguration: undefined,
      desiredCount: 0,
    });
    expect(legacy.service?.launchType).toBe('EC2');
    expect((await t.ecs.send(new ListServicesCommand({ cluster: 'prod' }))).serviceArns).toEqual([
      `arn:aws:ecs:${region}:${ACCOUNT}:service/prod/legacy`,
    ]);
  });

  it('starts a new service’s tasks over time, each with a requester-managed interface in its subnet that blocks DeleteSubnet', async () => {
    const t = await layout();
    await t.service();
    const pending = await t.tasks();
    expect(pending.map((task) => task.lastStatus)).toEqual(['PENDING', 'PENDING']);
    expect(pending.map((task) => t.detail(task, 'subnetId')).sort()).toEqual([t.publicA, t.publicC].sort());
    const interfaces = await t.taskInterfaces();
    expect(interfaces).toHaveLength(2);
    expect(
      interfaces.every((eni) => eni.RequesterManaged === true && eni.InterfaceType === 'interface'),
    ).toBe(true);
    // assignPublicIp ENABLED in a subnet routed to the internet gateway: a public IP each.
    expect(interfaces.every((eni) => eni.Association?.PublicIp !== undefined)).toBe(true);
    expect(interfaces.map((eni) => eni.NetworkInterfaceId).sort()).toEqual(
      pending.map((task) => t.detail(task, 'networkInterfaceId')).sort(),
    );
    t.clock.advance(45 * SECOND);
    expect((await t.tasks()).map((task) => task.lastStatus)).toEqual(['RUNNING', 'RUNNING']);
    const steady = await t.describe();
    expect(steady).toMatchObject({ runningCount: 2, pendingCount: 0 });
    expect(steady.deployments).toMatchObject([
      { status: 'PRIMARY', rolloutState: 'COMPLETED', runningCount: 2 },
    ]);
    expect(steady.events?.[0]?.message).toBe('(service worker) has reached a steady state.');

    // (publicA holds the NAT gateway too: publicC holds only a task.)
    const blocked = await awsError(t.ec2.send(new DeleteSubnetCommand({ SubnetId: t.publicC })));
    expect(blocked.name).toBe('DependencyViolation');
    expect((await awsError(t.ec2.send(new DeleteSecurityGroupCommand({ GroupId: t.group })))).name).toBe(
      'DependencyViolation',
    );
    // Deleting a service scaled above 0 needs force; its tasks then stop and their interfaces go.
    await expectAwsError(
      t.ecs.send(new DeleteServiceCommand({ cluster: 'prod', service: 'worker' })),
      'InvalidParameterException',
      /scaled above 0/,
    );
    await expectAwsError(
      t.ecs.send(new DeleteClusterCommand({ cluster: 'prod' })),
      'ClusterContainsServicesException',
    );
    expect(
      (await t.ecs.send(new DeleteServiceCommand({ cluster: 'prod', service: 'worker', force: true })))
        .service?.status,
    ).toBe('DRAINING');
    expect((await awsError(t.ec2.send(new DeleteSubnetCommand({ SubnetId: t.publicC })))).name).toBe(
      'DependencyViolation',
    );
    t.clock.advance(30 * SECOND);
    expect(await t.taskInterfaces()).toEqual([]);
    expect((await t.describe()).status).toBe('INACTIVE');
    await expectAwsError(
      t.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'worker', desiredCount: 1 })),
      'ServiceNotActiveException',
    );
    await t.ec2.send(new DeleteSubnetCommand({ SubnetId: t.publicC }));
    await t.ec2.send(new DeleteSecurityGroupCommand({ GroupId: t.group }));
    await t.ecs.send(new DeleteClusterCommand({ cluster: 'prod' }));
    expect((await t.ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  });

  it('rolls a deployment from the old subnets to the new ones over virtual time', async () => {
    const t = await layout();
    await t.service({
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
    });
    t.clock.advance(60 * SECOND);
    const moved = await t.ecs.send(
      new UpdateServiceCommand({
        cluster: 'prod',
        service: 'worker',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: [t.privateA, t.privateC],
            securityGroups: [t.group],
            assignPublicIp: 'DISABLED',
          },
        },
      }),
    );
    expect(moved.service?.deployments?.map((d) => [d.status, d.rolloutState])).toEqual([
      ['PRIMARY', 'IN_PROGRESS'],
      ['ACTIVE', 'COMPLETED'],
    ]);
    // Old and new side by side: the old still run, the new are starting in the private subnets.
    let tasks = await t.tasks();
    expect(tasks.map((task) => [t.detail(task, 'subnetId'), task.lastStatus]).sort()).toEqual(
      [
        [t.publicA, 'RUNNING'],
        [t.publicC, 'RUNNING'],
        [t.privateA, 'PENDING'],
        [t.privateC, 'PENDING'],
      ].sort(),
    );
    t.clock.advance(45 * SECOND);
    tasks = await t.tasks();
    expect(tasks.map((task) => t.detail(task, 'subnetId')).sort()).toEqual([t.privateA, t.privateC].sort());
    expect((await t.tasks('STOPPED')).map((task) => task.lastStatus)).toEqual([
      'DEPROVISIONING',
      'DEPROVISIONING',
    ]);
    expect((await t.describe()).deployments?.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    t.clock.advance(30 * SECOND);
    const done = await t.describe();
    expect(done.deployments).toMatchObject([
      { status: 'PRIMARY', rolloutState: 'COMPLETED', runningCount: 2 },
    ]);
    expect(done.events?.[0]?.message).toBe('(service worker) has reached a steady state.');
    const interfaces = await t.taskInterfaces();
    expect(interfaces.map((eni) => eni.SubnetId).sort()).toEqual([t.privateA, t.privateC].sort());
    expect(interfaces.every((eni) => eni.Association === undefined)).toBe(true);
    // The public subnets are free again; the account's picture shows where the tasks are.
    await t.ec2.send(new DeleteSubnetCommand({ SubnetId: t.publicC }));
    const picture = t.sim.snapshot() as {
      ecs: { services: Array<{ tasks: Array<{ subnetId: string }>; deployments: unknown[] }> };
    };
    expect(picture.ecs.services[0]?.tasks.map((task) => task.subnetId).sort()).toEqual(
      [t.privateA, t.privateC].sort(),
    );
    expect(picture.ecs.services[0]?.deployments).toEqual([
      { status: 'PRIMARY', rolloutState: 'COMPLETED', subnets: [t.privateA, t.privateC] },
    ]);
  });

  it('fails tasks that cannot pull their image, and the circuit breaker fails the deployment while the old tasks run on', async () => {
    const t = await layout();
    await t.service({
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
    });
    t.clock.advance(60 * SECOND);
    await t.ecs.send(
      new UpdateServiceCommand({
        cluster: 'prod',
        service: 'worker',
        networkConfiguration: { awsvpcConfiguration: { subnets: [t.isolated], securityGroups: [t.group] } },
      }),
    );
    t.clock.advance(45 * SECOND);
    const stopped = await t.tasks('STOPPED');
    expect(stopped).toHaveLength(2);
    expect(stopped.every((task) => task.stopCode === 'TaskFailedToStart')).toBe(true);
    expect(stopped[0]?.stoppedReason).toMatch(/^CannotPullContainerError/);
    expect((await t.describe()).deployments?.[0]).toMatchObject({
      failedTasks: 2,
      rolloutState: 'IN_PROGRESS',
    });
    // A retry after the back-off; its failures reach the threshold (3 for 2 tasks).
    t.clock.advance(15 * SECOND + 45 * SECOND);
    const failed = await t.describe();
    expect(failed.deployments?.[0]).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'FAILED',
      failedTasks: 4,
    });
    expect(failed.deployments?.[1]).toMatchObject({ status: 'ACTIVE', runningCount: 2 });
    t.clock.advance(10 * 60 * SECOND);
    const running = await t.tasks();
    expect(running.map((task) => t.detail(task, 'subnetId')).sort()).toEqual([t.publicA, t.publicC].sort());
    expect((await t.describe()).deployments?.[0]?.failedTasks).toBe(4);
  });

  it('rolls back a failed deployment when the circuit breaker is told to', async () => {
    const t = await layout();
    await t.service({
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    t.clock.advance(60 * SECOND);
    await t.ecs.send(
      new UpdateServiceCommand({
        cluster: 'prod',
        service: 'worker',
        networkConfiguration: { awsvpcConfiguration: { subnets: [t.isolated], securityGroups: [t.group] } },
      }),
    );
    t.clock.advance(5 * 60 * SECOND);
    const service = await t.describe();
    expect(service.networkConfiguration?.awsvpcConfiguration?.subnets).toEqual([t.publicA, t.publicC]);
    expect(service.deployments).toMatchObject([{ status: 'PRIMARY', rolloutState: 'COMPLETED' }]);
    expect((await t.tasks()).map((task) => t.detail(task, 'subnetId')).sort()).toEqual(
      [t.publicA, t.publicC].sort(),
    );
  });

  it('authorizes ecs:<Operation> on the service ARN with its tags, and answers throttling as ECS does', async () => {
    const t = await layout();
    await t.service({ tags: [{ key: 'team', value: 'payments' }] });
    await t.service({ serviceName: 'other', desiredCount: 0 });
    t.sim.useCallerPolicy({
      Statement: [
        { Effect: 'Allow', Action: 'ecs:Describe*', Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'ecs:UpdateService',
          Resource: `arn:aws:ecs:${region}:${ACCOUNT}:service/prod/*`,
          Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } },
        },
      ],
    });
    await t.ecs.send(
      new UpdateServiceCommand({ cluster: 'prod', service: 'worker', forceNewDeployment: true }),
    );
    const denied = await awsError(
      t.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'other', forceNewDeployment: true })),
    );
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toMatch(/ecs:UpdateService/);
    t.sim.useCallerPolicy(undefined);
    t.sim.inject({ kind: 'reject', operation: 'DescribeServices', error: 'throttle' });
    const throttled = await awsError(t.describe());
    expect(throttled.name).toBe('ThrottlingException');
    expect(throttled.$metadata?.httpStatusCode).toBe(400);
  });

  it('keeps ECS in the saved account, and the tasks go on rolling after a reload', async () => {
    const t = await layout();
    await t.service();
    const reloaded = AwsSimulator.fromJSON(JSON.parse(JSON.stringify(t.sim.toJSON())), { clock: t.clock });
    const ecs = new ECSClient({ region, credentials, maxAttempts: 1 });
    attachSimulatorWire(ecs, 'ecs', reloaded);
    t.clock.advance(45 * SECOND);
    const [service] =
      (await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['worker'] }))).services ?? [];
    expect(service).toMatchObject({ runningCount: 2, status: 'ACTIVE' });
  });
});
