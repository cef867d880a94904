import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cost } from '../../src/commands/cost.js';
import { plan } from '../../src/commands/plan.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { verify } from '../../src/commands/verify.js';
import { FixedIpError } from '../../src/errors.js';
import { KIND_INPUTS } from '../../src/kinds/index.js';
import { createTestAccount, mutatingCalls, type TestAccount } from '../support/env.js';

const GIB = 2 ** 30;
const HOUR = 3_600_000;

let account: TestAccount;
let vpcId: string;

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  ...extra,
});
const stack = { name: 'default' };

/** The stack's private subnets, where the function's traffic starts. */
function privateSubnets(): string[] {
  const state = account.readState();
  return Object.values(state?.resources ?? {})
    .filter((r) => r.kind === 'privateSubnet')
    .map((r) => r.id);
}

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

describe('fixed-ip cost in the simulated account', () => {
  it("reads what verify's probes sent through the NAT gateway, and prices the hours from the gateway's creation", async () => {
    await setup(options({ azs: 1 }), account.deps());
    account.clock.advance(10 * HOUR);
    await verify(stack, account.deps());
    const before = mutatingCalls(account.sim).length;
    const deps = account.deps();
    const report = await cost(stack, deps);
    // Read-only: not one mutating call.
    expect(mutatingCalls(account.sim).length).toBe(before);
    expect(report.traffic.processedBytes).toBeGreaterThan(0);
    expect(report.traffic.nats).toHaveLength(1);
    const nat = report.resources.find((r) => r.kind === 'natGateway');
    // 10 hours and the minutes setup took: 11 started hours at Tokyo's 0.062.
    expect(nat).toMatchObject({ sinceKnown: true, hours: 11, usd: 0.68 });
    expect(report.projections.find((p) => p.current)?.natMode).toBe('gateway');
    expect(report.actual).toBeUndefined();
    expect(deps.recording.results.join('\n')).toMatch(/So far: about \d+\.\d\d USD/);
    expect(deps.recording.results.join('\n')).toMatch(
      /fixed-ip cost --actual asks Cost Explorer \(0\.01 USD a request\)/,
    );
  });

  it('names the free cure from measured traffic on a stack without endpoints, and not once it has them', async () => {
    await setup(options(), account.deps());
    const [subnet] = privateSubnets();
    const now = account.clock.now();
    account.sim.sendTraffic({
      subnetId: subnet ?? '',
      bytesOut: 2 * GIB,
      bytesBack: 3 * GIB,
      at: new Date(now),
    });
    account.clock.advance(48 * HOUR);
    const since = new Date(now - HOUR).toISOString();
    const without = await cost({ ...stack, since }, account.deps());
    expect(without.traffic.processedGb).toBe(5);
    expect(without.savings.map((s) => s.setting)).toEqual(['--endpoints s3,dynamodb']);
    expect(without.savings[0]?.upToUsd).toBe(0.31);
    expect(without.savings[0]?.caveat).toMatch(/aws:SourceIp/);

    // plan names it too, from the last 30 days.
    const planned = await plan({ ...options(), functions: [] }, account.deps());
    expect(planned.savings.map((s) => s.setting)).toEqual(['--endpoints s3,dynamodb']);
    // A plan that adds the endpoints does not name them as a saving.
    const adding = await plan(
      { ...options(), functions: [], inputs: { endpoints: 's3,dynamodb' } },
      account.deps(),
    );
    expect(adding.savings).toEqual([]);

    await setup(options({ inputs: { endpoints: 's3' } }), account.deps());
    const half = await cost({ ...stack, since }, account.deps());
    expect(half.savings.map((s) => s.setting)).toEqual(['--endpoints dynamodb']);
    await setup(options({ inputs: { endpoints: 's3,dynamodb' } }), account.deps());
    const cured = await cost({ ...stack, since }, account.deps());
    expect(cured.savings).toEqual([]);
  });

  it('names no saving for a NAT instance, which charges no processing, and still projects the gateway modes', async () => {
    await setup(options({ nat: 'instance', azs: 1 }), account.deps());
    const [subnet] = privateSubnets();
    account.sim.sendTraffic({ subnetId: subnet ?? '', bytesOut: 2 * GIB, bytesBack: 3 * GIB });
    account.clock.advance(24 * HOUR);
    const report = await cost(stack, account.deps());
    expect(report.traffic.nats[0]).toMatchObject({ kind: 'natInstance', perGbUsd: 0, usd: 0 });
    // The instance receives every byte it forwards, both ways.
    expect(report.traffic.processedGb).toBeGreaterThanOrEqual(5);
    expect(report.savings).toEqual([]);
    const gateway = report.projections.find((p) => p.natMode === 'gateway');
    expect(gateway?.differenceUsd).toBeGreaterThan(30);
  });

  it('--actual: one Cost Explorer request; the region until the stack tag is active, the stack after', async () => {
    await setup(options({ azs: 1 }), account.deps());
    account.clock.advance(5 * HOUR);
    const deps = account.deps();
    const region = await cost({ ...stack, actual: true }, deps);
    expect(region.actual).toMatchObject({
      source: 'Cost Explorer',
      scope: 'region',
      requests: 1,
      requestCostUsd: 0.01,
    });
    expect(region.actual?.tagHint).toMatch(/update-cost-allocation-tags-status/);
    expect(region.actual?.usageTypes).toContain('APN1-NatGateway-Hours');
    expect(deps.recording.codes()).toContain('cost.actual');
    expect(region.actual?.usd).toBeGreaterThan(0);

    account.sim.activateCostAllocationTag('fixed-ip:stack', new Date(account.clock.now()));
    account.clock.advance(5 * HOUR);
    const tagged = await cost({ ...stack, actual: true }, account.deps());
    expect(tagged.actual).toMatchObject({ scope: 'stack' });
    expect(tagged.actual?.tagHint).toBeUndefined();
  });

  it('a parked stack (teardown --keep-eip) costs its kept address, idle; AWS does not say since when, so --since says', async () => {
    await setup(options({ azs: 1 }), account.deps());
    await teardown({ ...stack, yes: true, keepEip: true }, account.deps());
    account.clock.advance(24 * HOUR);
    const unknown = await cost(stack, account.deps());
    expect(unknown.period.startKnown).toBe(false);
    expect(unknown.hoursUsd).toBe(0);
    expect(unknown.estimate.totalUsd).toBe(3.65);
    const since = new Date(account.clock.now() - 10 * HOUR).toISOString();
    const deps = account.deps();
    const counted = await cost({ ...stack, since }, deps);
    expect(counted.resources.map((r) => [r.kind, r.hours, r.usd])).toEqual([['elasticIp', 10, 0.05]]);
    expect(counted.traffic.nats).toEqual([]);
  });

  it('refuses a --since that is not a date, with one line, before any AWS call', async () => {
    await setup(options({ azs: 1 }), account.deps());
    const calls = account.sim.calls.length;
    const error = await cost({ ...stack, since: 'last week' }, account.deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FixedIpError);
    expect((error as FixedIpError).code).toBe('BAD_OPTION');
    expect(account.sim.calls.length).toBe(calls);
  });

  it('status prints one line of cost so far', async () => {
    await setup(options({ azs: 1 }), account.deps());
    account.clock.advance(3 * HOUR);
    const deps = account.deps();
    const report = await status(stack, deps);
    expect(report.costSoFarUsd).toBeGreaterThan(0);
    expect(report.costSince).not.toBeNull();
    expect(deps.recording.results.join('\n')).toMatch(
      /Cost so far: about \d+\.\d\d USD since \d{4}-\d\d-\d\d/,
    );
  });
});

describe('--budget', () => {
  it('takes USD and email or SNS targets, and says in one line what is wrong with anything else', async () => {
    const input = (key: string) => KIND_INPUTS.find((i) => i.key === key);
    expect(input('budget')?.parse('60')).toBe(60);
    expect(input('budget')?.parse('12.50')).toBe(12.5);
    expect(input('budget')?.parse('none')).toBe(0);
    for (const bad of ['abc', '-5', '0', '1e9', '12.345'])
      expect(() => input('budget')?.parse(bad), bad).toThrow(/--budget .* is not an amount in USD/);
    expect(
      input('budgetNotify')?.parse('ops@example.com, arn:aws:sns:us-east-1:123456789012:alerts'),
    ).toEqual(['ops@example.com', 'arn:aws:sns:us-east-1:123456789012:alerts']);
    expect(() => input('budgetNotify')?.parse('ops')).toThrow(
      /ops is neither an email address nor an SNS topic ARN/,
    );
    // A target without a budget is refused, before anything is made.
    const error = await setup(options({ inputs: { budgetNotify: 'ops@example.com' } }), account.deps()).catch(
      (e: unknown) => e,
    );
    expect((error as FixedIpError).code).toBe('BAD_OPTION');
    expect((error as FixedIpError).message).toMatch(/budget/);
    expect(mutatingCalls(account.sim)).toEqual([]);
  });

  const budgetNamed = async (name: string) =>
    (
      (await account.sim
        .handle('budgets', 'DescribeBudget', { AccountId: account.sim.accountId, BudgetName: name })
        .catch(() => undefined)) as
        { Budget?: { BudgetLimit?: { Amount?: string }; CostFilters?: Record<string, string[]> } } | undefined
    )?.Budget;

  it('is made with its alerts, checked by status, made again when the amount changes, and removed by teardown', async () => {
    await setup(options({ inputs: { budget: '60', budgetNotify: 'ops@example.com' } }), account.deps());
    const name = 'fixed-ip-default-ap-northeast-1';
    const made = await budgetNamed(name);
    expect(made?.BudgetLimit?.Amount).toBe('60.00');
    expect(made?.CostFilters?.Region).toEqual(['ap-northeast-1']);
    expect(made?.CostFilters?.UsageType).toContain('APN1-NatGateway-Hours');
    expect(account.readState()?.budget).toMatchObject({ usd: 60, notify: ['ops@example.com'] });
    expect((await status(stack, account.deps())).healthy).toBe(true);

    // A re-run keeps it as it is.
    const calls = mutatingCalls(account.sim).length;
    await setup(options(), account.deps());
    expect(mutatingCalls(account.sim).length).toBe(calls);

    await setup(options({ inputs: { budget: '80' } }), account.deps());
    expect((await budgetNamed(name))?.BudgetLimit?.Amount).toBe('80.00');

    await teardown({ ...stack, yes: true }, account.deps());
    expect(await budgetNamed(name)).toBeUndefined();
  });

  it('--budget none removes it; a budget deleted by hand is drift with the fix', async () => {
    await setup(
      options({ inputs: { budget: '60', budgetNotify: 'arn:aws:sns:ap-northeast-1:123456789012:alerts' } }),
      account.deps(),
    );
    const name = 'fixed-ip-default-ap-northeast-1';
    await account.sim.handle('budgets', 'DeleteBudget', {
      AccountId: account.sim.accountId,
      BudgetName: name,
    });
    const drifted = await status(stack, account.deps());
    expect(drifted.healthy).toBe(false);
    expect(drifted.problems.join('\n')).toMatch(/budget .* was deleted.*run fixed-ip setup/);
    await setup(options(), account.deps());
    expect(await budgetNamed(name)).toBeDefined();
    await setup(options({ inputs: { budget: 'none' } }), account.deps());
    expect(await budgetNamed(name)).toBeUndefined();
    expect(account.readState()?.budget).toBeUndefined();
  });

  it('stops before anything is made without somewhere to send alerts, or when the name is a budget the stack did not make', async () => {
    const none = await setup(options({ inputs: { budget: '60' } }), account.deps()).catch((e: unknown) => e);
    expect((none as FixedIpError).exitCode).toBe(6);
    expect((none as FixedIpError).message + String((none as FixedIpError).hint)).toMatch(/--budget-notify/);
    expect(mutatingCalls(account.sim)).toEqual([]);

    // Someone's own budget with the stack's name: never taken, never deleted.
    await account.sim.handle('budgets', 'CreateBudget', {
      AccountId: account.sim.accountId,
      Budget: {
        BudgetName: 'fixed-ip-default-ap-northeast-1',
        BudgetLimit: { Amount: '5', Unit: 'USD' },
        TimeUnit: 'MONTHLY',
        BudgetType: 'COST',
      },
    });
    const taken = await setup(
      options({ inputs: { budget: '60', budgetNotify: 'ops@example.com' } }),
      account.deps(),
    ).catch((e: unknown) => e);
    expect((taken as FixedIpError).exitCode).toBe(6);
    // Only the budget made by hand above.
    expect(mutatingCalls(account.sim)).toEqual(['CreateBudget']);
    await setup(options(), account.deps());
    await teardown({ ...stack, yes: true }, account.deps());
    expect((await budgetNamed('fixed-ip-default-ap-northeast-1'))?.BudgetLimit?.Amount).toBe('5');
  });
});
