/**
 * Through setup and teardown against the simulator (no call latency, virtual clock): each wait
 * notices AWS within a second of the resource becoming ready. The timings are odd on purpose, so
 * no schedule lands on them by luck.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup } from '../../src/commands/setup.js';
import { teardown } from '../../src/commands/teardown.js';
import type { SimCall } from '@fixed-ip/simulator';
import { createTestAccount, type TestAccount } from '../support/env.js';

const TIMINGS = {
  natPendingMs: 97_300,
  functionUpdateMs: 40_500,
  natDeletingMs: 52_200,
  eniReleaseMs: 19 * 60_000 + 500,
};

let account: TestAccount;
let vpcId: string;

function fresh(): void {
  account = createTestAccount({ timings: TIMINGS });
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
}

beforeEach(fresh);

afterEach(() => account.restore());

/** How long after `readyAt` the first `operation` call came (the one that saw the resource ready). */
function lag(calls: readonly SimCall[], operation: string, readyAt: number): number {
  const seen = calls.find((call) => call.operation === operation && call.at >= readyAt);
  expect(seen, `a ${operation} after ${readyAt}`).toBeDefined();
  return (seen?.at ?? Infinity) - readyAt;
}

function first(calls: readonly SimCall[], operation: string, from = 0): SimCall {
  const call = calls.slice(from).find((c) => c.operation === operation && c.outcome === 'ok');
  if (!call) throw new Error(`no ${operation}`);
  return call;
}

describe('waits notice AWS within a second', () => {
  it('NAT gateway available, function moved; then NAT gateway deleted and Lambda interfaces released', async () => {
    await setup({ functions: ['orders-api'], vpc: vpcId, name: 'default', yes: true }, account.deps());
    const calls = account.sim.calls;
    const created = first(calls, 'CreateNatGateway');
    expect(lag(calls, 'DescribeNatGateways', created.at + TIMINGS.natPendingMs)).toBeLessThanOrEqual(1_000);
    const moved = first(calls, 'UpdateFunctionConfiguration');
    expect(lag(calls, 'GetFunctionConfiguration', moved.at + TIMINGS.functionUpdateMs)).toBeLessThanOrEqual(
      1_000,
    );

    const from = calls.length;
    await teardown({ name: 'default', yes: true }, account.deps());
    const down = calls.slice(from);
    const deleted = first(down, 'DeleteNatGateway');
    expect(lag(down, 'DescribeNatGateways', deleted.at + TIMINGS.natDeletingMs)).toBeLessThanOrEqual(1_000);
    const detached = first(down, 'UpdateFunctionConfiguration');
    expect(lag(down, 'DescribeNetworkInterfaces', detached.at + TIMINGS.eniReleaseMs)).toBeLessThanOrEqual(
      1_000,
    );
    expect(down.filter((c) => c.operation === 'DeleteSubnet' && c.outcome !== 'ok')).toEqual([]);
  });

  it('a wait AWS throttles (past the SDK retries) slows down and goes on: setup completes', async () => {
    // Which DescribeNatGateways is the wait's second check, and which GetFunctionConfiguration the
    // function wait's first: from an uninterrupted setup.
    await setup({ functions: ['orders-api'], vpc: vpcId, name: 'default', yes: true }, account.deps());
    const reference = account.sim.calls;
    const count = (operation: string, before: string): number =>
      reference.slice(0, reference.indexOf(first(reference, before))).filter((c) => c.operation === operation)
        .length;
    const natChecks = count('DescribeNatGateways', 'CreateNatGateway') + 2;
    const functionChecks = count('GetFunctionConfiguration', 'UpdateFunctionConfiguration') + 1;
    account.restore();
    fresh();

    account.sim.inject({
      kind: 'reject',
      operation: 'ec2:DescribeNatGateways',
      error: 'throttle',
      nth: natChecks,
      times: 6,
    });
    account.sim.inject({
      kind: 'reject',
      operation: 'lambda:GetFunctionConfiguration',
      error: 'throttle',
      nth: functionChecks,
      times: 4,
    });
    const result = await setup(
      { functions: ['orders-api'], vpc: vpcId, name: 'default', yes: true },
      account.deps(),
    );
    expect(result.elasticIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const refused = account.sim.calls.filter((c) => c.outcome !== 'ok').map((c) => c.operation);
    expect(refused.filter((op) => op === 'DescribeNatGateways')).toHaveLength(6);
    expect(refused.filter((op) => op === 'GetFunctionConfiguration')).toHaveLength(4);
  });
});
