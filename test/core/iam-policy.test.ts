import { readFileSync } from 'node:fs';
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plan } from '../../src/commands/plan.js';
import { setup } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { verify } from '../../src/commands/verify.js';
import { iamAction } from '../../src/simulator/operations.js';
import { POLICY_ACTIONS, policyFor, type PolicyScope } from '../../src/core/iam-policy.js';
import { createTestAccount, type TestAccount } from '../support/env.js';

let account: TestAccount;

beforeEach(() => {
  account = createTestAccount({ timings: { eniReleaseMs: 60_000 } });
});
afterEach(() => account.restore());

/** The IAM actions behind every call made since `from`. */
function actionsSince(from: number): string[] {
  const calls = account.sim.calls.slice(from);
  return [
    ...new Set([
      ...calls.map((c) => iamAction(c.service, c.operation)),
      // Handing a role to a new function is iam:PassRole, on top of lambda:CreateFunction.
      ...calls.filter((c) => c.operation === 'CreateFunction').map(() => 'iam:PassRole'),
    ]),
  ].sort();
}

describe('iam-policy', () => {
  it('grants every action each command really calls (setup incl. --new-vpc and --fix-role, plan, status, teardown, lost state)', async () => {
    account.sim.addFunction({ name: 'orders-api', roleName: 'weak', roleHasVpcAccess: false });
    const used: Record<PolicyScope, Set<string>> = {
      setup: new Set(),
      status: new Set(),
      teardown: new Set(),
      verify: new Set(),
    };
    const record = async (scope: PolicyScope, run: () => Promise<unknown>): Promise<void> => {
      const from = account.sim.calls.length;
      await run();
      for (const action of actionsSince(from)) used[scope].add(action);
    };
    const setupOptions = {
      functions: ['orders-api'],
      newVpc: true,
      name: 'default',
      yes: true,
      fixRole: true,
    };
    await record('setup', () => plan(setupOptions, account.deps()));
    await record('setup', () => setup(setupOptions, account.deps()));
    await record('status', () => status({ name: 'default' }, account.deps()));
    await record('teardown', () => teardown({ name: 'default', yes: true }, account.deps()));
    // And with the state file lost: discovery by tags.
    await record('setup', () => setup(setupOptions, account.deps()));
    rmSync(account.statePath());
    await record('status', () => status({ name: 'default' }, account.deps()));
    await record('teardown', () => teardown({ name: 'default', yes: true }, account.deps()));
    // verify, healthy and (a broken route) explaining why not.
    await record('setup', () => setup(setupOptions, account.deps()));
    await record('verify', () => verify({ name: 'default' }, account.deps()));
    const table = account.readState()?.privateRouteTable?.id;
    await account.sim.handle('ec2', 'DeleteRoute', {
      RouteTableId: table,
      DestinationCidrBlock: '0.0.0.0/0',
    });
    await record('verify', () => verify({ name: 'default' }, account.deps()));

    for (const scope of ['setup', 'status', 'teardown', 'verify'] as const) {
      const missing = [...used[scope]].filter((action) => !POLICY_ACTIONS[scope].includes(action));
      expect(missing, `${scope} calls actions its policy lacks`).toEqual([]);
    }
  });

  it('grants every action --nat instance calls (plan, setup, status, replacement, mode changes, teardown)', async () => {
    account.sim.addFunction({ name: 'orders-api', roleHasVpcAccess: true });
    const used: Record<PolicyScope, Set<string>> = {
      setup: new Set(),
      status: new Set(),
      teardown: new Set(),
      verify: new Set(),
    };
    const record = async (scope: PolicyScope, run: () => Promise<unknown>): Promise<void> => {
      const from = account.sim.calls.length;
      await run();
      for (const action of actionsSince(from)) used[scope].add(action);
    };
    const base = { functions: ['orders-api'], newVpc: true, name: 'default', yes: true };
    await record('setup', () => plan({ ...base, nat: 'instance' }, account.deps()));
    await record('setup', () => setup({ ...base, nat: 'instance' }, account.deps()));
    await record('status', () => status({ name: 'default' }, account.deps()));
    const again = { functions: ['orders-api'], name: 'default', yes: true };
    await record('setup', () => setup({ ...again, replaceNatInstance: true }, account.deps()));
    await record('setup', () => setup({ ...again, nat: 'gateway' }, account.deps()));
    await record('setup', () => setup({ ...again, nat: 'instance' }, account.deps()));
    await record('teardown', () => teardown({ name: 'default', yes: true }, account.deps()));
    expect(used.setup).toContain('ec2:RunInstances');
    expect(used.status).toContain('ec2:DescribeInstanceStatus');
    expect(used.teardown).toContain('ec2:TerminateInstances');
    for (const scope of ['setup', 'status', 'teardown'] as const) {
      const missing = [...used[scope]].filter((action) => !POLICY_ACTIONS[scope].includes(action));
      expect(missing, `${scope} calls actions its policy lacks`).toEqual([]);
    }
  });

  it('is what the README documents', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /<!-- iam-policy:start -->\s*```json\n([\s\S]*?)```\s*<!-- iam-policy:end -->/.exec(readme);
    expect(block, 'README has the iam-policy block').not.toBeNull();
    expect(JSON.parse(block?.[1] ?? '')).toEqual(policyFor(['setup', 'status', 'teardown', 'verify']));
  });
});
