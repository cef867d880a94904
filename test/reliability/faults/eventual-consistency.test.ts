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
} from '../support.js';

useMockedAws();

/** New resources stay invisible to Describe for 5 s; the NAT gateway takes a realistic minute. */
const timings = { eventualConsistencyMs: 5_000, natPendingMs: 60_000 };

describe('eventual consistency with lost responses', () => {
  it('an interrupted create that Describe cannot list yet is still never duplicated', async () => {
    const reference = await referenceSetup({ timings });
    const { expected } = reference;
    const points = reference.points.filter((p) => p.mutated);

    const failures = await failuresOf(
      everyMode(points),
      () => createWorld({ timings }),
      async (world, { point, mode }) => {
        const where = `${point.operation} (nth ${point.nth}), ${mode}, with 5 s eventual consistency`;
        arm(world, point, mode);
        const first = await runSetup(world);
        disarm(world);
        // Re-run at once, while what the interrupted call made is still invisible.
        const rerun = first === undefined ? undefined : await runSetup(world);
        expect(rerun, `${where}: re-run after "${describeError(first)}"`).toBeUndefined();
        expectCompleteStack(world, expected, where);
      },
      8,
    );
    report(
      `eventual consistency: ${points.length} mutating calls x ${MODES.length} modes = ${points.length * MODES.length} injection points`,
    );
    expect(failures).toEqual([]);
  }, 60_000);
});
