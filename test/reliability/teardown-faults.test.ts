import { describe, expect, it } from 'vitest';
import { FixedIpError } from '../../src/errors.js';
import type { SetupOptions } from '../../src/commands/setup.js';
import {
  arm,
  createWorld,
  describeError,
  disarm,
  everyMode,
  expectAccountRestored,
  failuresOf,
  injectionPoints,
  MODES,
  report,
  runSetup,
  runTeardown,
  useMockedAws,
  type World,
  type WorldOptions,
} from './support.js';

useMockedAws();

/** A completed setup, frozen: every scenario starts a teardown from a copy of it. */
async function deployed(options: Partial<SetupOptions>): Promise<NonNullable<WorldOptions['from']>> {
  const world = createWorld();
  expect(await runSetup(world, options)).toBeUndefined();
  const from = {
    account: world.sim.toJSON(),
    now: world.clock.now(),
    state: { default: world.stateText() ?? '' },
    seeded: world.seeded,
    initial: world.initial,
  };
  world.dispose();
  return from;
}

const SHAPES = [
  { label: 'gateway, 2 zones', options: {} },
  { label: 'gateway-per-az, 2 zones', options: { nat: 'gateway-per-az', azs: 2 } },
  { label: 'regional, 2 zones', options: { nat: 'regional', azs: 2 } },
] as const;

describe.each(SHAPES)(
  'teardown ($label) interrupted at every AWS call, then run again',
  ({ label, options }) => {
    it('leaves the account exactly as it was before setup, with nothing tagged left', async () => {
      const from = await deployed(options);
      const base: World = createWorld({ from });
      expect(await runTeardown(base)).toBeUndefined();
      expectAccountRestored(base, 'uninterrupted teardown');
      const points = injectionPoints(base.sim.calls);
      base.dispose();

      let failedRuns = 0;
      const failures = await failuresOf(
        everyMode(points),
        () => createWorld({ from }),
        async (world, { point, mode }) => {
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
          if (!gone) expect(rerun, `${where}: re-run after "${describeError(interrupted)}"`).toBeUndefined();
          expectAccountRestored(world, where);
        },
      );
      const mutating = points.filter((p) => p.mutated).length;
      report(
        `teardown (${label}): ${points.length} calls (${mutating} mutating) x ${MODES.length} modes = ${points.length * MODES.length} injection points; ${failedRuns} interrupted runs failed`,
      );
      expect(failures).toEqual([]);
    }, 240_000);
  },
);
