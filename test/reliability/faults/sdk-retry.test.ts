/**
 * Through the real SDK clients and their retry middleware (no aws-sdk-client-mock here): the
 * simulator sits behind attachSimulator, as with --simulate, so the SDK's standard retry policy
 * really retries throttling, 5xx and reset connections, and a retried create may apply twice.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createWorld,
  describeError,
  expectCompleteStack,
  failuresOf,
  referenceSetup,
  report,
  runSetup,
  type World,
  type WorldOptions,
} from '../support.js';

const VIA_SDK: WorldOptions = { viaSdk: true };

const worlds: World[] = [];
afterEach(() => {
  for (const world of worlds.splice(0)) world.dispose();
});

/** A world whose Deps build real clients routed to the simulator by an SDK middleware. */
function sdkWorld(): World {
  const world = createWorld(VIA_SDK);
  worlds.push(world);
  return world;
}

/** Creates without a ClientToken go through the ec2Create client: never retried on a reset connection. */
const UNTOKENED = new Set([
  'CreateInternetGateway',
  'CreateSubnet',
  'CreateSecurityGroup',
  'AllocateAddress',
  'CreateVpc',
]);

describe('lost responses through the SDK retry path', () => {
  it('on every mutating setup call: no duplicate, and the untokened creates are not retried', async () => {
    const { expected, calls, points } = await referenceSetup(VIA_SDK);
    const mutating = points.filter((p) => p.mutated);

    let retried = 0;
    const failures = await failuresOf(
      mutating,
      sdkWorld,
      async (world, point) => {
        const where = `lost ${point.operation} (nth ${point.nth}) through the SDK`;
        world.sim.inject({
          kind: 'lostResponse',
          operation: `${point.service}:${point.operation}`,
          nth: point.nth,
        });
        const first = await runSetup(world);
        const attempts = world.sim.calls.filter((c) => c.operation === point.operation).length;
        const baseline = calls.filter((c) => c.operation === point.operation).length;
        if (UNTOKENED.has(point.operation)) {
          // ec2Create: the reset is not retried, so the run fails and the re-run finds it by its tags.
          expect(first, `${where}: not retried`).toBeDefined();
          expect(attempts, `${where}: one call`).toBeLessThanOrEqual(baseline);
        } else if (attempts > baseline) {
          retried += 1;
        }
        world.sim.clearFaults();
        const rerun = first === undefined ? undefined : await runSetup(world);
        expect(rerun, `${where}: re-run after "${describeError(first)}"`).toBeUndefined();
        expectCompleteStack(world, expected, where);
      },
      8,
    );
    report(
      `setup through the SDK: ${mutating.length} mutating calls with a lost response; the SDK retried ${retried} of them`,
    );
    expect(retried).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  }, 60_000);
});

describe('throttling and 5xx bursts', () => {
  it('two throttles and two 5xx on several calls: the SDK retries, setup completes in one run with no duplicate', async () => {
    const { expected } = await referenceSetup(VIA_SDK);

    const world = sdkWorld();
    for (const operation of [
      'sts:GetCallerIdentity',
      'ec2:CreateSubnet',
      'ec2:AllocateAddress',
      'ec2:CreateNatGateway',
      'lambda:UpdateFunctionConfiguration',
      'ec2:DescribeNatGateways',
    ]) {
      world.sim.inject({ kind: 'reject', operation, error: 'throttle', times: 2 });
    }
    // 5xx only where a retry is safe: reads, and creates with a ClientToken or a natural key.
    for (const operation of [
      'ec2:CreateNatGateway',
      'ec2:CreateRouteTable',
      'ec2:DescribeSubnets',
      'iam:SimulatePrincipalPolicy',
      'lambda:UpdateFunctionConfiguration',
      'lambda:GetFunctionConfiguration',
    ]) {
      world.sim.inject({ kind: 'reject', operation, error: 'server', times: 2 });
    }
    expect(await runSetup(world)).toBeUndefined();
    const refused = world.sim.calls.filter((c) => c.outcome !== 'ok').map((c) => c.outcome);
    expect(refused.filter((o) => /RequestLimitExceeded|TooManyRequests|Throttl/.test(o)).length).toBe(12);
    expect(refused.filter((o) => /InternalError|ServiceException|ServiceFailure/.test(o)).length).toBe(12);
    expectCompleteStack(world, expected, 'throttle and 5xx bursts');
  }, 60_000);

  it('a 5xx on a create without a token is not retried (it may have taken effect); the re-run completes without a duplicate', async () => {
    const { expected } = await referenceSetup(VIA_SDK);
    const world = sdkWorld();
    // The first AllocateAddress is setup's DryRun permission check; the second is the real create.
    world.sim.inject({ kind: 'reject', operation: 'ec2:AllocateAddress', error: 'server', nth: 2, times: 2 });
    expect(await runSetup(world)).toBeDefined();
    const creates = world.sim.calls.filter(
      (c) => c.operation === 'AllocateAddress' && !(c.input as { DryRun?: boolean }).DryRun,
    );
    expect(creates).toHaveLength(1);
    world.sim.clearFaults();
    expect(await runSetup(world)).toBeUndefined();
    expectCompleteStack(world, expected, '5xx on AllocateAddress');
  });

  it('src has no retry loop of its own for throttling, 5xx or resets: the SDK policy in src/aws/retry.ts does it', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? files(join(dir, entry.name))
          : entry.name.endsWith('.ts')
            ? [join(dir, entry.name)]
            : [],
      );
    const offenders: string[] = [];
    const loops: string[] = [];
    // aws/errors.ts names these errors to explain them to the user, after the SDK gave up, and to
    // tell throttling apart; model/wait.ts slows a poll down when AWS throttled a check the SDK could
    // not get through (it retries no call: the next check is the poll's own, on its schedule).
    const namesThem = (f: string): boolean =>
      f.endsWith('aws/retry.ts') || f.endsWith('aws/errors.ts') || f.endsWith('model/wait.ts');
    for (const file of files('src').filter((f) => !f.includes('/simulator/'))) {
      const text = readFileSync(file, 'utf8');
      if (
        !namesThem(file) &&
        /Throttl|RequestLimitExceeded|TooManyRequests|ServiceUnavailable|ECONNRESET|isTransientError|isThrottlingError|\b5\d\d\b.*retry/.test(
          text,
        )
      )
        offenders.push(file);
      if (/for \(let attempt|while \(true\)|for \(;;\)/.test(text)) loops.push(file);
    }
    expect(offenders).toEqual([]);
    // The loops that remain wait on AWS's domain states, not on transport errors: a resource still
    // in use (DependencyViolation), a function update in progress, a NAT gateway pending, the one
    // lease (a lease released between a run's read and its write), the graph scheduler, and the
    // layers of duplicates teardown removes.
    expect(loops.sort()).toEqual([
      'src/kinds/functions.ts',
      'src/kinds/retry.ts',
      'src/lease/lease.ts',
      'src/model/graph.ts',
      'src/model/wait.ts',
    ]);
  });
});
