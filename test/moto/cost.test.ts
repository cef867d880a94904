import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { BudgetsClient, DescribeBudgetsCommand } from '@aws-sdk/client-budgets';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ok, seedFunction, startAccount, type MotoAccount } from './harness.js';

/**
 * `fixed-ip cost` against moto: two days of NAT traffic seeded into CloudWatch (2 GiB from the
 * functions, 3 GiB back) and a Cost Explorer answer injected through moto's own endpoint; every
 * figure `cost --json` prints is checked to the cent, in us-east-1 and in ap-northeast-1. And the
 * budget (`--budget`) is made by setup and removed by teardown.
 */

const TESTING = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const GIB = 2 ** 30;
const HOUR = 3_600_000;

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

/** What each region's figures must be: its usage type prefix and every figure, to the cent. */
const REGIONS = [
  {
    region: 'us-east-1',
    prefix: '',
    hoursUsd: 0.05,
    processingUsd: 0.23,
    monthly: { hoursUsd: 36.5, processingUsd: 3.42, crossZoneUsd: 0.76, totalUsd: 40.68 },
    projections: [
      ['gateway', 40.68, 0],
      ['gateway-per-az', 76.42, 35.74],
      ['regional', 76.42, 35.74],
      ['instance', 11.77, -28.91],
    ],
    billed: { hours: '2.16', bytes: '0.23', usd: 2.39 },
  },
  {
    region: 'ap-northeast-1',
    prefix: 'APN1-',
    hoursUsd: 0.06,
    processingUsd: 0.31,
    monthly: { hoursUsd: 48.91, processingUsd: 4.71, crossZoneUsd: 0.76, totalUsd: 54.39 },
    projections: [
      ['gateway', 54.39, 0],
      ['gateway-per-az', 102.53, 48.14],
      ['regional', 102.53, 48.14],
      ['instance', 12.77, -41.62],
    ],
    billed: { hours: '2.98', bytes: '0.31', usd: 3.29 },
  },
] as const;

async function defaultVpcIn(region: string): Promise<string> {
  const ec2 = new EC2Client({ region, endpoint: account.moto.endpoint, credentials: TESTING });
  const out = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
  );
  return out.Vpcs![0].VpcId!;
}

/** Two days of traffic through the gateway: 1 GiB out and 1.5 GiB back each day. */
async function seedTraffic(region: string, natId: string, now: number): Promise<void> {
  const cloudwatch = new CloudWatchClient({ region, endpoint: account.moto.endpoint, credentials: TESTING });
  for (const hoursAgo of [36, 12])
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/NATGateway',
        MetricData: [
          ['BytesInFromSource', GIB],
          ['BytesInFromDestination', 1.5 * GIB],
          // Not processing: what left for the internet (what the functions sent), counted once above.
          ['BytesOutToDestination', GIB],
        ].map(([name, value]) => ({
          MetricName: name as string,
          Dimensions: [{ Name: 'NatGatewayId', Value: natId }],
          Timestamp: new Date(now - hoursAgo * HOUR),
          Value: value as number,
          Unit: 'Bytes',
        })),
      }),
    );
}

/** Cost Explorer's answer, as AWS would give it for this stack (moto returns what it is given). */
async function seedBill(prefix: string, billed: { hours: string; bytes: string }): Promise<void> {
  const group = (tag: string, usageType: string, usd: string) => ({
    Keys: [`fixed-ip:stack$${tag}`, `${prefix}${usageType}`],
    Metrics: { UnblendedCost: { Amount: usd, Unit: 'USD' }, UsageQuantity: { Amount: '1', Unit: 'N/A' } },
  });
  const response = await fetch(`${account.moto.endpoint}/moto-api/static/ce/cost-and-usage-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      results: [
        {
          ResultsByTime: [
            {
              TimePeriod: { Start: '2026-12-01', End: '2027-01-01' },
              Estimated: true,
              Groups: [
                group('default', 'NatGateway-Hours', billed.hours),
                group('default', 'NatGateway-Bytes', billed.bytes),
                // Another stack's and an untagged gateway's: never this stack's figure.
                group('other', 'NatGateway-Hours', '7.00'),
                group('', 'NatGateway-Hours', '5.00'),
              ],
            },
          ],
        },
      ],
    }),
  });
  expect(response.ok).toBe(true);
}

interface CostJson {
  hoursUsd: number;
  soFarUsd: number;
  traffic: {
    processedGb: number;
    usd: number;
    days: number;
    nats: Array<{ outBytes: number; backBytes: number }>;
  };
  estimate: {
    hoursUsd: number;
    processingUsd: number;
    crossZoneUsd: number;
    totalUsd: number;
    gbPerDay: number;
  };
  projections: Array<{ natMode: string; monthlyUsd: number; differenceUsd: number }>;
  savings: Array<{ setting: string; upToUsd: number; upToMonthlyUsd: number }>;
  actual: { source: string; scope: string; usd: number; requests: number; requestCostUsd: number };
}

describe('fixed-ip cost against moto', () => {
  for (const expected of REGIONS)
    it(`${expected.region}: the processed GB, the month, each mode, the bill and the free cure, to the cent; the budget comes and goes with the stack`, async () => {
      const { region } = expected;
      await seedFunction(account, 'orders-api', region);
      const vpc = await defaultVpcIn(region);
      ok(
        await account.cli(
          'setup',
          '--function',
          'orders-api',
          '--vpc',
          vpc,
          '--region',
          region,
          '--budget',
          '60',
          '--budget-notify',
          'ops@example.com',
          '--yes',
        ),
      );
      const status = JSON.parse(ok(await account.cli('status', '--json', '--region', region)).stdout) as {
        natGateway: { id: string };
        costSoFarUsd: number;
      };
      const now = Date.now();
      await seedTraffic(region, status.natGateway.id, now);
      await seedBill(expected.prefix, expected.billed);

      account.bridge.calls.length = 0;
      const since = new Date(now - 48 * HOUR).toISOString();
      const run = ok(await account.cli('cost', '--json', '--actual', '--since', since, '--region', region));
      const report = JSON.parse(run.stdout) as CostJson;
      expect(report.traffic.processedGb).toBe(5);
      expect(report.traffic.nats[0]).toMatchObject({ outBytes: 2 * GIB, backBytes: 3 * GIB });
      expect(report.traffic.days).toBe(2);
      expect(report.traffic.usd).toBe(expected.processingUsd);
      expect(report.hoursUsd).toBe(expected.hoursUsd);
      expect(report.soFarUsd).toBe(Math.round((expected.hoursUsd + expected.processingUsd) * 100) / 100);
      expect(report.estimate).toMatchObject({ ...expected.monthly, gbPerDay: 2.5 });
      expect(report.projections.map((p) => [p.natMode, p.monthlyUsd, p.differenceUsd])).toEqual(
        expected.projections,
      );
      expect(report.actual).toMatchObject({
        source: 'Cost Explorer',
        scope: 'stack',
        usd: expected.billed.usd,
        requests: 1,
        requestCostUsd: 0.01,
      });
      // The request named this region's usage types, spelled as its bills spell them.
      const ce = account.bridge.calls.filter((c) => c.action === 'GetCostAndUsage');
      expect(ce).toHaveLength(1);
      const request = JSON.parse(ce[0]?.body ?? '{}') as {
        Filter: { And: Array<{ Dimensions: { Key: string; Values: string[] } }> };
      };
      const types = request.Filter.And.find((f) => f.Dimensions.Key === 'USAGE_TYPE')?.Dimensions.Values;
      expect(types).toContain(`${expected.prefix}NatGateway-Hours`);
      expect(types).toContain(`${expected.prefix}NatGateway-Bytes`);
      expect(types?.every((t) => t.startsWith(expected.prefix) || t.startsWith('USE1-'))).toBe(true);
      expect(account.bridge.mutating()).toEqual([]);
      // No gateway endpoint: the free cure is named, worth at most the whole processing charge.
      expect(report.savings).toEqual([
        {
          setting: '--endpoints s3,dynamodb',
          upToUsd: expected.processingUsd,
          upToMonthlyUsd: expected.monthly.processingUsd,
          caveat: expect.stringContaining('aws:SourceIp'),
        },
      ]);
      const text = ok(await account.cli('cost', '--since', since, '--region', region)).stdout;
      expect(text).toMatch(/Free cure: --endpoints s3,dynamodb would have saved up to/);

      // With the endpoints, nothing more to save.
      ok(await account.cli('setup', '--endpoints', 's3,dynamodb', '--region', region, '--yes'));
      const after = JSON.parse(
        ok(await account.cli('cost', '--json', '--since', since, '--region', region)).stdout,
      ) as CostJson;
      expect(after.savings).toEqual([]);

      const budgets = new BudgetsClient({
        region: 'us-east-1',
        endpoint: account.moto.endpoint,
        credentials: TESTING,
      });
      const listed = await budgets.send(new DescribeBudgetsCommand({ AccountId: '123456789012' }));
      expect(listed.Budgets?.map((b) => [b.BudgetName, b.BudgetLimit?.Amount])).toEqual([
        [`fixed-ip-default-${region}`, '60.00'],
      ]);
      ok(await account.cli('teardown', '--yes', '--region', region));
      const gone = await budgets.send(new DescribeBudgetsCommand({ AccountId: '123456789012' }));
      expect(gone.Budgets ?? []).toEqual([]);
    });
});
