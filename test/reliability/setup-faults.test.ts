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

describe('setup interrupted at every AWS call, then run again', () => {
  it('ends exactly like an uninterrupted setup: no duplicate, no orphan, nothing foreign touched', async () => {
    const base = createWorld();
    expect(await runSetup(base)).toBeUndefined();
    const expected = normalize(base.sim.snapshot(), base.initial);
    const points = injectionPoints(base.sim.calls);
    base.dispose();

    const failures: string[] = [];
    let failedRuns = 0;
    for (const point of points) {
      for (const mode of MODES) {
        const where = `setup call #${point.index} ${point.service}:${point.operation} (nth ${point.nth}), ${mode}`;
        const world = createWorld();
        try {
          arm(world, point, mode);
          const interrupted = await runSetup(world);
          if (interrupted !== undefined) failedRuns += 1;
          disarm(world);
          const rerun = await runSetup(world);
          expect(rerun, `${where}: re-run after "${describeError(interrupted)}"`).toBeUndefined();
          expectCompleteStack(world, expected, where);
        } catch (error) {
          failures.push(
            error instanceof Error ? error.message.split('\n').slice(0, 12).join('\n') : String(error),
          );
        } finally {
          world.dispose();
        }
      }
    }
    const mutating = points.filter((p) => p.mutated).length;
    // eslint-disable-next-line no-console -- the count of injection points is part of the report
    console.log(
      `setup: ${points.length} calls (${mutating} mutating) x ${MODES.length} modes = ${points.length * MODES.length} injection points; ${failedRuns} interrupted runs failed as expected`,
    );
    expect(failures).toEqual([]);
  }, 120_000);
});
