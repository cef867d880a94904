import type { GetCostAndUsageCommandInput } from '@aws-sdk/client-cost-explorer';
import type { GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import type { AwsPort } from '../../src/aws/port.js';
import { billedCost, TAG_ACTIVATION_HINT } from '../../src/engine/billed.js';
import {
  cents,
  measureTraffic,
  modeProjections,
  monthEstimate,
  spendSoFar,
  stackUsageTypes,
} from '../../src/engine/spend.js';
import { parseSince } from '../../src/commands/cost.js';
import '../../src/kinds/index.js';
import { usageTypes } from '../../src/model/pricing.js';
import { emptyWorld, type World } from '../../src/model/world.js';
import { emptyState, type NatModeName, type StackState } from '../../src/state/schema.js';

const GIB = 2 ** 30;
const HOUR = 3_600_000;
const NOW = new Date('2026-12-04T12:00:00Z');

/** A stack of one NAT gateway and its Elastic IP per NAT zone, its gateway made `hoursAgo` ago. */
function stack(region: string, zones: string[], hoursAgo: number, nat: NatModeName = 'gateway') {
  const state: StackState = emptyState('prod', region, '123456789012');
  state.shape = { nat, zones };
  const world: World = emptyWorld();
  const natZones = nat === 'gateway-per-az' ? zones : zones.slice(0, 1);
  for (const [i, zone] of natZones.entries()) {
    state.resources[`natGateway@${zone}`] = { kind: 'natGateway', id: `nat-${i}`, owned: true, zone };
    state.resources[`elasticIp@${zone}`] = {
      kind: 'elasticIp',
      id: `eipalloc-${i}`,
      owned: true,
      zone,
      publicIp: `203.0.113.${i + 1}`,
    };
    world.natGateways.push({
      NatGatewayId: `nat-${i}`,
      State: 'available',
      CreateTime: new Date(NOW.getTime() - hoursAgo * HOUR),
    });
    world.addresses.push({ AllocationId: `eipalloc-${i}`, PublicIp: `203.0.113.${i + 1}` });
  }
  world.loaded.add('natGateways').add('addresses');
  return { state, world };
}

/** An AWS port whose CloudWatch answers each query with these daily sums, by metric name. */
function metricsPort(region: string, sums: Record<string, number[]>) {
  const calls: GetMetricDataCommandInput[] = [];
  const aws = {
    region,
    cloudwatch: {
      GetMetricData: (input: GetMetricDataCommandInput) => {
        calls.push(input);
        return Promise.resolve({
          MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
            Id: q.Id,
            Values: sums[q.MetricStat?.Metric?.MetricName ?? ''] ?? [],
            StatusCode: 'Complete',
          })),
        });
      },
    },
  } as unknown as AwsPort;
  return { aws, calls };
}

describe('cost: what a stack has cost so far', () => {
  it('prices each live resource from its creation: a NAT gateway by the started hour, an address by the second', () => {
    const { state, world } = stack('ap-northeast-1', ['ap-northeast-1a'], 48 + 1 / 6);
    const soFar = spendSoFar('ap-northeast-1', state, world, NOW);
    expect(soFar.resources.map((r) => [r.kind, r.hours, r.usd])).toEqual([
      ['natGateway', 49, 3.04],
      ['elasticIp', 48.167, 0.24],
    ]);
    // An address's allocation time is not in AWS's answer: the stack's start stands in, and says so.
    expect(soFar.resources.find((r) => r.kind === 'elasticIp')?.sinceKnown).toBe(false);
    expect(soFar.usd).toBe(3.28);
    expect(soFar.start).toBe('2026-12-02T11:50:00.000Z');
  });

  it('counts from --since when given, and not a resource deleted since (Cost Explorer counts those)', () => {
    const { state, world } = stack('us-east-1', ['us-east-1a'], 100);
    const soFar = spendSoFar('us-east-1', state, world, NOW, new Date(NOW.getTime() - 10 * HOUR));
    expect(soFar.resources.map((r) => r.hours)).toEqual([10, 10]);
    world.natGateways = [];
    expect(spendSoFar('us-east-1', state, world, NOW).resources.map((r) => r.kind)).toEqual(['elasticIp']);
  });

  it('knows no start when no resource says when it began and no --since is given', () => {
    const { state, world } = stack('us-east-1', ['us-east-1a'], 5);
    world.natGateways = [];
    delete state.resources['natGateway@us-east-1a'];
    const soFar = spendSoFar('us-east-1', state, world, NOW);
    expect(soFar.startKnown).toBe(false);
    expect(soFar.usd).toBe(0);
  });
});

describe('cost: the traffic, the month, and the other modes', () => {
  const cases = [
    // region, per GB, hours a month (NAT + IPv4), processing a month, total
    ['ap-northeast-1', 0.062, 48.91, 4.71, 53.62],
    ['us-east-1', 0.045, 36.5, 3.42, 39.92],
  ] as const;
  for (const [region, perGb, hours, processing, total] of cases)
    it(`reads processed bytes both ways from CloudWatch and projects the month, to the cent (${region})`, async () => {
      const { state, world } = stack(region, [`${region}a`], 100);
      // Two days: 2 GiB from the functions, 3 GiB back.
      const { aws, calls } = metricsPort(region, {
        BytesInFromSource: [GIB, GIB],
        BytesInFromDestination: [1.5 * GIB, 1.5 * GIB],
        BytesOutToDestination: [99 * GIB],
      });
      const traffic = await measureTraffic(aws, state, world, {
        start: new Date(NOW.getTime() - 48 * HOUR),
        end: NOW,
      });
      expect(calls).toHaveLength(1);
      const metrics = calls[0]?.MetricDataQueries?.map((q) => [
        q.MetricStat?.Metric?.Namespace,
        q.MetricStat?.Metric?.MetricName,
        q.MetricStat?.Metric?.Dimensions,
        q.MetricStat?.Stat,
      ]);
      expect(metrics).toEqual([
        ['AWS/NATGateway', 'BytesInFromSource', [{ Name: 'NatGatewayId', Value: 'nat-0' }], 'Sum'],
        ['AWS/NATGateway', 'BytesInFromDestination', [{ Name: 'NatGatewayId', Value: 'nat-0' }], 'Sum'],
      ]);
      expect(traffic.processedGb).toBe(5);
      expect(traffic.nats[0]).toMatchObject({ outBytes: 2 * GIB, backBytes: 3 * GIB, perGbUsd: perGb });
      expect(traffic.usd).toBe(cents(5 * perGb));
      expect(traffic.days).toBe(2);
      const estimate = monthEstimate(region, state, traffic);
      expect(estimate).toMatchObject({
        hoursUsd: hours,
        processingUsd: processing,
        totalUsd: total,
        gbPerDay: 2.5,
      });
    });

  it('projects every NAT mode with the same zones and traffic, cross-zone traffic included', async () => {
    const { state, world } = stack('ap-northeast-1', ['ap-northeast-1a', 'ap-northeast-1c'], 100);
    const { aws } = metricsPort('ap-northeast-1', {
      BytesInFromSource: [2 * GIB],
      BytesInFromDestination: [3 * GIB],
    });
    const traffic = await measureTraffic(aws, state, world, {
      start: new Date(NOW.getTime() - 48 * HOUR),
      end: NOW,
    });
    const estimate = monthEstimate('ap-northeast-1', state, traffic);
    // One gateway for two zones: the second zone's 76.04 GB a month cross to it (0.01 USD/GB each way).
    expect(estimate).toMatchObject({
      hoursUsd: 48.91,
      processingUsd: 4.71,
      crossZoneUsd: 0.76,
      totalUsd: 54.39,
    });
    const projections = modeProjections('ap-northeast-1', state, estimate);
    expect(projections.map((p) => [p.natMode, p.monthlyUsd, p.differenceUsd, p.current])).toEqual([
      ['gateway', 54.39, 0, true],
      ['gateway-per-az', 102.53, 48.14, false],
      ['regional', 102.53, 48.14, false],
      ['instance', 12.77, -41.62, false],
    ]);
  });
});

describe('cost --actual: one Cost Explorer request', () => {
  it('spells the usage types as each region bills them: none in us-east-1 (and USE1-), a prefix elsewhere', () => {
    expect(usageTypes('us-east-1', 'NatGateway-Hours')).toEqual([
      'NatGateway-Hours',
      'USE1-NatGateway-Hours',
    ]);
    expect(usageTypes('ap-northeast-1', 'NatGateway-Hours')).toEqual(['APN1-NatGateway-Hours']);
    expect(usageTypes('eu-west-1', 'NatGateway-Bytes')).toEqual(['EU-NatGateway-Bytes']);
    expect(usageTypes('mars-1', 'NatGateway-Bytes')).toEqual([]);
    const tokyo = stack('ap-northeast-1', ['ap-northeast-1a'], 1).state;
    expect(stackUsageTypes('ap-northeast-1', tokyo)).toEqual([
      'APN1-NatGateway-Bytes',
      'APN1-NatGateway-Hours',
      'APN1-PublicIPv4:IdleAddress',
      'APN1-PublicIPv4:InUseAddress',
    ]);
    const regional = stack('us-east-1', ['us-east-1a', 'us-east-1b'], 1, 'regional').state;
    regional.resources = {};
    expect(stackUsageTypes('us-east-1', regional)).toEqual(
      expect.arrayContaining(['RegionalNatGateway-Hours', 'USE1-RegionalNatGateway-Hours']),
    );
    const instance = stack('ap-northeast-1', ['ap-northeast-1a'], 1, 'instance').state;
    instance.resources = {};
    expect(stackUsageTypes('ap-northeast-1', instance)).toEqual(
      expect.arrayContaining(['APN1-BoxUsage:t4g.nano', 'APN1-EBS:VolumeUsage.gp3']),
    );
  });

  function cePort(region: string, groups: Array<{ keys: [string, string]; usd: string }>) {
    const calls: GetCostAndUsageCommandInput[] = [];
    const aws = {
      region,
      ce: {
        GetCostAndUsage: (input: GetCostAndUsageCommandInput) => {
          calls.push(input);
          return Promise.resolve({
            ResultsByTime: [
              {
                Estimated: true,
                Groups: groups.map((g) => ({
                  Keys: g.keys,
                  Metrics: {
                    UnblendedCost: { Amount: g.usd, Unit: 'USD' },
                    UsageQuantity: { Amount: '1', Unit: 'Hrs' },
                  },
                })),
              },
            ],
          });
        },
      },
    } as unknown as AwsPort;
    return { aws, calls };
  }

  it('filters by the region and its usage types, groups by the stack tag, and counts only the stack when the tag is active', async () => {
    const { state } = stack('ap-northeast-1', ['ap-northeast-1a'], 50);
    const { aws, calls } = cePort('ap-northeast-1', [
      { keys: ['fixed-ip:stack$prod', 'APN1-NatGateway-Hours'], usd: '3.038' },
      { keys: ['fixed-ip:stack$prod', 'APN1-NatGateway-Bytes'], usd: '0.31' },
      { keys: ['fixed-ip:stack$other', 'APN1-NatGateway-Hours'], usd: '9.99' },
      { keys: ['fixed-ip:stack$', 'APN1-NatGateway-Hours'], usd: '5' },
    ]);
    const billed = await billedCost(aws, 'prod', state, {
      start: new Date('2026-12-02T11:50:00Z'),
      end: NOW,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      TimePeriod: { Start: '2026-12-02', End: '2026-12-05' },
      Filter: {
        And: [
          { Dimensions: { Key: 'REGION', Values: ['ap-northeast-1'] } },
          { Dimensions: { Key: 'USAGE_TYPE', Values: stackUsageTypes('ap-northeast-1', state) } },
        ],
      },
      GroupBy: [
        { Type: 'TAG', Key: 'fixed-ip:stack' },
        { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
      ],
    });
    expect(billed).toMatchObject({
      scope: 'stack',
      usd: 3.35,
      estimated: true,
      requests: 1,
      requestCostUsd: 0.01,
    });
    expect(billed.tagHint).toBeUndefined();
  });

  it('refuses, before any request, a region whose usage type spelling it does not know', async () => {
    const { state } = stack('me-south-1', ['me-south-1a'], 5);
    const { aws, calls } = cePort('me-south-1', []);
    await expect(billedCost(aws, 'prod', state, { start: NOW, end: NOW })).rejects.toThrow(
      /does not know how me-south-1's bills spell its usage types/,
    );
    expect(calls).toEqual([]);
  });

  it('counts the whole region, and says how to activate the tag, when no cost carries it', async () => {
    const { state } = stack('us-east-1', ['us-east-1a'], 50);
    const { aws } = cePort('us-east-1', [
      { keys: ['fixed-ip:stack$', 'NatGateway-Hours'], usd: '2.25' },
      { keys: ['fixed-ip:stack$', 'NatGateway-Bytes'], usd: '0.23' },
    ]);
    const billed = await billedCost(aws, 'prod', state, {
      start: new Date('2026-12-02T00:00:00Z'),
      end: NOW,
    });
    expect(billed).toMatchObject({ scope: 'region', usd: 2.48, tagHint: TAG_ACTIVATION_HINT });
    expect(billed.byUsageType.map((t) => t.usageType)).toEqual(['NatGateway-Bytes', 'NatGateway-Hours']);
  });
});

describe('cost --since', () => {
  it('takes a day or an ISO time in the past, and refuses anything else with one line', () => {
    expect(parseSince('2026-12-01', NOW).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parseSince('2026-12-03T09:30:00Z', NOW).toISOString()).toBe('2026-12-03T09:30:00.000Z');
    expect(() => parseSince('yesterday', NOW)).toThrow(/--since yesterday is not a date/);
    expect(() => parseSince('2026-13-01', NOW)).toThrow(/not a date/);
    expect(() => parseSince('2027-01-01', NOW)).toThrow(/not in the past/);
  });
});
