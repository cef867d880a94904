import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plan, type PlanOptions } from '../../src/commands/plan.js';
import { setup } from '../../src/commands/setup.js';
import { createTestAccount, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;

const options = (extra: Partial<PlanOptions> = {}): PlanOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  ...extra,
});
const snapshot = (): string => JSON.stringify(account.sim.snapshot());

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16' });
  account.sim.addFunction({ name: 'orders-api', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

describe('plan', () => {
  it('shows every step as create, checks permissions by DryRun, and changes nothing', async () => {
    const before = snapshot();
    const deps = account.deps();
    const report = await plan(options(), deps);
    expect(snapshot()).toBe(before);
    expect(account.sim.calls.filter((c) => c.mutated)).toEqual([]);
    expect(account.readState()).toBeUndefined();
    expect(report.wouldSucceed).toBe(true);
    // The default shape: one NAT gateway in the first of two zones, a private subnet in each.
    expect(report.zones).toHaveLength(2);
    expect(report.natMode).toBe('gateway');
    expect(report.steps.map((s) => s.action)).toEqual([...Array<string>(10).fill('create'), 'move']);
    expect(report.steps.filter((s) => s.key.startsWith('privateSubnet@')).map((s) => s.zone)).toEqual(
      report.zones,
    );
    expect(report.steps.filter((s) => s.key.startsWith('natGateway@')).map((s) => s.zone)).toEqual([
      report.zones[0],
    ]);
    expect(report.cost.crossZone).toBe(true);
    expect(report.ips).toEqual([{ zone: report.zones[0], ip: null, status: 'new' }]);
    expect(report.permissions.missing).toEqual([]);
    expect(report.permissions.checked).toContain('ec2:CreateNatGateway');
    expect(
      account.sim.calls
        .filter((c) => (c.input as { DryRun?: boolean }).DryRun)
        .every((c) => c.outcome === 'DryRunOperation'),
    ).toBe(true);
    expect(report.cost.monthlyUsd).toBeCloseTo(48.91);
    // Counted as Terraform does: ten resources to add, one function to move in.
    expect(report.changes).toEqual({ add: 10, change: 1, remove: 0 });
    expect(deps.recording.results).toContain('Plan: 10 to add, 1 to change, 0 to remove.');
    expect(deps.recording.results).toContain(
      '  function orders-api: moves into the private subnets (now not in a VPC)',
    );
    expect(report.cost.nowMonthlyUsd).toBeNull();
  });

  it('tells the truth about a complete stack: no changes, nothing to check, where a function was before', async () => {
    await setup({ ...options(), yes: true }, account.deps());
    const deps = account.deps();
    const report = await plan(options(), deps);
    expect(report.changes).toEqual({ add: 0, change: 0, remove: 0 });
    const text = deps.recording.results;
    expect(text).toContain('Plan: no changes.');
    expect(text).toContain('Permissions: none needed: setup has nothing to create or change');
    expect(text.join('\n')).not.toContain('0 EC2 actions');
    expect(text).toContain(
      '  function orders-api: already in the private subnets (before fixed-ip: not in a VPC)',
    );
    expect(text.join('\n')).not.toMatch(/against about/);
  });

  it("a change of mode counts what it adds, changes and removes, and shows the bill's difference", async () => {
    await setup({ ...options(), yes: true }, account.deps());
    const deps = account.deps();
    const report = await plan(options({ nat: 'gateway-per-az' }), deps);
    expect(report.changes).toEqual({ add: 4, change: 1, remove: 0 });
    expect(report.cost.nowMonthlyUsd).toBeCloseTo(48.91);
    expect(deps.recording.results).toContain('Plan: 4 to add, 1 to change, 0 to remove.');
    expect(deps.recording.results).toContain('  against about 48.91 USD a month now: +48.91 USD a month');
  });

  it('names a denied EC2 action and blocks', async () => {
    account.sim.inject({ kind: 'deny', action: 'ec2:CreateNatGateway' });
    const report = await plan(options(), account.deps());
    expect(report.permissions.missing).toEqual(['ec2:CreateNatGateway']);
    expect(report.wouldSucceed).toBe(false);
    expect(report.blockers.join(' ')).toContain('ec2:CreateNatGateway');
  });

  it('names ec2:CreateTags when tagging at creation is denied', async () => {
    account.sim.inject({ kind: 'deny', action: 'ec2:CreateTags' });
    const report = await plan(options(), account.deps());
    expect(report.permissions.missing).toEqual(['ec2:CreateTags']);
    expect(report.wouldSucceed).toBe(false);
  });

  it("checks the run guard's SSM permissions: GetParameter by reading the guard, PutParameter with IAM's policy simulator", async () => {
    const allowed = await plan(options(), account.deps());
    expect(allowed.permissions.via).toMatchObject({
      'ssm:GetParameter': 'read',
      'ssm:PutParameter': 'policy-simulator',
      'lambda:UpdateFunctionConfiguration': 'policy-simulator',
      'lambda:TagResource': 'policy-simulator',
    });
    expect(allowed.permissions.checked).toEqual(
      expect.arrayContaining(['ssm:GetParameter', 'ssm:PutParameter', 'lambda:UpdateFunctionConfiguration']),
    );
    expect(allowed.permissions.unchecked).toEqual([]);
    // The simulation names the guard's own parameter, so a policy scoped to /fixed-ip/* is judged right.
    const simulated = account.sim.calls.find(
      (c) =>
        c.operation === 'SimulatePrincipalPolicy' &&
        (c.input as { ActionNames: string[] }).ActionNames.includes('ssm:PutParameter'),
    );
    expect((simulated?.input as { ResourceArns: string[] }).ResourceArns).toEqual([
      'arn:aws:ssm:ap-northeast-1:123456789012:parameter/fixed-ip/default/run-lock',
    ]);

    for (const action of ['ssm:PutParameter', 'ssm:GetParameter']) {
      account.sim.clearFaults();
      account.sim.inject({ kind: 'deny', action });
      const deps = account.deps();
      const report = await plan(options(), deps);
      expect(report.permissions.missing).toEqual([action]);
      expect(report.wouldSucceed).toBe(false);
      expect(report.blockers.join(' ')).toContain(`${action} (see fixed-ip iam-policy)`);
      expect(deps.recording.results.at(-1)).toBe('setup would NOT succeed as things stand.');
    }
    expect(account.sim.calls.filter((c) => c.mutated)).toEqual([]);
  });

  it("says which permissions it could not check, and why, when IAM's policy simulator is denied", async () => {
    account.sim.inject({ kind: 'deny', action: 'iam:SimulatePrincipalPolicy' });
    const deps = account.deps();
    const report = await plan(options(), deps);
    expect(report.permissions.unchecked).toEqual([
      'lambda:TagResource',
      'lambda:UpdateFunctionConfiguration',
      'ssm:PutParameter',
    ]);
    expect(report.permissions.why).toEqual(['AWS denied iam:SimulatePrincipalPolicy']);
    expect(report.permissions.checked).toContain('ssm:GetParameter');
    expect(deps.recording.results.at(-1)).toBe(
      'setup would succeed, as far as plan could check (not checked: lambda:TagResource, lambda:UpdateFunctionConfiguration, ssm:PutParameter).',
    );
  });

  it('flags an execution role without VPC access, unless --fix-role', async () => {
    account.sim.addFunction({ name: 'no-access', roleName: 'weak', roleHasVpcAccess: false });
    const flagged = await plan(options({ functions: ['no-access'] }), account.deps());
    expect(flagged.wouldSucceed).toBe(false);
    expect(flagged.functions[0]?.roleMissing).toContain('ec2:CreateNetworkInterface');
    const fixed = await plan(options({ functions: ['no-access'], fixRole: true }), account.deps());
    expect(fixed.wouldSucceed).toBe(true);
  });

  it('blocks when every Elastic IP of the region is taken', async () => {
    for (let i = 0; i < 5; i++) account.sim.addAddress();
    const report = await plan(options(), account.deps());
    expect(report.quotas.find((q) => q.name.startsWith('Elastic IPs'))).toMatchObject({
      used: 5,
      limit: 5,
      ok: false,
    });
    expect(report.wouldSucceed).toBe(false);
  });

  it('says "already done" for a complete stack, with one JSON object', async () => {
    await setup({ ...options(), yes: true }, account.deps());
    // A re-run with nothing to do never writes the run guard: its write permission does not matter.
    account.sim.inject({ kind: 'deny', action: 'ssm:PutParameter' });
    const deps = account.deps();
    const report = await plan(options({ json: true }), deps);
    expect(report.steps.every((s) => s.action === 'done' || s.action === 'reuse')).toBe(true);
    expect(deps.recording.results).toHaveLength(1);
    expect(JSON.parse(deps.recording.results[0] ?? '')).toMatchObject({
      wouldSucceed: true,
      name: 'default',
    });
  });
});
