/**
 * The stack's cost budget (`--budget USD --budget-notify ops@example.com`): an AWS Budget that
 * alerts by email or SNS when the month's NAT charges pass 80% of the amount, and when the month's
 * forecast passes it; removed by teardown. Everything of this kind is here: its settings, its part
 * of the world, its IAM statements.
 *
 * Why AWS Budgets and not a CloudWatch billing alarm: billing alarms see only the account's
 * estimated charges per service (in us-east-1, once billing alerts are turned on), so they cannot
 * single out NAT charges, let alone one region's; a budget filters by region and usage type and
 * forecasts the month. It cannot single out the stack without the `fixed-ip:stack` cost allocation
 * tag, which only the account's payer can activate and which counts only from then on: so it
 * watches every NAT and public IPv4 charge of these usage types in the region, and says so.
 */
import type { Budget, Subscriber } from '@aws-sdk/client-budgets';
import * as z from 'zod/mini';
import { awsErrorName, requestId } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import { badOption, FixedIpError } from '../errors.js';
import { dropRecord, putRecord, recordIn, type StackContext } from '../model/context.js';
import { baseRecord, type Kind, type KindInput } from '../model/kind.js';
import { extraPart } from '../model/world.js';
import type { ResourceRecord } from '../state/identity.js';
import type { Shape } from '../state/schema.js';
import { usageTypesOf } from './usage-types.js';
import type { IacExport } from '../model/iac.js';

const budgetRecord = z.extend(baseRecord, {
  kind: z.literal('budget'),
  /** USD a month. */
  usd: z.number().check(z.positive()),
  /** Where the alerts go: email addresses and SNS topic ARNs. */
  notify: z.array(z.string()),
});

declare module '../state/identity.js' {
  interface KindRecords {
    budget: z.infer<typeof budgetRecord>;
  }
}

/** Budgets are the account's (one name space for every region): the name carries the region. */
export const budgetName = (stack: string, region: string): string => `fixed-ip-${stack}-${region}`;
const BUDGET_ARNS = 'arn:aws:budgets::*:budget/fixed-ip-*';
const NOT_FOUND = ['NotFoundException'];
/** The alerts: 80% of the amount spent, and the month's forecast passing it. */
const ALERTS = [
  { NotificationType: 'ACTUAL', Threshold: 80 },
  { NotificationType: 'FORECASTED', Threshold: 100 },
] as const;
const EMAIL = /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/;
const SNS_TOPIC = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

const amountOf = (shape: Shape | undefined): number => {
  const value = shape?.inputs?.budget;
  return typeof value === 'number' ? value : 0;
};
const notifyOf = (shape: Shape | undefined): string[] => {
  const value = shape?.inputs?.budgetNotify;
  return Array.isArray(value) ? (value as string[]) : [];
};

const BUDGET: KindInput = {
  key: 'budget',
  flag: '--budget <usd>',
  description:
    "an AWS Budget of this many USD a month on the region's NAT charges, alerting at 80% and on a forecast over it (none removes it)",
  parse(text) {
    if (text.trim().toLowerCase() === 'none') return 0;
    const usd = Number(text);
    if (!/^\d+(\.\d{1,2})?$/.test(text.trim()) || !(usd > 0) || usd > 1_000_000)
      throw badOption(
        `--budget ${text} is not an amount in USD`,
        'give USD a month, e.g. --budget 60, or none',
      );
    return usd;
  },
  schema: z.number().check(z.nonnegative()),
  widest: 100,
  fromRecords: (records: readonly ResourceRecord[]) => records.find((r) => r.kind === 'budget')?.usd,
};

const BUDGET_NOTIFY: KindInput = {
  key: 'budgetNotify',
  flag: '--budget-notify <list>',
  description: "where the budget's alerts go: email addresses or SNS topic ARNs, comma-separated",
  parse(text) {
    const targets = text
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const wrong = targets.filter((t) => !EMAIL.test(t) && !SNS_TOPIC.test(t));
    if (targets.length === 0 || wrong.length > 0)
      throw badOption(
        `--budget-notify ${text}: ${wrong.length > 0 ? `${wrong.join(', ')} is neither an email address nor an SNS topic ARN` : 'names nobody'}`,
        'give email addresses or SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>), comma-separated',
      );
    if (targets.length > 10)
      throw badOption(
        `--budget-notify names ${targets.length} targets`,
        'AWS Budgets takes at most 10 per alert',
      );
    return targets;
  },
  schema: z.array(z.string()),
  widest: ['ops@example.com'],
  fromRecords: (records: readonly ResourceRecord[]) => records.find((r) => r.kind === 'budget')?.notify,
  needsOf: (shape) => (amountOf(shape) > 0 ? undefined : 'a budget (--budget <usd>)'),
};

/** The account the budgets are in (Budgets asks for it on every call). */
const accounts = new WeakMap<AwsPort, Promise<string>>();
function accountOf(aws: AwsPort): Promise<string> {
  let account = accounts.get(aws);
  if (!account) {
    account = aws.sts.GetCallerIdentity({}).then((out) => out.Account ?? '');
    accounts.set(aws, account);
  }
  return account;
}

async function describe(aws: AwsPort, name: string): Promise<Budget | undefined> {
  try {
    return (await aws.budgets.DescribeBudget({ AccountId: await accountOf(aws), BudgetName: name })).Budget;
  } catch (error) {
    if (NOT_FOUND.includes(awsErrorName(error) ?? '')) return undefined;
    throw error;
  }
}

/** The stack's budget, found by its name (Budgets has no filter by tag). */
export const BUDGETS = extraPart<Budget>({
  name: 'budgets',
  idFilter: 'budget-name',
  byName: true,
  async describe(aws, filters, _into, _statuses, stack) {
    const names =
      filters.find((f) => f.Name === 'budget-name')?.Values ?? (stack ? [budgetName(stack, aws.region)] : []);
    const found = await Promise.all(names.map((name) => describe(aws, name)));
    return found.filter((b): b is Budget => b !== undefined);
  },
  idOf: (budget) => budget.BudgetName,
});

const liveIn = (ctx: StackContext): Budget | undefined =>
  BUDGETS.get(ctx.world).find((b) => b.BudgetName === budgetName(ctx.name, ctx.aws.region));

function definition(ctx: StackContext, shape: Shape): Budget {
  return {
    BudgetName: budgetName(ctx.name, ctx.aws.region),
    BudgetLimit: { Amount: amountOf(shape).toFixed(2), Unit: 'USD' },
    TimeUnit: 'MONTHLY',
    BudgetType: 'COST',
    // The NAT's and the public IPv4 addresses' usage types in the region.
    CostFilters: { Region: [ctx.aws.region], UsageType: usageTypesOf(ctx.aws.region, shape, ['elasticIp']) },
  };
}

const subscriber = (address: string): Subscriber => ({
  SubscriptionType: address.startsWith('arn:') ? 'SNS' : 'EMAIL',
  Address: address,
});

/** The budget's alerts, each to every address given. */
const alerts = (notify: readonly string[]) =>
  ALERTS.map((alert) => ({
    Notification: {
      NotificationType: alert.NotificationType,
      ComparisonOperator: 'GREATER_THAN' as const,
      Threshold: alert.Threshold,
      ThresholdType: 'PERCENTAGE' as const,
    },
    Subscribers: notify.map((address) => ({ ...subscriber(address), Address: address })),
  }));

/** Whether the live budget is what the shape asks for (its amount, its filter, and the recorded targets). */
function matches(ctx: StackContext, live: Budget, shape: Shape): boolean {
  const wanted = definition(ctx, shape);
  const record = recordIn(ctx, 'budget', undefined);
  return (
    Number(live.BudgetLimit?.Amount) === amountOf(shape) &&
    JSON.stringify([...(live.CostFilters?.UsageType ?? [])].sort()) ===
      JSON.stringify(wanted.CostFilters?.UsageType) &&
    JSON.stringify(record?.notify ?? []) === JSON.stringify(notifyOf(shape))
  );
}

const describeWanted = (ctx: StackContext, shape: Shape): string =>
  `${amountOf(shape).toFixed(2)} USD a month of the NAT and public IPv4 charges in ${ctx.aws.region} (every one of the account there: a budget cannot single out the stack without its cost allocation tag), alerting ${notifyOf(shape).join(', ')} at 80% and on a forecast over it`;

export const budget: Kind = {
  name: 'budget',
  part: BUDGETS,
  needs: [BUDGETS],
  role: 'budget',
  zonal: false,
  article: 6,
  title: 'Cost budget',
  record: budgetRecord,
  inputs: [BUDGET, BUDGET_NOTIFY],
  iam: {
    read: ['budgets:ViewBudget'],
    create: ['budgets:ModifyBudget'],
    remove: ['budgets:ModifyBudget'],
    untag: [],
    grants: [
      // Only budgets under fixed-ip's name pattern are read, made, changed or deleted.
      {
        sid: 'FixedIpBudget',
        actions: ['budgets:ViewBudget', 'budgets:ModifyBudget'],
        resource: BUDGET_ARNS,
      },
    ],
  },
  // Budgets without actions cost nothing for the account's first ones; see the plan line.
  hourlyUsd: () => 0,

  // The budget as Budgets holds it; its alerts' subscribers are the ones setup gave it.
  iac(ctx, record): IacExport {
    const budget = liveIn(ctx);
    const filters = Object.entries(budget?.CostFilters ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const notify = record.kind === 'budget' ? record.notify : [];
    const amount = budget?.BudgetLimit?.Amount ?? '0';
    const unit = budget?.BudgetLimit?.Unit ?? 'USD';
    return {
      owned: [
        {
          id: record.id,
          part: '',
          terraform: {
            type: 'aws_budgets_budget',
            attributes: {
              name: record.id,
              budget_type: budget?.BudgetType ?? 'COST',
              limit_amount: amount,
              limit_unit: unit,
              time_unit: budget?.TimeUnit ?? 'MONTHLY',
              cost_filter: filters.map(([name, values]) => ({ name, values })),
              notification: ALERTS.map((alert) => ({
                comparison_operator: 'GREATER_THAN',
                threshold: alert.Threshold,
                threshold_type: 'PERCENTAGE',
                notification_type: alert.NotificationType,
                subscriber_email_addresses: notify.filter((a) => !a.startsWith('arn:')),
                subscriber_sns_topic_arns: notify.filter((a) => a.startsWith('arn:')),
              })),
            },
            importId: `${ctx.state.accountId}:${record.id}`,
          },
          cloudformation: {
            type: 'AWS::Budgets::Budget',
            properties: {
              Budget: {
                BudgetName: record.id,
                BudgetType: budget?.BudgetType ?? 'COST',
                TimeUnit: budget?.TimeUnit ?? 'MONTHLY',
                BudgetLimit: { Amount: Number(amount), Unit: unit },
                CostFilters: Object.fromEntries(filters),
              },
              NotificationsWithSubscribers: alerts(notify).map((alert) => ({
                Notification: { ...alert.Notification },
                Subscribers: alert.Subscribers.map((s) => ({
                  Address: s.Address,
                  SubscriptionType: s.SubscriptionType,
                })),
              })),
            },
            identifier: { Id: record.id },
          },
        },
      ],
    };
  },

  nodes: (shape) => (amountOf(shape) > 0 ? [{ id: { kind: 'budget' }, after: [] }] : []),

  list: (world) =>
    BUDGETS.get(world).map((b) => ({ id: b.BudgetName ?? '', tags: undefined, zone: undefined, extra: {} })),

  // Budgets carry no fixed-ip tags fixed-ip can read back: a budget is the stack's when the stack
  // recorded making it (the record is written just before CreateBudget, and dropped when AWS
  // refuses the call or the name is taken) and it has the name.
  proves: (ctx, record, live) => record.owned && live.id === budgetName(ctx.name, ctx.aws.region),
  // Nor does forget have any to take off: it is the stack's by its name alone.
  untag: () => Promise.resolve(),

  plan(ctx, _zone, targets) {
    const live = liveIn(ctx);
    const name = budgetName(ctx.name, ctx.aws.region);
    if (live && recordIn(ctx, 'budget', undefined)) {
      return matches(ctx, live, targets.shape)
        ? { action: 'done', detail: `${name} (${amountOf(targets.shape).toFixed(2)} USD a month)` }
        : { action: 'repair', detail: `${name}: made again as ${describeWanted(ctx, targets.shape)}` };
    }
    return {
      action: 'create',
      detail: `AWS Budget ${name}: ${describeWanted(ctx, targets.shape)}; AWS may charge 0.02 USD a day for budgets beyond the account's free ones`,
    };
  },

  blockers(ctx, _zone, targets) {
    const found: string[] = [];
    if (amountOf(targets.shape) > 0 && notifyOf(targets.shape).length === 0)
      found.push('--budget needs --budget-notify <email or SNS topic ARN>: where its alerts go');
    if (liveIn(ctx) && !recordIn(ctx, 'budget', undefined))
      found.push(
        `an AWS Budget named ${budgetName(ctx.name, ctx.aws.region)} exists and the stack did not make it: delete it if it is left over, or use another --name`,
      );
    return Promise.resolve(found);
  },

  async ensure(ctx, _zone, targets) {
    const name = budgetName(ctx.name, ctx.aws.region);
    const shape = targets.shape;
    const AccountId = await accountOf(ctx.aws);
    const live = await describe(ctx.aws, name);
    const record = recordIn(ctx, 'budget', undefined);
    if (live && !record)
      throw new FixedIpError(
        'NAME_TAKEN',
        `an AWS Budget named ${name} exists and the stack did not make it`,
        {
          hint: 'delete it if it is left over, or use another --name',
        },
      );
    if (live && matches(ctx, live, shape)) return `${name} (${amountOf(shape).toFixed(2)} USD a month)`;
    if (live) {
      // A changed amount or target: made again (its notifications go with it).
      ctx.checkpoint();
      await ctx.aws.budgets.DeleteBudget({ AccountId, BudgetName: name }).catch((error: unknown) => {
        if (!NOT_FOUND.includes(awsErrorName(error) ?? '')) throw error;
      });
      await dropRecord(ctx, 'budget', undefined);
    }
    ctx.checkpoint();
    // Recorded first: a run stopped once AWS made it (its answer lost) finds it its own on resuming.
    // A name taken meanwhile is not the stack's: its record goes, and the run stops.
    await putRecord(ctx, {
      kind: 'budget',
      id: name,
      owned: true,
      usd: amountOf(shape),
      notify: notifyOf(shape),
    });
    await ctx.aws.budgets
      .CreateBudget({
        AccountId,
        Budget: definition(ctx, shape),
        NotificationsWithSubscribers: alerts(notifyOf(shape)),
      })
      .catch(async (error: unknown) => {
        if (awsErrorName(error) !== 'DuplicateRecordException') {
          // AWS answered no: nothing was made, and the record goes. No answer (the network): it may
          // have been, and the record stays for the next run to find.
          if (requestId(error) !== undefined) await dropRecord(ctx, 'budget', undefined);
          throw error;
        }
        // Made by a run whose answer was lost (recorded above, then resumed)? Only when it is as asked.
        const found = await describe(ctx.aws, name);
        if (found && Number(found.BudgetLimit?.Amount) === amountOf(shape)) return;
        await dropRecord(ctx, 'budget', undefined);
        throw new FixedIpError(
          'NAME_TAKEN',
          `an AWS Budget named ${name} exists and the stack did not make it`,
          {
            hint: 'delete it if it is left over, or use another --name',
          },
        );
      });
    return `${name} (${amountOf(shape).toFixed(2)} USD a month, alerts to ${notifyOf(shape).join(', ')})`;
  },

  check(ctx) {
    const record = recordIn(ctx, 'budget', undefined);
    if (!record)
      return {
        ok: false,
        id: undefined,
        state: 'missing',
        problem: 'no cost budget recorded; run fixed-ip setup',
      };
    if (!ctx.world.loaded.has(BUDGETS.name)) return { ok: true, id: record.id, state: 'recorded' };
    const live = liveIn(ctx);
    if (!live)
      return {
        ok: false,
        id: record.id,
        state: 'missing',
        problem: `the budget ${record.id} was deleted: nobody is alerted; run fixed-ip setup to make it again`,
      };
    const amount = Number(live.BudgetLimit?.Amount);
    if (amount !== record.usd)
      return {
        ok: false,
        id: record.id,
        state: 'drifted',
        problem: `the budget ${record.id} is ${amount} USD, not ${record.usd}: run fixed-ip setup to set it back, or --budget ${amount} to keep it`,
      };
    return { ok: true, id: record.id, state: `${record.usd.toFixed(2)} USD a month` };
  },

  async remove(ctx) {
    const record = recordIn(ctx, 'budget', undefined);
    if (!record) return { outcome: 'gone', detail: '' };
    ctx.checkpoint();
    let gone = false;
    await ctx.aws.budgets
      .DeleteBudget({ AccountId: await accountOf(ctx.aws), BudgetName: record.id })
      .catch((error: unknown) => {
        if (!NOT_FOUND.includes(awsErrorName(error) ?? '')) throw error;
        gone = true;
      });
    await dropRecord(ctx, 'budget', undefined);
    return { outcome: gone ? 'gone' : 'removed', detail: record.id };
  },
};
