/**
 * One definition of a read-only AWS operation (src/aws/read-only.ts) and the simulator's call log
 * agree: the simulator diffs the account on every call, so a call that changed it is flagged
 * whatever its name, and no operation classified read-only ever changes the account.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isReadOnlyOperation } from '../../src/aws/read-only.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { verify } from '../../src/commands/verify.js';
import { SIMULATED_OPERATIONS } from '@fixed-ip/simulator';
import { createTestAccount, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

const MODES: Array<NonNullable<SetupOptions['nat']>> = ['gateway', 'gateway-per-az', 'regional', 'instance'];

describe('which calls change the account', () => {
  it.each(MODES)('--nat %s: every call that changed the account is a non-read operation', async (nat) => {
    await setup(
      { functions: ['orders-api'], vpc: vpcId, name: 'default', yes: true, azs: 2, nat },
      account.deps(),
    );
    await status({ name: 'default' }, account.deps());
    await verify({ name: 'default' }, account.deps());
    await teardown({ name: 'default', yes: true }, account.deps());

    const changed = account.sim.calls.filter((call) => call.mutated).map((call) => call.operation);
    expect(changed.filter(isReadOnlyOperation)).toEqual([]);
    // The simulator flags what a name-based guess missed before: these change the account too.
    const expected =
      nat === 'instance'
        ? [
            'RunInstances',
            'TerminateInstances',
            'ModifyNetworkInterfaceAttribute',
            'AuthorizeSecurityGroupIngress',
          ]
        : ['CreateNatGateway', 'DeleteNatGateway'];
    for (const operation of expected) expect(changed).toContain(operation);
  });

  it('classifies every operation the simulator answers', () => {
    const reads = Object.values(SIMULATED_OPERATIONS).flat().filter(isReadOnlyOperation);
    expect(reads.every((op) => /^(Describe|Get|List|Simulate)/.test(op))).toBe(true);
    for (const op of [
      'RunInstances',
      'TerminateInstances',
      'Invoke',
      'AuthorizeSecurityGroupIngress',
      'PutParameter',
    ])
      expect(isReadOnlyOperation(op), op).toBe(false);
    for (const op of ['DescribeVpcs', 'GetFunction', 'ListFunctions', 'SimulatePrincipalPolicy'])
      expect(isReadOnlyOperation(op), op).toBe(true);
  });
});
