/**
 * The fault matrices: setup or teardown interrupted at every AWS call (killed before the call,
 * killed after it took effect, lost response), then run again, for one stack shape. Each shape is
 * a file of its own (so vitest runs the shapes on separate cores) and each mode a test of its own,
 * all three starting from one reference run made once per file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SetupOptions } from '../../../src/commands/setup.js';
import { FixedIpError } from '../../../src/errors.js';
import {
  arm,
  createWorld,
  describeError,
  disarm,
  expectAccountRestored,
  expectCompleteStack,
  failuresOf,
  type InjectionPoint,
  injectionPoints,
  type Mode,
  MODES,
  referenceSetup,
  report,
  runSetup,
  runTeardown,
  shapeCounts,
  useMockedAws,
  type World,
  type WorldOptions,
} from '../support.js';

export interface Shape {
  label: string;
  options: Partial<SetupOptions>;
  nat: Parameters<typeof shapeCounts>[0];
  /** Gateway endpoints the shape has (--endpoints). */
  endpoints?: number;
  /** An operation the run must make (so the matrix really covers what the shape is about). */
  makes?: { setup: string; teardown: string };
}

export const GATEWAY: Shape = { label: 'gateway, 2 zones', options: {}, nat: 'gateway' };
export const GATEWAY_PER_AZ: Shape = {
  label: 'gateway-per-az, 2 zones',
  options: { nat: 'gateway-per-az', azs: 2 },
  nat: 'gateway-per-az',
};
export const REGIONAL: Shape = {
  label: 'regional, 2 zones',
  options: { nat: 'regional', azs: 2 },
  nat: 'regional',
};
export const GATEWAY_ENDPOINTS: Shape = {
  label: 'gateway, 2 zones, --endpoints s3,dynamodb, --budget',
  options: { inputs: { endpoints: 's3,dynamodb', budget: '60', budgetNotify: 'ops@example.com' } },
  nat: 'gateway',
  endpoints: 2,
  makes: { setup: 'CreateVpcEndpoint', teardown: 'DeleteVpcEndpoints' },
};
export const INSTANCE: Shape = {
  label: '--nat instance',
  options: { nat: 'instance' },
  nat: 'instance',
  makes: { setup: 'RunInstances', teardown: 'TerminateInstances' },
};

export const INSTANCE_HA: Shape = {
  label: '--nat instance --ha',
  options: { nat: 'instance', inputs: { ha: '' } },
  nat: 'instance',
  makes: { setup: 'CreateAutoScalingGroup', teardown: 'DeleteAutoScalingGroup' },
};

/** Terminated instances stay listed for about an hour: let them go before comparing accounts. */
const AFTER_AN_HOUR = 2 * 60 * 60_000;

/** After a teardown: the account as it began (a NAT instance's shape once its instance is gone). */
function expectRestored(shape: Shape, world: World, where: string): void {
  if (shape.nat === 'instance') world.clock.advance(AFTER_AN_HOUR);
  expectAccountRestored(world, where);
}

const only = (points: readonly InjectionPoint[], mode: Mode) => points.map((point) => ({ point, mode }));

/** Setup interrupted at every AWS call, then run again: exactly like an uninterrupted setup. */
export function setupMatrix(shape: Shape): void {
  useMockedAws();
  describe(`setup (${shape.label}) interrupted at every AWS call, then run again`, () => {
    let reference: Awaited<ReturnType<typeof referenceSetup>>;
    beforeAll(async () => {
      reference = await referenceSetup({}, shape.options);
      if (shape.makes) expect(reference.points.map((p) => p.operation)).toContain(shape.makes.setup);
    });

    it.each(MODES)(
      '%s: ends exactly like an uninterrupted setup: no duplicate, no orphan, nothing foreign touched',
      async (mode) => {
        const { expected, points } = reference;
        let failedRuns = 0;
        const failures = await failuresOf(only(points, mode), createWorld, async (world, { point }) => {
          const where = `setup call #${point.index} ${point.service}:${point.operation} (nth ${point.nth}), ${mode}`;
          arm(world, point, mode);
          const interrupted = await runSetup(world, shape.options);
          if (interrupted !== undefined) failedRuns += 1;
          disarm(world);
          const rerun = await runSetup(world, shape.options);
          expect(rerun, `${where}: re-run after "${describeError(interrupted)}"`).toBeUndefined();
          expectCompleteStack(world, expected, where, shapeCounts(shape.nat, 2, shape.endpoints ?? 0));
        });
        const mutating = points.filter((p) => p.mutated).length;
        report(
          `setup (${shape.label}), ${mode}: ${points.length} calls (${mutating} mutating) = ${points.length} injection points; ${failedRuns} interrupted runs failed as expected`,
        );
        expect(failures).toEqual([]);
      },
    );
  });
}

/** Setup interrupted at every mutating call, then torn down: the account as it began. */
export function setupThenTeardownMatrix(shape: Shape): void {
  useMockedAws();
  describe(`setup (${shape.label}) interrupted at every mutating call, then torn down instead of resumed`, () => {
    let points: InjectionPoint[];
    beforeAll(async () => {
      points = (await referenceSetup({}, shape.options)).points.filter((p) => p.mutated);
    });

    it.each(MODES)(
      '%s: teardown finds what the interrupted setup made but never recorded, and removes all of it',
      async (mode) => {
        const failures = await failuresOf(only(points, mode), createWorld, async (world, { point }) => {
          const where = `setup call #${point.index} ${point.service}:${point.operation} (nth ${point.nth}), ${mode}, then teardown`;
          arm(world, point, mode);
          const interrupted = await runSetup(world, shape.options);
          disarm(world);
          const down = await runTeardown(world);
          // Killed while taking the run guard (an SSM parameter), setup had made nothing: no stack is the truth.
          const nothingMade =
            point.service === 'ssm' && down instanceof FixedIpError && down.code === 'NO_STACK';
          if (!nothingMade)
            expect(down, `${where}: teardown after "${describeError(interrupted)}"`).toBeUndefined();
          expectRestored(shape, world, where);
        });
        report(
          `setup (${shape.label}) then teardown, ${mode}: ${points.length} mutating calls = ${points.length} injection points`,
        );
        expect(failures).toEqual([]);
      },
    );
  });
}

/** Teardown interrupted at every AWS call, then run again: the account as it was before setup. */
export function teardownMatrix(shape: Shape): void {
  useMockedAws();
  describe(`teardown (${shape.label}) interrupted at every AWS call, then run again`, () => {
    let from: NonNullable<WorldOptions['from']>;
    let points: InjectionPoint[];
    beforeAll(async () => {
      // A completed setup, frozen: every scenario starts a teardown from a copy of it.
      const world = createWorld();
      expect(await runSetup(world, shape.options)).toBeUndefined();
      from = {
        account: world.sim.toJSON(),
        now: world.clock.now(),
        state: { default: world.stateText() ?? '' },
        seeded: world.seeded,
        initial: world.initial,
      };
      world.dispose();
      const base = createWorld({ from });
      expect(await runTeardown(base)).toBeUndefined();
      expectRestored(shape, base, 'uninterrupted teardown');
      points = injectionPoints(base.sim.calls);
      base.dispose();
      if (shape.makes) expect(points.map((p) => p.operation)).toContain(shape.makes.teardown);
    });

    it.each(MODES)(
      '%s: leaves the account exactly as it was before setup, with nothing tagged left',
      async (mode) => {
        let failedRuns = 0;
        const failures = await failuresOf(
          only(points, mode),
          () => createWorld({ from }),
          async (world, { point }) => {
            const where = `teardown call #${point.index} ${point.service}:${point.operation} (nth ${point.nth}), ${mode}`;
            arm(world, point, mode);
            const interrupted = await runTeardown(world);
            if (interrupted !== undefined) failedRuns += 1;
            disarm(world);
            const rerun = await runTeardown(world);
            // Interrupted while releasing the run guard, after the stack was gone: the run succeeded,
            // and "no such stack" (exit 4) is the truth for the next one.
            const gone =
              interrupted === undefined && rerun instanceof FixedIpError && rerun.code === 'NO_STACK';
            if (!gone)
              expect(rerun, `${where}: re-run after "${describeError(interrupted)}"`).toBeUndefined();
            expectRestored(shape, world, where);
          },
        );
        const mutating = points.filter((p) => p.mutated).length;
        report(
          `teardown (${shape.label}), ${mode}: ${points.length} calls (${mutating} mutating) = ${points.length} injection points; ${failedRuns} interrupted runs failed`,
        );
        expect(failures).toEqual([]);
      },
    );
  });
}
