import { describe, expect, it } from 'vitest';
import { AwsSimulator, VirtualClock } from '../src/index.js';
import { HOUR, natGatewayStack } from './billing-layout.js';
import { awsError, client, expectAwsError, newSim } from './support.js';

const ACCOUNT = '123456789012';
const TOPIC = `arn:aws:sns:ap-northeast-1:${ACCOUNT}:alerts`;

const budget = (extra: Record<string, unknown> = {}) => ({
  BudgetName: 'fixed-ip-prod-ap-northeast-1',
  BudgetLimit: { Amount: '60.00', Unit: 'USD' },
  TimeUnit: 'MONTHLY',
  BudgetType: 'COST',
  CostFilters: {
    Region: ['ap-northeast-1'],
    UsageType: ['APN1-NatGateway-Hours', 'APN1-PublicIPv4:InUseAddress'],
  },
  ...extra,
});

const alert = (NotificationType: string, Threshold: number, Subscribers: object[]) => ({
  Notification: {
    NotificationType,
    ComparisonOperator: 'GREATER_THAN',
    Threshold,
    ThresholdType: 'PERCENTAGE',
  },
  Subscribers,
});
const email = (Address: string) => ({ SubscriptionType: 'EMAIL', Address });
const sns = (Address: string) => ({ SubscriptionType: 'SNS', Address });

function budgetsOf(sim: AwsSimulator) {
  const call = client(sim, 'budgets');
  return {
    call,
    create: (extra: Record<string, unknown> = {}) =>
      call('CreateBudget', { AccountId: ACCOUNT, Budget: budget(), ...extra }),
    describe: (name = 'fixed-ip-prod-ap-northeast-1') =>
      call('DescribeBudget', { AccountId: ACCOUNT, BudgetName: name }),
  };
}

describe('AWS Budgets', () => {
  it('round-trips a budget with its alerts: described with AWS’s defaults, its notifications and subscribers listed, updated, deleted with them', async () => {
    const { sim, clock } = newSim();
    const { call, create, describe } = budgetsOf(sim);
    clock.advance(14 * 24 * HOUR); // 2026-01-15
    await create({
      NotificationsWithSubscribers: [
        alert('ACTUAL', 80, [email('ops@example.com'), sns(TOPIC)]),
        alert('FORECASTED', 100, [email('ops@example.com')]),
      ],
      ResourceTags: [{ Key: 'fixed-ip:stack', Value: 'prod' }],
    });
    expect(sim.calls.at(-1)).toMatchObject({ operation: 'CreateBudget', mutated: true });
    const { Budget } = await describe();
    expect(Budget).toEqual({
      BudgetName: 'fixed-ip-prod-ap-northeast-1',
      BudgetLimit: { Amount: '60.00', Unit: 'USD' },
      CostFilters: {
        Region: ['ap-northeast-1'],
        UsageType: ['APN1-NatGateway-Hours', 'APN1-PublicIPv4:InUseAddress'],
      },
      CostTypes: expect.objectContaining({ IncludeTax: true, UseBlended: false }),
      TimeUnit: 'MONTHLY',
      TimePeriod: { Start: new Date(Date.UTC(2026, 0, 1)), End: new Date(Date.UTC(2087, 5, 15)) },
      CalculatedSpend: { ActualSpend: { Amount: '0', Unit: 'USD' } },
      BudgetType: 'COST',
      LastUpdatedTime: new Date(clock.now()),
    });
    const name = { AccountId: ACCOUNT, BudgetName: 'fixed-ip-prod-ap-northeast-1' };
    const { Notifications } = await call('DescribeNotificationsForBudget', name);
    expect(Notifications).toEqual([
      {
        NotificationType: 'ACTUAL',
        ComparisonOperator: 'GREATER_THAN',
        Threshold: 80,
        ThresholdType: 'PERCENTAGE',
        NotificationState: 'OK',
      },
      {
        NotificationType: 'FORECASTED',
        ComparisonOperator: 'GREATER_THAN',
        Threshold: 100,
        ThresholdType: 'PERCENTAGE',
        NotificationState: 'OK',
      },
    ]);
    const subscribers = await call('DescribeSubscribersForNotification', {
      ...name,
      Notification: alert('ACTUAL', 80, []).Notification,
    });
    expect(subscribers.Subscribers).toEqual([email('ops@example.com'), sns(TOPIC)]);
    await expectAwsError(
      call('DescribeSubscribersForNotification', {
        ...name,
        Notification: alert('ACTUAL', 90, []).Notification,
      }),
      'NotFoundException',
    );

    await call('UpdateBudget', {
      AccountId: ACCOUNT,
      NewBudget: budget({ BudgetLimit: { Amount: '80.00', Unit: 'USD' } }),
    });
    expect((await describe()).Budget.BudgetLimit).toEqual({ Amount: '80.00', Unit: 'USD' });
    // UpdateBudget replaces the definition, not the notifications.
    expect((await call('DescribeNotificationsForBudget', name)).Notifications).toHaveLength(2);

    await call('DeleteBudget', name);
    await expectAwsError(
      describe(),
      'NotFoundException',
      "Unable to get budget: fixed-ip-prod-ap-northeast-1 - the budget doesn't exist.",
    );
    await expectAwsError(call('DescribeNotificationsForBudget', name), 'NotFoundException');
    await expectAwsError(call('DeleteBudget', name), 'NotFoundException');
    await expectAwsError(
      call('UpdateBudget', { AccountId: ACCOUNT, NewBudget: budget() }),
      'NotFoundException',
    );
  });

  it('refuses a second budget with a name taken: DuplicateRecordException, the first unchanged', async () => {
    const { sim } = newSim();
    const { create, describe } = budgetsOf(sim);
    await create();
    const error = await awsError(create({ Budget: budget({ BudgetLimit: { Amount: '5', Unit: 'USD' } }) }));
    expect(error).toMatchObject({
      name: 'DuplicateRecordException',
      message: 'Error creating budget: fixed-ip-prod-ap-northeast-1 - the budget already exists.',
      $metadata: { httpStatusCode: 409 },
    });
    expect((await describe()).Budget.BudgetLimit.Amount).toBe('60.00');
  });

  it('answers only for the caller’s account: a malformed id is InvalidParameterException, another account’s AccessDeniedException', async () => {
    const { sim } = newSim();
    const { create } = budgetsOf(sim);
    await expectAwsError(create({ AccountId: '12345' }), 'InvalidParameterException', /accountId/);
    await expectAwsError(
      create({ AccountId: '210987654321' }),
      'AccessDeniedException',
      /arn:aws:budgets::210987654321:budget\//,
    );
  });

  it('a name of 1 to 100 characters without : or \\', async () => {
    const { sim } = newSim();
    const { create } = budgetsOf(sim);
    for (const BudgetName of ['', 'a'.repeat(101), 'stack:prod', 'stack\\prod'])
      await expectAwsError(
        create({ Budget: budget({ BudgetName }) }),
        'InvalidParameterException',
        /budgetName/,
      );
    await create({ Budget: budget({ BudgetName: 'a'.repeat(100) }) });
  });

  it('a limit in USD with a positive decimal amount', async () => {
    const { sim } = newSim();
    const { create } = budgetsOf(sim);
    for (const BudgetLimit of [
      { Amount: '0', Unit: 'USD' },
      { Amount: '-5', Unit: 'USD' },
      { Amount: 'sixty', Unit: 'USD' },
      { Amount: '60', Unit: 'EUR' },
      undefined,
    ])
      await expectAwsError(create({ Budget: budget({ BudgetLimit }) }), 'InvalidParameterException');
    await create({ Budget: budget({ BudgetLimit: { Amount: '0.5', Unit: 'USD' } }) });
  });

  it('TimeUnit and BudgetType as AWS names them (the simulator models COST budgets)', async () => {
    const { sim } = newSim();
    const { create } = budgetsOf(sim);
    await expectAwsError(
      create({ Budget: budget({ TimeUnit: 'WEEKLY' }) }),
      'InvalidParameterException',
      /TimeUnit/,
    );
    await expectAwsError(
      create({ Budget: budget({ BudgetType: 'MONEY' }) }),
      'InvalidParameterException',
      /BudgetType/,
    );
    await expectAwsError(
      create({ Budget: budget({ BudgetType: 'USAGE' }) }),
      'InvalidParameterException',
      /COST budgets only/,
    );
  });

  it('cost filters with known keys (Region, UsageType, TagKeyValue…), each with values', async () => {
    const { sim } = newSim();
    const { create } = budgetsOf(sim);
    await expectAwsError(
      create({ Budget: budget({ CostFilters: { Colour: ['blue'] } }) }),
      'InvalidParameterException',
      /Colour/,
    );
    await expectAwsError(
      create({ Budget: budget({ CostFilters: { Region: [] } }) }),
      'InvalidParameterException',
    );
    await expectAwsError(
      create({ Budget: budget({ CostFilters: { TagKeyValue: ['fixed-ip:stack'] } }) }),
      'InvalidParameterException',
      /user:<key>\$<value>/,
    );
    await create({ Budget: budget({ CostFilters: { TagKeyValue: ['user:fixed-ip:stack$prod'] } }) });
  });

  it('at most 5 notifications, each with a threshold above 0, known types, and 1 to 10 email subscribers and at most one SNS topic', async () => {
    const { sim } = newSim();
    const { create } = budgetsOf(sim);
    const ops = [email('ops@example.com')];
    const refused = (NotificationsWithSubscribers: object[], pattern?: RegExp) =>
      expectAwsError(create({ NotificationsWithSubscribers }), 'InvalidParameterException', pattern);
    await refused(
      Array.from({ length: 6 }, (_, i) => alert('ACTUAL', 10 + i, ops)),
      /at most 5 notifications/,
    );
    await refused([alert('ACTUAL', 0, ops)], /threshold/);
    await refused([alert('ACTUAL', -1, ops)], /threshold/);
    await refused([alert('SOMEDAY', 80, ops)], /NotificationType/);
    await refused(
      [
        {
          ...alert('ACTUAL', 80, ops),
          Notification: { ...alert('ACTUAL', 80, ops).Notification, ComparisonOperator: 'ABOVE' },
        },
      ],
      /ComparisonOperator/,
    );
    await refused(
      [
        {
          ...alert('ACTUAL', 80, ops),
          Notification: { ...alert('ACTUAL', 80, ops).Notification, ThresholdType: 'RATIO' },
        },
      ],
      /ThresholdType/,
    );
    await refused([alert('ACTUAL', 80, [])], /at least one subscriber/);
    await refused(
      [
        alert(
          'ACTUAL',
          80,
          Array.from({ length: 11 }, (_, i) => email(`ops${i}@example.com`)),
        ),
      ],
      /10 email/,
    );
    await refused([alert('ACTUAL', 80, [sns(TOPIC), sns(`${TOPIC}-2`)])], /one SNS/);
    await refused([alert('ACTUAL', 80, [email('not an address')])], /email address/);
    await refused([alert('ACTUAL', 80, [sns('alerts')])], /SNS topic ARN/);
    await refused([alert('ACTUAL', 80, [{ SubscriptionType: 'SMS', Address: '+81' }])], /SubscriptionType/);
    await expectAwsError(
      create({ NotificationsWithSubscribers: [alert('ACTUAL', 80, ops), alert('ACTUAL', 80, ops)] }),
      'DuplicateRecordException',
    );
    await create({
      NotificationsWithSubscribers: [
        alert('ACTUAL', 80, [
          ...Array.from({ length: 10 }, (_, i) => email(`ops${i}@example.com`)),
          sns(TOPIC),
        ]),
        ...Array.from({ length: 4 }, (_, i) => alert('FORECASTED', 100 + i, ops)),
      ],
    });
  });

  it("a budget's actual spend is the month's bill through its cost filters", async () => {
    const { sim, clock } = await natGatewayStack();
    clock.advance(10 * HOUR);
    const { create, describe } = budgetsOf(sim);
    await create({
      Budget: budget({ CostFilters: { Region: ['ap-northeast-1'], UsageType: ['APN1-NatGateway-Hours'] } }),
    });
    expect((await describe()).Budget.CalculatedSpend.ActualSpend).toEqual({ Amount: '0.62', Unit: 'USD' });
    await create({
      Budget: budget({ BudgetName: 'wrong-form', CostFilters: { UsageType: ['NatGateway-Hours'] } }),
    });
    expect((await describe('wrong-form')).Budget.CalculatedSpend.ActualSpend.Amount).toBe('0');
    // A tag filter counts only the usage since the key was activated.
    sim.activateCostAllocationTag('fixed-ip:stack');
    clock.advance(HOUR);
    await create({
      Budget: budget({ BudgetName: 'tagged', CostFilters: { TagKeyValue: ['user:fixed-ip:stack$prod'] } }),
    });
    expect((await describe('tagged')).Budget.CalculatedSpend.ActualSpend.Amount).toBe('0.067');
  });

  it('is authorized as budgets:ModifyBudget to change and budgets:ViewBudget to read, on the budget’s ARN', async () => {
    const { sim } = newSim();
    const { call, create, describe } = budgetsOf(sim);
    await create();
    sim.useCallerPolicy({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'budgets:ViewBudget',
          Resource: `arn:aws:budgets::${ACCOUNT}:budget/fixed-ip-*`,
        },
      ],
    });
    await expect(describe()).resolves.toMatchObject({
      Budget: { BudgetName: 'fixed-ip-prod-ap-northeast-1' },
    });
    await expectAwsError(
      call('DeleteBudget', { AccountId: ACCOUNT, BudgetName: 'fixed-ip-prod-ap-northeast-1' }),
      'AccessDeniedException',
      /budgets:ModifyBudget/,
    );
    await expectAwsError(describe('someone-else'), 'AccessDeniedException', /budgets:ViewBudget/);
    sim.useCallerPolicy(undefined);
    sim.inject({ kind: 'deny', action: 'budgets:ModifyBudget' });
    await expectAwsError(
      create({ Budget: budget({ BudgetName: 'fixed-ip-other' }) }),
      'AccessDeniedException',
    );
    await expect(describe()).resolves.toBeDefined();
  });

  it('keeps its budgets with the account (toJSON/fromJSON) and in its snapshot', async () => {
    const { sim, clock } = newSim();
    const { create } = budgetsOf(sim);
    await create({ NotificationsWithSubscribers: [alert('ACTUAL', 80, [email('ops@example.com')])] });
    const loaded = AwsSimulator.fromJSON(JSON.parse(JSON.stringify(sim.toJSON())), {
      clock: new VirtualClock({ start: clock.now() }),
    });
    expect((await budgetsOf(loaded).describe()).Budget.BudgetLimit.Amount).toBe('60.00');
    expect(loaded.snapshot()).toMatchObject({
      budgets: [
        {
          name: 'fixed-ip-prod-ap-northeast-1',
          limit: { Amount: '60.00', Unit: 'USD' },
          notifications: [expect.objectContaining({ Threshold: 80, subscribers: ['ops@example.com'] })],
        },
      ],
    });
  });
});
