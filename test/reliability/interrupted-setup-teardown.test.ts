import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arm,
  createWorld,
  describeError,
  disarm,
  expectAccountRestored,
  injectionPoints,
  installMocks,
  MODES,
  runSetup,
  runTeardown,
} from './support.js';

let restore: () => void;
beforeAll(() => {
  restore = installMocks();
});
afterAll(() => restore());

describe('setup interrupted at every mutating call, then torn down instead of resumed', () => {
  it('teardown finds what the interrupted setup made but never recorded, and removes all of it', async () => {
    const base = createWorld();
    expect(await runSetup(base)).toBeUndefined();
    const points = injectionPoints(base.sim.calls).filter((p) => p.mutated);
    base.dispose();

    const failures: string[] = [];
    for (const point of points) {
      for (const mode of MODES) {
        const where = `setup call #${point.index} ${point.service}:${point.operation} (nth ${point.nth}), ${mode}, then teardown`;
        const world = createWorld();
        try {
          arm(world, point, mode);
          const interrupted = await runSetup(world);
          disarm(world);
          const down = await runTeardown(world);
          expect(down, `${where}: teardown after "${describeError(interrupted)}"`).toBeUndefined();
          expectAccountRestored(world, where);
        } catch (error) {
          failures.push(
            error instanceof Error ? error.message.split('\n').slice(0, 12).join('\n') : String(error),
          );
        } finally {
          world.dispose();
        }
      }
    }
    // eslint-disable-next-line no-console -- the count of injection points is part of the report
    console.log(
      `setup then teardown: ${points.length} mutating calls x ${MODES.length} modes = ${points.length * MODES.length} injection points`,
    );
    expect(failures).toEqual([]);
  }, 120_000);
});
