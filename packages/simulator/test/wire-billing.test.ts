import {
  BudgetsClient,
  CreateBudgetCommand,
  DeleteBudgetCommand,
  DescribeBudgetCommand,
  DescribeNotificationsForBudgetCommand,
  DuplicateRecordException,
  NotFoundException,
} from '@aws-sdk/client-budgets';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  InvalidParameterValueException,
  MissingRequiredParameterException,
  ValidationException,
} from '@aws-sdk/client-cloudwatch';
import {
  CostExplorerClient,
  CostExplorerServiceException,
  GetCostAndUsageCommand,
  InvalidNextTokenException,
} from '@aws-sdk/client-cost-explorer';
import { describe, expect, it } from 'vitest';
import { attachSimulatorWire } from '../src/index.js';
import { GIB, HOUR, natGatewayStack } from './billing-layout.js';
import { awsError, MINUTE } from './support.js';

const credentials = { accessKeyId: 'SIM', secretAccessKey: 'SIM' };

describe('attachSimulatorWire: CloudWatch (JSON 1.0, query-compatible), Cost Explorer and Budgets (JSON 1.1)', () => {
  it('CloudWatch: the SDK parses GetMetricData’s timestamps and values, and builds the exception each query code names', async () => {
    const { sim, clock, natId, privateSubnet } = await natGatewayStack();
    const cloudwatch = new CloudWatchClient({ region: 'ap-northeast-1', credentials, maxAttempts: 1 });
    attachSimulatorWire(cloudwatch, 'cloudwatch', sim);
    clock.advance(MINUTE);
    const start = new Date(clock.now());
    sim.sendTraffic({ subnetId: privateSubnet, bytesOut: GIB, bytesBack: 2 * GIB });
    clock.advance(HOUR);
    const query = {
      Id: 'back',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/NATGateway',
          MetricName: 'BytesInFromDestination',
          Dimensions: [{ Name: 'NatGatewayId', Value: natId }],
        },
        Period: 3600,
        Stat: 'Sum',
      },
    };
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [query],
        StartTime: start,
        EndTime: new Date(clock.now()),
      }),
    );
    expect(out.MetricDataResults).toEqual([
      {
        Id: 'back',
        Label: 'BytesInFromDestination',
        Timestamps: [start],
        Values: [2 * GIB],
        StatusCode: 'Complete',
        Messages: [],
      },
    ]);

    const window = { StartTime: start, EndTime: new Date(clock.now()) };
    const missing = await awsError(
      cloudwatch.send(new GetMetricDataCommand({ ...window, MetricDataQueries: [] })),
    );
    expect(missing).toBeInstanceOf(MissingRequiredParameterException);
    expect(missing).toMatchObject({ Code: 'MissingParameter', $metadata: { httpStatusCode: 400 } });
    const badId = await awsError(
      cloudwatch.send(new GetMetricDataCommand({ ...window, MetricDataQueries: [{ ...query, Id: 'Back' }] })),
    );
    expect(badId).toBeInstanceOf(ValidationException);
    expect(badId).toMatchObject({ Code: 'ValidationError' });
    expect(badId.message).toContain('MetricDataQueries.member.1.Id');
    const math = await awsError(
      cloudwatch.send(
        new GetMetricDataCommand({
          ...window,
          MetricDataQueries: [query, { Id: 'twice', Expression: 'back * 2' }],
        }),
      ),
    );
    expect(math).toBeInstanceOf(InvalidParameterValueException);
    // The same error through the middleware transport: one name and one code on both paths.
    const direct = await awsError(
      sim.handle('cloudwatch', 'GetMetricData', { ...window, MetricDataQueries: [{ ...query, Id: 'Back' }] }),
    );
    expect(direct).toBeInstanceOf(ValidationException);
    expect(direct).toMatchObject({ name: badId.name, Code: 'ValidationError' });
  });

  it("CloudWatch: throttling is the SDK's to retry", async () => {
    const { sim, clock, natId } = await natGatewayStack();
    const cloudwatch = new CloudWatchClient({ region: 'ap-northeast-1', credentials, maxAttempts: 2 });
    attachSimulatorWire(cloudwatch, 'cloudwatch', sim);
    sim.inject({ kind: 'reject', operation: 'GetMetricData', error: 'throttle' });
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          {
            Id: 'q',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/NATGateway',
                MetricName: 'BytesInFromSource',
                Dimensions: [{ Name: 'NatGatewayId', Value: natId }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
        StartTime: new Date(clock.now() - HOUR),
        EndTime: new Date(clock.now()),
      }),
    );
    expect(out.$metadata.attempts).toBe(2);
  });

  it("Cost Explorer: the SDK parses GetCostAndUsage's groups and amounts, and its ValidationException", async () => {
    const { sim, clock } = await natGatewayStack();
    clock.advance(10 * HOUR);
    const ce = new CostExplorerClient({ region: 'us-east-1', credentials, maxAttempts: 1 });
    attachSimulatorWire(ce, 'ce', sim);
    const out = await ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-01-01', End: '2026-01-02' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
        GroupBy: [{ Type: 'TAG', Key: 'fixed-ip:stack' }],
      }),
    );
    expect(out.GroupDefinitions).toEqual([{ Type: 'TAG', Key: 'fixed-ip:stack' }]);
    expect(out.ResultsByTime?.[0]?.Groups).toEqual([
      { Keys: ['fixed-ip:stack$'], Metrics: { UnblendedCost: { Amount: '0.67', Unit: 'USD' } } },
    ]);
    expect(out.DimensionValueAttributes).toEqual([]);
    const invalid = await awsError(
      ce.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: '2026-01-02', End: '2026-01-01' },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
        }),
      ),
    );
    expect(invalid).toBeInstanceOf(CostExplorerServiceException);
    expect(invalid).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    const token = await awsError(
      ce.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: '2026-01-01', End: '2026-01-02' },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
          NextPageToken: 'nope',
        }),
      ),
    );
    expect(token).toBeInstanceOf(InvalidNextTokenException);
  });

  it('Budgets: a budget round-trips through the SDK (its period as dates), with its modelled exceptions', async () => {
    const { sim } = await natGatewayStack();
    const budgets = new BudgetsClient({ region: 'us-east-1', credentials, maxAttempts: 1 });
    attachSimulatorWire(budgets, 'budgets', sim);
    const AccountId = sim.accountId;
    const Budget = {
      BudgetName: 'fixed-ip-prod-ap-northeast-1',
      BudgetLimit: { Amount: '60.00', Unit: 'USD' },
      TimeUnit: 'MONTHLY' as const,
      BudgetType: 'COST' as const,
      CostFilters: { Region: ['ap-northeast-1'] },
    };
    await budgets.send(
      new CreateBudgetCommand({
        AccountId,
        Budget,
        NotificationsWithSubscribers: [
          {
            Notification: {
              NotificationType: 'ACTUAL',
              ComparisonOperator: 'GREATER_THAN',
              Threshold: 80,
              ThresholdType: 'PERCENTAGE',
            },
            Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'ops@example.com' }],
          },
        ],
      }),
    );
    const described = await budgets.send(
      new DescribeBudgetCommand({ AccountId, BudgetName: Budget.BudgetName }),
    );
    expect(described.Budget).toMatchObject({
      ...Budget,
      TimePeriod: { Start: new Date(Date.UTC(2026, 0, 1)) },
    });
    expect(described.Budget?.LastUpdatedTime).toBeInstanceOf(Date);
    const notifications = await budgets.send(
      new DescribeNotificationsForBudgetCommand({ AccountId, BudgetName: Budget.BudgetName }),
    );
    expect(notifications.Notifications?.[0]).toMatchObject({ Threshold: 80, NotificationState: 'OK' });
    const duplicate = await awsError(budgets.send(new CreateBudgetCommand({ AccountId, Budget })));
    expect(duplicate).toBeInstanceOf(DuplicateRecordException);
    expect(duplicate.message).toContain('the budget already exists');
    await budgets.send(new DeleteBudgetCommand({ AccountId, BudgetName: Budget.BudgetName }));
    const gone = await awsError(
      budgets.send(new DescribeBudgetCommand({ AccountId, BudgetName: Budget.BudgetName })),
    );
    expect(gone).toBeInstanceOf(NotFoundException);
    expect(gone.$metadata?.httpStatusCode).toBe(404);
  });
});
