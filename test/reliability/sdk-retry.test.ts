/**
 * Through the real SDK clients and their retry middleware (no aws-sdk-client-mock here): the
 * simulator sits behind attachSimulator, as with --simulate, so the SDK's standard retry policy
 * really retries throttling, 5xx and reset connections, and a retried create may apply twice.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsPort } from '../../src/aws/clients.js';
import { setup } from '../../src/commands/setup.js';
import type { Deps } from '../../src/core/context.js';
import { FileStateStore } from '../../src/state/store.js';
import { AwsSimulator, attachSimulator, VirtualClock } from '../../src/simulator/index.js';
import { createRecordingUi } from '../support/recording-ui.js';
import {
  describeError,
  expectCompleteStack,
  FAST_TIMINGS,
  injectionPoints,
  normalize,
  seedAccount,
  type World,
} from './support.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A world whose Deps build real clients routed to the simulator by an SDK middleware. */
function sdkWorld(): World {
  const clock = new VirtualClock();
  const sim = new AwsSimulator({ clock, timings: FAST_TIMINGS, seed: 1 });
  const seeded = seedAccount(sim);
  const initial = sim.snapshot();
  const dir = mkdtempSync(join(tmpdir(), 'fixed-ip-sdk-'));
  dirs.push(dir);
  const statePath = (name = 'default'): string => join(dir, `${name}.json`);
  const deps = (): Deps & { recording: ReturnType<typeof createRecordingUi> } => {
    const recording = createRecordingUi({ interactive: false });
    return {
      recording,
      ui: recording.ui,
      clock,
      connect: (region) =>
        createAwsPort({
          region: region ?? sim.region,
          credentials: { accessKeyId: 'SIM', secretAccessKey: 'SIM' },
          intercept: (client, service) => attachSimulator(client, service, sim),
        }),
      openStore: (name, path) => new FileStateStore(path ?? statePath(name)),
    };
  };
  const stateText = (name = 'default'): string | undefined => {
    try {
      return readFileSync(statePath(name), 'utf8');
    } catch {
      return undefined;
    }
  };
  return {
    sim,
    clock,
    dir,
    seeded,
    initial,
    statePath,
    readState: (name) => {
      const text = stateText(name);
      return text === undefined ? undefined : JSON.parse(text);
    },
    stateText,
    deps,
    killAt: () => undefined,
    dead: false,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const run = (world: World) =>
  setup(
    { functions: ['orders-api'], vpc: world.seeded.vpcId, name: 'default', yes: true },
    world.deps(),
  ).then(
    () => undefined,
    (error: unknown) => error,
  );

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
    const base = sdkWorld();
    expect(await run(base)).toBeUndefined();
    const expected = normalize(base.sim.snapshot(), base.initial);
    const points = injectionPoints(base.sim.calls).filter((p) => p.mutated);

    const failures: string[] = [];
    let retried = 0;
    for (const point of points) {
      const where = `lost ${point.operation} (nth ${point.nth}) through the SDK`;
      const world = sdkWorld();
      try {
        world.sim.inject({
          kind: 'lostResponse',
          operation: `${point.service}:${point.operation}`,
          nth: point.nth,
        });
        const first = await run(world);
        const attempts = world.sim.calls.filter((c) => c.operation === point.operation).length;
        const baseline = base.sim.calls.filter((c) => c.operation === point.operation).length;
        if (UNTOKENED.has(point.operation)) {
          // ec2Create: the reset is not retried, so the run fails and the re-run finds it by its tags.
          expect(first, `${where}: not retried`).toBeDefined();
          expect(attempts, `${where}: one call`).toBeLessThanOrEqual(baseline);
        } else if (attempts > baseline) {
          retried += 1;
        }
        world.sim.clearFaults();
        const rerun = first === undefined ? undefined : await run(world);
        expect(rerun, `${where}: re-run after "${describeError(first)}"`).toBeUndefined();
        expectCompleteStack(world, expected, where);
      } catch (error) {
        failures.push(
          error instanceof Error ? error.message.split('\n').slice(0, 8).join('\n') : String(error),
        );
      } finally {
        world.dispose();
      }
    }
    // eslint-disable-next-line no-console -- the count of injection points is part of the report
    console.log(
      `setup through the SDK: ${points.length} mutating calls with a lost response; the SDK retried ${retried} of them`,
    );
    expect(retried).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  }, 60_000);
});

describe('throttling and 5xx bursts', () => {
  it('two throttles and two 5xx on several calls: the SDK retries, setup completes in one run with no duplicate', async () => {
    const base = sdkWorld();
    expect(await run(base)).toBeUndefined();
    const expected = normalize(base.sim.snapshot(), base.initial);

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
    expect(await run(world)).toBeUndefined();
    const refused = world.sim.calls.filter((c) => c.outcome !== 'ok').map((c) => c.outcome);
    expect(refused.filter((o) => /RequestLimitExceeded|TooManyRequests|Throttl/.test(o)).length).toBe(12);
    expect(refused.filter((o) => /InternalError|ServiceException|ServiceFailure/.test(o)).length).toBe(12);
    expectCompleteStack(world, expected, 'throttle and 5xx bursts');
    world.dispose();
    base.dispose();
  }, 60_000);

  it('a 5xx on a create without a token is not retried (it may have taken effect); the re-run completes without a duplicate', async () => {
    const base = sdkWorld();
    expect(await run(base)).toBeUndefined();
    const expected = normalize(base.sim.snapshot(), base.initial);
    const world = sdkWorld();
    // The first AllocateAddress is setup's DryRun permission check; the second is the real create.
    world.sim.inject({ kind: 'reject', operation: 'ec2:AllocateAddress', error: 'server', nth: 2, times: 2 });
    expect(await run(world)).toBeDefined();
    const creates = world.sim.calls.filter(
      (c) => c.operation === 'AllocateAddress' && !(c.input as { DryRun?: boolean }).DryRun,
    );
    expect(creates).toHaveLength(1);
    world.sim.clearFaults();
    expect(await run(world)).toBeUndefined();
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
    // aws/errors.ts names these errors only to explain them to the user, after the SDK gave up.
    for (const file of files('src').filter(
      (f) => !f.includes('/simulator/') && !f.endsWith('aws/retry.ts') && !f.endsWith('aws/errors.ts'),
    )) {
      const text = readFileSync(file, 'utf8');
      if (
        /Throttl|RequestLimitExceeded|TooManyRequests|ServiceUnavailable|ECONNRESET|isTransientError|isThrottlingError|\b5\d\d\b.*retry/.test(
          text,
        )
      )
        offenders.push(file);
      if (/for \(let attempt|while \(true\)|for \(;;\)/.test(text)) loops.push(file);
    }
    expect(offenders).toEqual([]);
    // The loops that remain wait on AWS's domain states, not on transport errors: a resource still
    // in use (DependencyViolation), a function update in progress, a NAT gateway pending, the lock
    // file, the graph scheduler, and the layers of duplicates teardown removes.
    expect(loops.sort()).toEqual([
      'src/core/discover.ts',
      'src/core/graph.ts',
      'src/core/wait.ts',
      'src/state/lock.ts',
      'src/steps/functions.ts',
      'src/steps/retry.ts',
    ]);
  });
});
