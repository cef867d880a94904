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
  useMockedAws,
} from './support.js';

useMockedAws();

describe('setup interrupted at every AWS call, then run again', () => {
  it('ends exactly like an uninterrupted setup: no duplicate, no orphan, nothing foreign touched', async () => {
    const { expected, points } = await referenceSetup();

    let failedRuns = 0;
    const failures = await failuresOf(everyMode(points), createWorld, async (world, { point, mode }) => {
      const where = `setup call #${point.index} ${point.service}:${point.operation} (nth ${point.nth}), ${mode}`;
      arm(world, point, mode);
      const interrupted = await runSetup(world);
      if (interrupted !== undefined) failedRuns += 1;
      disarm(world);
      const rerun = await runSetup(world);
      expect(rerun, `${where}: re-run after "${describeError(interrupted)}"`).toBeUndefined();
      expectCompleteStack(world, expected, where);
    });
    const mutating = points.filter((p) => p.mutated).length;
    report(
      `setup: ${points.length} calls (${mutating} mutating) x ${MODES.length} modes = ${points.length * MODES.length} injection points; ${failedRuns} interrupted runs failed as expected`,
    );
    expect(failures).toEqual([]);
  }, 120_000);
});
