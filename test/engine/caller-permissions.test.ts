/**
 * The permissions plan cannot try with DryRun (the run guard's SSM writes, the functions' Lambda
 * calls) are asked of IAM's policy simulator for the caller's own user or role; what it cannot
 * ask about is reported as not checked, never as allowed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkCallerPermissions } from '../../src/engine/caller-permissions.js';
import { createTestAccount, type TestAccount } from '../support/env.js';

let account: TestAccount;
const ACCOUNT_ID = '123456789012';

beforeEach(() => {
  account = createTestAccount();
  // A role whose policies allow Lambda's VPC access and nothing else.
  account.sim.addFunction({ name: 'deploy-fn', roleName: 'deployer', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

const check = async (arn: string) =>
  checkCallerPermissions(await account.deps().connect(undefined), {
    stack: 'default',
    caller: { arn, accountId: ACCOUNT_ID },
    functions: [],
  });

describe('the permissions DryRun cannot check', () => {
  it("an assumed role: its role's policies are simulated, found by IAM (with its path)", async () => {
    const result = await check(`arn:aws:sts::${ACCOUNT_ID}:assumed-role/deployer/alice`);
    expect(result.missing).toEqual(['ssm:PutParameter']);
    expect(result.via['ssm:PutParameter']).toBe('policy-simulator');
    const simulated = account.sim.calls.find((c) => c.operation === 'SimulatePrincipalPolicy');
    expect((simulated?.input as { PolicySourceArn: string }).PolicySourceArn).toBe(
      `arn:aws:iam::${ACCOUNT_ID}:role/deployer`,
    );
    expect(account.sim.calls.map((c) => c.operation)).toContain('GetRole');
  });

  it('the root user: not checked, and says why', async () => {
    const result = await check(`arn:aws:iam::${ACCOUNT_ID}:root`);
    expect(result.unchecked).toEqual(['ssm:PutParameter']);
    expect(result.missing).toEqual([]);
    expect(result.why).toEqual([
      `IAM's policy simulator cannot check the policies of arn:aws:iam::${ACCOUNT_ID}:root`,
    ]);
    // The guard's read is still tried for real.
    expect(result.checked).toEqual(['ssm:GetParameter']);
  });
});
