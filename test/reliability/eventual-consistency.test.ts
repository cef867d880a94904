import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arm,
  createWorld,
  describeError,
  disarm,
  expectCompleteStack,
  injectionPoints,
  installMocks,
  MODES,
  normalize,
  runSetup,
} from './support.js';

let restore: () => void;
beforeAll(() => {
  restore = installMocks();
});
afterAll(() => restore());

/** New resources stay invisible to Describe for 5 s; the NAT gateway takes a realistic minute. */
const timings = { eventualConsistencyMs: 5_000, natPendingMs: 60_000 };

describe('eventual consistency with lost responses', () => {
  it('an interrupted create that Describe cannot list yet is still never duplicated', async () => {
    const base = createWorld({ timings });
    expect(await runSetup(base)).toBeUndefined();
    const expected = normalize(base.sim.snapshot(), base.initial);
    const points = injectionPoints(base.sim.calls).filter((p) => p.mutated);
    base.dispose();

    const failures: string[] = [];
    for (const point of points) {
      for (const mode of MODES) {
        const where = `${point.operation} (nth ${point.nth}), ${mode}, with 5 s eventual consistency`;
        const world = createWorld({ timings });
        try {
          arm(world, point, mode);
          const first = await runSetup(world);
          disarm(world);
          // Re-run at once, while what the interrupted call made is still invisible.
          const rerun = first === undefined ? undefined : await runSetup(world);
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
    }
    // eslint-disable-next-line no-console -- the count of injection points is part of the report
    console.log(
      `eventual consistency: ${points.length} mutating calls x ${MODES.length} modes = ${points.length * MODES.length} injection points`,
    );
    expect(failures).toEqual([]);
  }, 60_000);
});
