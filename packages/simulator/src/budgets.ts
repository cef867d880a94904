/**
 * AWS Budgets: the account's cost budgets (one name space for every region), with their
 * notifications and subscribers. CreateBudget checks what AWS checks (the caller's own account id;
 * a name of 1-100 characters without `:` or `\`; a positive USD limit; known cost filter keys; at
 * most 5 notifications, each with a positive threshold and 1 to 10 email subscribers plus at most
 * one SNS topic) and refuses a name taken (DuplicateRecordException); the others say
 * NotFoundException for a budget that does not exist. A budget's actual spend is the account's
 * bill (billing.ts) over its current period, through its cost filters. IAM: `budgets:ModifyBudget`
 * to create, update and delete, `budgets:ViewBudget` to describe, on the budget's ARN.
 */
import { type UsageItem, usageBetween } from './billing.js';
import type { SimContext } from './context.js';
import { amountText } from './cost-explorer.js';
import { budgetsError, callerArn } from './errors.js';
import type { AuthRequest } from './policy.js';

interface Spend {
  Amount: string;
  Unit: string;
}

interface NotificationShape {
  NotificationType: string;
  ComparisonOperator: string;
  Threshold: number;
  ThresholdType: string;
}

interface SubscriberShape {
  SubscriptionType: string;
  Address: string;
}

export interface BudgetRecord {
  name: string;
  limit: Spend;
  timeUnit: string;
  budgetType: string;
  costFilters: Record<string, string[]>;
  costTypes: Record<string, boolean>;
  /** ms */
  periodStart: number;
  periodEnd: number;
  updatedAt: number;
  notifications: Array<{ notification: NotificationShape; subscribers: SubscriberShape[] }>;
  tags: Array<{ Key: string; Value: string }>;
}

// The account keeps its budgets here (absent until one is made).
declare module './model.js' {
  interface AccountState {
    budgets?: Record<string, BudgetRecord>;
  }
}

interface BudgetInput {
  BudgetName?: string;
  BudgetLimit?: { Amount?: string; Unit?: string };
  TimeUnit?: string;
  BudgetType?: string;
  CostFilters?: Record<string, string[]>;
  CostTypes?: Record<string, boolean>;
  TimePeriod?: { Start?: Date; End?: Date };
}

interface NotificationInput {
  NotificationType?: string;
  ComparisonOperator?: string;
  Threshold?: number;
  ThresholdType?: string;
}

interface Input {
  AccountId?: string;
  BudgetName?: string;
  Budget?: BudgetInput;
  NewBudget?: BudgetInput;
  NotificationsWithSubscribers?: Array<{ Notification?: NotificationInput; Subscribers?: SubscriberShape[] }>;
  ResourceTags?: Array<{ Key?: string; Value?: string }>;
  Notification?: NotificationInput;
  MaxResults?: number;
  NextToken?: string;
}

const NAME = /^[^:\\]{1,100}$/;
const AMOUNT = /^([0-9]+\.?[0-9]*|\.[0-9]+)$/;
const EMAIL = /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/;
const SNS_TOPIC = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const TIME_UNITS = ['DAILY', 'MONTHLY', 'QUARTERLY', 'ANNUALLY', 'CUSTOM'];
const BUDGET_TYPES = [
  'USAGE',
  'COST',
  'RI_UTILIZATION',
  'RI_COVERAGE',
  'SAVINGS_PLANS_UTILIZATION',
  'SAVINGS_PLANS_COVERAGE',
];
const COST_FILTER_KEYS = [
  'AZ',
  'BillingEntity',
  'CostCategory',
  'InstanceType',
  'InvoicingEntity',
  'LegalEntityName',
  'LinkedAccount',
  'Operation',
  'PurchaseType',
  'RecordType',
  'Region',
  'Service',
  'TagKeyValue',
  'UsageType',
  'UsageTypeGroup',
];
const MAX_NOTIFICATIONS = 5;
const MAX_EMAIL_SUBSCRIBERS = 10;
const MAX_TAGS = 200;
/** The API's bound on a threshold. */
const MAX_THRESHOLD = 15_000_000_000_000;
/** Where AWS ends a budget that was given no end: 2087-06-15. */
const NO_END = Date.UTC(2087, 5, 15);
/** What AWS fills in for the cost types not given. */
const DEFAULT_COST_TYPES: Record<string, boolean> = {
  IncludeTax: true,
  IncludeSubscription: true,
  UseBlended: false,
  IncludeRefund: false,
  IncludeCredit: false,
  IncludeUpfront: true,
  IncludeRecurring: true,
  IncludeOtherSubscription: true,
  IncludeSupport: true,
  IncludeDiscount: true,
  UseAmortized: false,
};

const invalid = (message: string) => budgetsError('InvalidParameterException', message);

const budgetsOf = (ctx: SimContext): Readonly<Record<string, BudgetRecord>> => ctx.state.budgets ?? {};

export const budgetArn = (account: string, name: string): string =>
  `arn:aws:budgets::${account}:budget/${name}`;

const nameOf = (input: Input): string =>
  input.BudgetName ?? input.Budget?.BudgetName ?? input.NewBudget?.BudgetName ?? '';

/** Budgets answers only for the caller's own account: any other is access denied. */
function checkAccount(ctx: SimContext, input: Input, action: string): void {
  const account = input.AccountId;
  if (account === undefined || !/^\d{12}$/.test(account))
    throw invalid(
      `1 validation error detected: Value '${String(account)}' at 'accountId' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}`,
    );
  if (account !== ctx.state.accountId)
    throw budgetsError(
      'AccessDeniedException',
      `User: ${callerArn(ctx.state.accountId)} is not authorized to perform: ${action} on resource: ${budgetArn(account, nameOf(input))}`,
    );
}

function checkName(name: string | undefined): string {
  if (name === undefined || !NAME.test(name))
    throw invalid(
      `1 validation error detected: Value '${String(name)}' at 'budgetName' failed to satisfy constraint: Member must have length between 1 and 100 and must not contain ':' or '\\'`,
    );
  return name;
}

function requireBudget(ctx: SimContext, name: string, verb: string): BudgetRecord {
  const budget = budgetsOf(ctx)[name];
  if (!budget)
    throw budgetsError('NotFoundException', `Unable to ${verb} budget: ${name} - the budget doesn't exist.`);
  return budget;
}

/** The start of the budget period holding `at` (UTC). */
function periodStartOf(timeUnit: string, at: number): number {
  const date = new Date(at);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (timeUnit === 'DAILY') return Date.UTC(year, month, date.getUTCDate());
  if (timeUnit === 'QUARTERLY') return Date.UTC(year, month - (month % 3), 1);
  if (timeUnit === 'ANNUALLY') return Date.UTC(year, 0, 1);
  return Date.UTC(year, month, 1);
}

function periodEndOf(timeUnit: string, start: number): number {
  const date = new Date(start);
  const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
  if (timeUnit === 'DAILY') return Date.UTC(year, month, day + 1);
  if (timeUnit === 'QUARTERLY') return Date.UTC(year, month + 3, 1);
  if (timeUnit === 'ANNUALLY') return Date.UTC(year + 1, 0, 1);
  return Date.UTC(year, month + 1, 1);
}

function checkBudget(ctx: SimContext, budget: BudgetInput | undefined, previous?: BudgetRecord) {
  if (!budget) throw invalid('The Budget is required.');
  const name = checkName(budget.BudgetName);
  if (!budget.BudgetType || !BUDGET_TYPES.includes(budget.BudgetType))
    throw invalid(
      `BudgetType ${String(budget.BudgetType)} is not valid: use one of ${BUDGET_TYPES.join(', ')}`,
    );
  if (budget.BudgetType !== 'COST')
    throw invalid(`BudgetType ${budget.BudgetType}: the simulator models COST budgets only`);
  if (!budget.TimeUnit || !TIME_UNITS.includes(budget.TimeUnit))
    throw invalid(`TimeUnit ${String(budget.TimeUnit)} is not valid: use one of ${TIME_UNITS.join(', ')}`);
  const limit = budget.BudgetLimit;
  if (!limit?.Amount || !limit.Unit)
    throw invalid('A cost budget needs a BudgetLimit with an Amount and a Unit.');
  if (!AMOUNT.test(limit.Amount) || !(Number(limit.Amount) > 0))
    throw invalid(
      `The budget limit amount ${limit.Amount} is not valid: it must be a positive decimal number.`,
    );
  if (limit.Unit !== 'USD')
    throw invalid(`The budget limit unit ${limit.Unit} is not valid for a COST budget: use USD.`);
  const costFilters = budget.CostFilters ?? {};
  for (const [key, values] of Object.entries(costFilters)) {
    if (!COST_FILTER_KEYS.includes(key))
      throw invalid(`Cost filter key ${key} is not supported. Use one of ${COST_FILTER_KEYS.join(', ')}`);
    if (!Array.isArray(values) || values.length === 0)
      throw invalid(`Cost filter ${key} needs at least one value.`);
    if (key === 'TagKeyValue' && values.some((v) => !v.includes('$')))
      throw invalid('A TagKeyValue cost filter value is written user:<key>$<value>.');
  }
  const start =
    budget.TimePeriod?.Start?.getTime() ?? previous?.periodStart ?? periodStartOf(budget.TimeUnit, ctx.now);
  const end = budget.TimePeriod?.End?.getTime() ?? previous?.periodEnd ?? NO_END;
  if (budget.TimeUnit === 'CUSTOM' && budget.TimePeriod?.End === undefined)
    throw invalid('A CUSTOM budget needs a TimePeriod with its End.');
  if (start >= end) throw invalid('The budget TimePeriod must start before it ends.');
  return {
    name,
    limit: { Amount: limit.Amount, Unit: limit.Unit },
    timeUnit: budget.TimeUnit,
    budgetType: budget.BudgetType,
    costFilters: structuredClone(costFilters),
    costTypes: { ...DEFAULT_COST_TYPES, ...budget.CostTypes },
    periodStart: start,
    periodEnd: end,
  };
}

function checkNotification(notification: NotificationInput | undefined): NotificationShape {
  if (!notification) throw invalid('A notification is required.');
  const { NotificationType, ComparisonOperator, Threshold } = notification;
  const ThresholdType = notification.ThresholdType ?? 'PERCENTAGE';
  if (NotificationType !== 'ACTUAL' && NotificationType !== 'FORECASTED')
    throw invalid(`NotificationType ${String(NotificationType)} is not valid: use ACTUAL or FORECASTED`);
  if (!['GREATER_THAN', 'LESS_THAN', 'EQUAL_TO'].includes(ComparisonOperator ?? ''))
    throw invalid(
      `ComparisonOperator ${String(ComparisonOperator)} is not valid: use GREATER_THAN, LESS_THAN or EQUAL_TO`,
    );
  if (ThresholdType !== 'PERCENTAGE' && ThresholdType !== 'ABSOLUTE_VALUE')
    throw invalid(`ThresholdType ${ThresholdType} is not valid: use PERCENTAGE or ABSOLUTE_VALUE`);
  if (typeof Threshold !== 'number' || !(Threshold > 0) || Threshold > MAX_THRESHOLD)
    throw invalid(`The notification threshold ${String(Threshold)} is not valid: it must be greater than 0.`);
  return { NotificationType, ComparisonOperator: ComparisonOperator ?? '', Threshold, ThresholdType };
}

function checkSubscribers(subscribers: SubscriberShape[] | undefined): SubscriberShape[] {
  const list = subscribers ?? [];
  if (list.length === 0) throw invalid('A notification needs at least one subscriber.');
  for (const { SubscriptionType, Address } of list) {
    if (
      SubscriptionType === 'EMAIL'
        ? !EMAIL.test(Address ?? '')
        : SubscriptionType === 'SNS'
          ? !SNS_TOPIC.test(Address ?? '')
          : true
    )
      throw invalid(
        SubscriptionType === 'EMAIL' || SubscriptionType === 'SNS'
          ? `The subscriber address ${String(Address)} is not a valid ${SubscriptionType === 'EMAIL' ? 'email address' : 'SNS topic ARN'}.`
          : `SubscriptionType ${String(SubscriptionType)} is not valid: use EMAIL or SNS`,
      );
  }
  if (list.filter((s) => s.SubscriptionType === 'EMAIL').length > MAX_EMAIL_SUBSCRIBERS)
    throw invalid(`A notification takes at most ${MAX_EMAIL_SUBSCRIBERS} email subscribers.`);
  if (list.filter((s) => s.SubscriptionType === 'SNS').length > 1)
    throw invalid('A notification takes at most one SNS topic subscriber.');
  return list.map(({ SubscriptionType, Address }) => ({ SubscriptionType, Address }));
}

const sameNotification = (a: NotificationShape, b: NotificationShape): boolean =>
  a.NotificationType === b.NotificationType &&
  a.ComparisonOperator === b.ComparisonOperator &&
  a.Threshold === b.Threshold &&
  a.ThresholdType === b.ThresholdType;

function checkTags(tags: Input['ResourceTags']): Array<{ Key: string; Value: string }> {
  const list = tags ?? [];
  if (list.length > MAX_TAGS) throw invalid(`A budget takes at most ${MAX_TAGS} tags.`);
  return list.map(({ Key, Value }) => {
    if (!Key || Key.length > 128 || Key.toLowerCase().startsWith('aws:'))
      throw invalid(`The tag key ${String(Key)} is not valid: 1 to 128 characters, not starting with aws:`);
    if ((Value ?? '').length > 256) throw invalid(`The value of tag ${Key} is longer than 256 characters.`);
    return { Key, Value: Value ?? '' };
  });
}

/** Whether a piece of the bill passes the budget's cost filters (any value of each key, every key). */
function passesFilters(ctx: SimContext, filters: Record<string, string[]>, item: UsageItem): boolean {
  return Object.entries(filters).every(([key, values]) => {
    switch (key) {
      case 'Region':
        return values.includes(item.region);
      case 'UsageType':
        return values.includes(item.usageType);
      case 'Service':
        return values.includes(item.service);
      case 'LinkedAccount':
        return values.includes(ctx.state.accountId);
      case 'RecordType':
        return values.includes('Usage');
      case 'TagKeyValue':
        return values.some((v) => {
          const [tagKey, value] = [
            v.slice(0, v.indexOf('$')).replace(/^user:/, ''),
            v.slice(v.indexOf('$') + 1),
          ];
          return item.tags[tagKey] === value;
        });
      default:
        // The simulated bill has no zones, instance types or operations: nothing is in such a filter.
        return false;
    }
  });
}

function actualSpend(ctx: SimContext, budget: BudgetRecord): Spend {
  const start = budget.timeUnit === 'CUSTOM' ? budget.periodStart : periodStartOf(budget.timeUnit, ctx.now);
  const end = budget.timeUnit === 'CUSTOM' ? budget.periodEnd : periodEndOf(budget.timeUnit, start);
  const usd = usageBetween(ctx, start, end)
    .filter((item) => passesFilters(ctx, budget.costFilters, item))
    .reduce((sum, item) => sum + item.usd, 0);
  return { Amount: amountText(usd), Unit: 'USD' };
}

function budgetShape(ctx: SimContext, budget: BudgetRecord): object {
  return {
    BudgetName: budget.name,
    BudgetLimit: budget.limit,
    CostFilters: budget.costFilters,
    CostTypes: budget.costTypes,
    TimeUnit: budget.timeUnit,
    TimePeriod: { Start: new Date(budget.periodStart), End: new Date(budget.periodEnd) },
    CalculatedSpend: { ActualSpend: actualSpend(ctx, budget) },
    BudgetType: budget.budgetType,
    LastUpdatedTime: new Date(budget.updatedAt),
  };
}

export const budgetsOperations = {
  CreateBudget(ctx: SimContext, input: Input): object {
    checkAccount(ctx, input, 'budgets:ModifyBudget');
    const definition = checkBudget(ctx, input.Budget);
    const given = input.NotificationsWithSubscribers ?? [];
    if (given.length > MAX_NOTIFICATIONS)
      throw invalid(`A budget takes at most ${MAX_NOTIFICATIONS} notifications, not ${given.length}.`);
    const notifications = given.map((n) => ({
      notification: checkNotification(n.Notification),
      subscribers: checkSubscribers(n.Subscribers),
    }));
    notifications.forEach((n, i) => {
      if (notifications.slice(0, i).some((earlier) => sameNotification(earlier.notification, n.notification)))
        throw budgetsError(
          'DuplicateRecordException',
          `Error creating notification for budget ${definition.name}: the notification already exists.`,
        );
    });
    const tags = checkTags(input.ResourceTags);
    if (budgetsOf(ctx)[definition.name])
      throw budgetsError(
        'DuplicateRecordException',
        `Error creating budget: ${definition.name} - the budget already exists.`,
      );
    (ctx.state.budgets ??= {})[definition.name] = { ...definition, updatedAt: ctx.now, notifications, tags };
    return {};
  },

  UpdateBudget(ctx: SimContext, input: Input): object {
    checkAccount(ctx, input, 'budgets:ModifyBudget');
    const name = checkName(input.NewBudget?.BudgetName);
    const budget = requireBudget(ctx, name, 'update');
    const definition = checkBudget(ctx, input.NewBudget, budget);
    Object.assign(budget, definition, { updatedAt: ctx.now });
    return {};
  },

  DeleteBudget(ctx: SimContext, input: Input): object {
    checkAccount(ctx, input, 'budgets:ModifyBudget');
    const name = checkName(input.BudgetName);
    requireBudget(ctx, name, 'delete');
    // Its notifications and their subscribers go with it.
    delete ctx.state.budgets?.[name];
    return {};
  },

  DescribeBudget(ctx: SimContext, input: Input): object {
    checkAccount(ctx, input, 'budgets:ViewBudget');
    const budget = requireBudget(ctx, checkName(input.BudgetName), 'get');
    return { Budget: budgetShape(ctx, budget) };
  },

  DescribeNotificationsForBudget(ctx: SimContext, input: Input): object {
    checkAccount(ctx, input, 'budgets:ViewBudget');
    checkPage(input);
    const budget = requireBudget(ctx, checkName(input.BudgetName), 'get');
    return {
      Notifications: budget.notifications.map((n) => ({ ...n.notification, NotificationState: 'OK' })),
    };
  },

  DescribeSubscribersForNotification(ctx: SimContext, input: Input): object {
    checkAccount(ctx, input, 'budgets:ViewBudget');
    checkPage(input);
    const budget = requireBudget(ctx, checkName(input.BudgetName), 'get');
    const wanted = checkNotification(input.Notification);
    const found = budget.notifications.find((n) => sameNotification(n.notification, wanted));
    if (!found)
      throw budgetsError(
        'NotFoundException',
        `Unable to get notification for budget ${budget.name}: the notification doesn't exist.`,
      );
    return { Subscribers: found.subscribers };
  },
};

function checkPage(input: Input): void {
  if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 100))
    throw invalid(`MaxResults ${input.MaxResults} is not valid: between 1 and 100.`);
  // Every answer fits one page: no token was ever handed out.
  if (input.NextToken !== undefined)
    throw budgetsError('InvalidNextTokenException', 'The next token is invalid.');
}

/** IAM's authorizations of a Budgets call: on the budget's ARN (and tagging at creation). */
export function budgetsAuthorizations(ctx: SimContext, operation: string, input: Input): AuthRequest[] {
  const action = operation.startsWith('Describe') ? 'budgets:ViewBudget' : 'budgets:ModifyBudget';
  const resource = budgetArn(input.AccountId ?? ctx.state.accountId, nameOf(input));
  const tags = operation === 'CreateBudget' ? (input.ResourceTags ?? []) : [];
  if (tags.length === 0) return [{ action, resource, context: {} }];
  const context = {
    ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key ?? ''}`, t.Value ?? ''])),
    'aws:TagKeys': tags.map((t) => t.Key ?? ''),
  };
  return [
    { action, resource, context },
    { action: 'budgets:TagResource', resource, context },
  ];
}

/** The budgets in the account's snapshot, only when it has some (older pictures stay equal). */
export function budgetsSnapshot(ctx: SimContext): Record<string, unknown> {
  const budgets = Object.values(budgetsOf(ctx));
  return budgets.length === 0
    ? {}
    : {
        budgets: budgets
          .map((b) => ({
            name: b.name,
            limit: b.limit,
            timeUnit: b.timeUnit,
            costFilters: b.costFilters,
            notifications: b.notifications.map((n) => ({
              ...n.notification,
              subscribers: n.subscribers.map((s) => s.Address),
            })),
            tags: b.tags,
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
}
