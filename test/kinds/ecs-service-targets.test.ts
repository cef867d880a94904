import { describe, expect, it } from 'vitest';
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import {
  checkServiceName,
  isServiceAttached,
  refusalsOf,
  type ServiceFacts,
  serviceInput,
} from '../../src/kinds/ecs-service-targets.js';
import { serviceTags, servicePreviousFromTags } from '../../src/kinds/ecs-services.js';
import { emptyState } from '../../src/state/schema.js';
import { FixedIpError } from '../../src/errors.js';

const REGION = 'ap-northeast-1';
const ACCOUNT = '123456789012';
const name = checkServiceName('prod/worker');

function facts(
  service: Partial<Service>,
  definition: Partial<TaskDefinition> = {},
  more: Partial<ServiceFacts> = {},
) {
  return {
    service: {
      serviceName: 'worker',
      serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/worker`,
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-a'],
          securityGroups: ['sg-own'],
          assignPublicIp: 'DISABLED',
        },
      },
      deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
      ...service,
    } as Service,
    taskDefinition: {
      networkMode: 'awsvpc',
      containerDefinitions: [{ name: 'app' }],
      ...definition,
    } as TaskDefinition,
    subnetVpcs: new Map([['subnet-a', 'vpc-1']]),
    capacityVpcs: undefined,
    ...more,
  };
}

const refusals = (f: ServiceFacts, stack = 'default') =>
  refusalsOf(name, f, 'vpc-1', stack, emptyState(stack, REGION, ACCOUNT));

describe('--ecs-service', () => {
  it('takes CLUSTER/SERVICE or an ARN of this region and account, and says what is wrong with anything else', () => {
    expect(serviceInput('prod/worker', REGION, ACCOUNT).key).toBe('prod/worker');
    expect(serviceInput(`arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/worker`, REGION, ACCOUNT)).toEqual({
      cluster: 'prod',
      service: 'worker',
      key: 'prod/worker',
    });
    expect(() =>
      serviceInput(`arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/worker`, REGION, ACCOUNT),
    ).toThrow(/is in us-east-1, but this run is in ap-northeast-1/);
    expect(() =>
      serviceInput(`arn:aws:ecs:${REGION}:999999999999:service/prod/worker`, REGION, ACCOUNT),
    ).toThrow(/belongs to account 999999999999/);
    for (const bad of ['worker', 'a/b/c', 'prod/', 'pr od/worker', 'arn:aws:ecs:x'])
      expect(() => checkServiceName(bad)).toThrow(FixedIpError);
  });
});

describe('what stops a service from being attached (said before anything is made)', () => {
  it('an awsvpc Fargate service in the stack’s VPC: nothing', () => {
    expect(refusals(facts({}))).toEqual([]);
  });

  it('a task definition not in awsvpc mode', () => {
    expect(refusals(facts({ networkConfiguration: undefined }, { networkMode: 'bridge' }))).toEqual([
      expect.stringContaining('uses network mode bridge: only awsvpc tasks'),
    ]);
  });

  it('a deployment that is already failing, and one CodeDeploy owns', () => {
    const failing = facts({
      deployments: [
        { status: 'PRIMARY', rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start' },
      ],
    });
    expect(refusals(failing)).toEqual([
      expect.stringContaining('latest deployment has failed (tasks failed to start)'),
    ]);
    expect(refusals(facts({ deploymentController: { type: 'CODE_DEPLOY' } }))).toEqual([
      expect.stringContaining('is deployed by CodeDeploy'),
    ]);
  });

  it('a service in another VPC, and EC2 capacity that runs in another VPC', () => {
    expect(refusals(facts({}, {}, { subnetVpcs: new Map([['subnet-a', 'vpc-2']]) }))).toEqual([
      expect.stringContaining("runs in vpc-2, not the stack's vpc-1"),
    ]);
    expect(refusals(facts({ launchType: 'EC2' }, {}, { capacityVpcs: ['vpc-2'] }))).toEqual([
      expect.stringContaining("container instances run in vpc-2, not the stack's vpc-1"),
    ]);
    expect(refusals(facts({ launchType: 'EC2' }, {}, { capacityVpcs: ['vpc-1', 'vpc-2'] }))).toEqual([]);
  });

  it('tasks reached at their own public IPs (ports, no load balancer); with a load balancer it may move', () => {
    const reached = facts(
      {
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ['subnet-a'],
            securityGroups: ['sg-own'],
            assignPublicIp: 'ENABLED',
          },
        },
      },
      { containerDefinitions: [{ name: 'web', portMappings: [{ containerPort: 8080 }] }] },
    );
    expect(refusals(reached)).toEqual([expect.stringContaining("reached at its tasks' public IPs")]);
    reached.service.loadBalancers = [{ targetGroupArn: 'arn:tg', containerName: 'web', containerPort: 8080 }];
    expect(refusals(reached)).toEqual([]);
  });

  it('a service another stack holds, and one with no room for the stack’s security group', () => {
    expect(refusals(facts({ tags: [{ key: 'fixed-ip:stack', value: 'other' }] }))).toEqual([
      expect.stringContaining(
        'belongs to stack other: take it out first (fixed-ip detach --name other --ecs-service prod/worker)',
      ),
    ]);
    const five = ['sg-1', 'sg-2', 'sg-3', 'sg-4', 'sg-5'];
    expect(
      refusals(
        facts({
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: five } },
        }),
      ),
    ).toEqual([expect.stringContaining('has 5 security groups and the stack adds its own (ECS allows 5)')]);
  });
});

describe('an attached service', () => {
  const stack = { subnetIds: ['subnet-p1', 'subnet-p2'], securityGroupId: 'sg-stack' };
  const withNetwork = (subnets: string[], groups: string[], assignPublicIp: 'ENABLED' | 'DISABLED') =>
    ({
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: groups, assignPublicIp } },
    }) as Service;

  it('is in exactly the private subnets, with the stack’s group (its own beside it), and no public IP', () => {
    expect(
      isServiceAttached(withNetwork(['subnet-p2', 'subnet-p1'], ['sg-stack', 'sg-own'], 'DISABLED'), stack),
    ).toBe(true);
    expect(isServiceAttached(withNetwork(['subnet-p1', 'subnet-p2'], ['sg-stack'], 'ENABLED'), stack)).toBe(
      false,
    );
    expect(isServiceAttached(withNetwork(['subnet-p1'], ['sg-stack'], 'DISABLED'), stack)).toBe(false);
    expect(isServiceAttached(withNetwork(['subnet-p1', 'subnet-p2'], ['sg-own'], 'DISABLED'), stack)).toBe(
      false,
    );
  });

  it('keeps its previous network on its own tags, public IP included, for this stack only', () => {
    const previous = {
      subnetIds: ['subnet-a', 'subnet-b'],
      securityGroupIds: ['sg-own'],
      assignPublicIp: 'ENABLED' as const,
    };
    const tags = serviceTags('prod', previous);
    expect(tags).toEqual({
      'fixed-ip:stack': 'prod',
      'fixed-ip:previous': 'subnet-a+subnet-b/sg-own',
      'fixed-ip:previous-public-ip': 'ENABLED',
    });
    expect(servicePreviousFromTags(tags, 'prod')).toEqual(previous);
    expect(servicePreviousFromTags(tags, 'other')).toBeUndefined();
    // The EC2 launch type has no public IP setting: none is written, none is read back.
    expect(
      servicePreviousFromTags(serviceTags('prod', { subnetIds: ['subnet-a'], securityGroupIds: [] }), 'prod'),
    ).toEqual({
      subnetIds: ['subnet-a'],
      securityGroupIds: [],
    });
  });
});
