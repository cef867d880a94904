import { describe, expect, it } from 'vitest';
import {
  arm,
  createWorld,
  describeError,
  disarm,
  everyMode,
  expectCompleteStack,
  failuresOf,
  MODES,
  referenceSetup,
  report,
  runSetup,
  shapeCounts,
  useMockedAws,
} from './support.js';

useMockedAws();

/** The default shape (one NAT gateway, two zones), and the other NAT modes with two zones. */
const SHAPES = [
  { label: 'gateway, 2 zones', options: {}, counts: shapeCounts('gateway', 2) },
  {
    label: 'gateway-per-az, 2 zones',
    options: { nat: 'gateway-per-az', azs: 2 },
    counts: shapeCounts('gateway-per-az', 2),
  },
  { label: 'regional, 2 zones', options: { nat: 'regional', azs: 2 }, counts: shapeCounts('regional', 2) },
] as const;

describe.each(SHAPES)(
  'setup ($label) interrupted at every AWS call, then run again',
  ({ label, options, counts }) => {
    it('ends exactly like an uninterrupted setup: no duplicate, no orphan, nothing foreign touched', async () => {
      const { expected, points } = await referenceSetup({}, options);

      let failedRuns = 0;
      const failures = await failuresOf(everyMode(points), createWorld, async (world, { point, mode }) => {
        const where = `setup call #${point.index} ${point.service}:${point.operation} (nth ${point.nth}), ${mode}`;
        arm(world, point, mode);
        const interrupted = await runSetup(world, options);
        if (interrupted !== undefined) failedRuns += 1;
        disarm(world);
        const rerun = await runSetup(world, options);
        expect(rerun, `${where}: re-run after "${describeError(interrupted)}"`).toBeUndefined();
        expectCompleteStack(world, expected, where, counts);
      });
      const mutating = points.filter((p) => p.mutated).length;
      report(
        `setup (${label}): ${points.length} calls (${mutating} mutating) x ${MODES.length} modes = ${points.length * MODES.length} injection points; ${failedRuns} interrupted runs failed as expected`,
      );
      expect(failures).toEqual([]);
    }, 240_000);
  },
);
