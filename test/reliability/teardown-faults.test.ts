import { describe, expect, it } from 'vitest';
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
async function deployed(): Promise<NonNullable<WorldOptions['from']>> {
  const world = createWorld();
  expect(await runSetup(world)).toBeUndefined();
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

describe('teardown interrupted at every AWS call, then run again', () => {
  it('leaves the account exactly as it was before setup, with nothing tagged left', async () => {
    const from = await deployed();
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
        expect(rerun, `${where}: re-run after "${describeError(interrupted)}"`).toBeUndefined();
        expectAccountRestored(world, where);
      },
    );
    const mutating = points.filter((p) => p.mutated).length;
    report(
      `teardown: ${points.length} calls (${mutating} mutating) x ${MODES.length} modes = ${points.length * MODES.length} injection points; ${failedRuns} interrupted runs failed`,
    );
    expect(failures).toEqual([]);
  }, 120_000);
});
