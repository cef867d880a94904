/**
 * The fault matrix for `--nat instance`: setup interrupted at every AWS call (killed before,
 * killed after, lost response) and run again ends exactly like an uninterrupted setup; setup
 * interrupted at every mutating call and then torn down leaves the account as it began; and
 * teardown interrupted at every call and run again does too.
 */
import { describe, expect, it } from 'vitest';
import { FixedIpError } from '../../src/errors.js';
import {
  arm,
  createWorld,
  describeError,
  disarm,
  everyMode,
  expectAccountRestored,
  expectCompleteStack,
  failuresOf,
  injectionPoints,
  MODES,
  referenceSetup,
  report,
  runSetup,
  runTeardown,
  shapeCounts,
  useMockedAws,
  type World,
  type WorldOptions,
} from './support.js';

useMockedAws();

const INSTANCE = { nat: 'instance' } as const;
/** Terminated instances stay listed for about an hour: let them go before comparing accounts. */
const AFTER_AN_HOUR = 2 * 60 * 60_000;

function restored(world: World, where: string): void {
  world.clock.advance(AFTER_AN_HOUR);
  expectAccountRestored(world, where);
}

describe('--nat instance under faults', () => {
  it('setup interrupted at every AWS call, then run again: no duplicate, no orphan, nothing foreign touched', async () => {
    const { expected, points } = await referenceSetup({}, INSTANCE);
    expect(points.some((p) => p.operation === 'RunInstances')).toBe(true);
    let failedRuns = 0;
    const failures = await failuresOf(everyMode(points), createWorld, async (world, { point, mode }) => {
      const where = `setup call #${point.index} ${point.service}:${point.operation} (nth ${point.nth}), ${mode}`;
      arm(world, point, mode);
      const interrupted = await runSetup(world, INSTANCE);
      if (interrupted !== undefined) failedRuns += 1;
      disarm(world);
      const rerun = await runSetup(world, INSTANCE);
      expect(rerun, `${where}: re-run after "${describeError(interrupted)}"`).toBeUndefined();
      expectCompleteStack(world, expected, where, shapeCounts('instance'));
    });
    const mutating = points.filter((p) => p.mutated).length;
    report(
      `setup --nat instance: ${points.length} calls (${mutating} mutating) x ${MODES.length} modes = ${points.length * MODES.length} injection points; ${failedRuns} interrupted runs failed as expected`,
    );
    expect(failures).toEqual([]);
  }, 300_000);

  it('setup interrupted at every mutating call, then torn down: the account as it began', async () => {
    const points = (await referenceSetup({}, INSTANCE)).points.filter((p) => p.mutated);
    const failures = await failuresOf(everyMode(points), createWorld, async (world, { point, mode }) => {
      const where = `setup call #${point.index} ${point.service}:${point.operation} (nth ${point.nth}), ${mode}, then teardown`;
      arm(world, point, mode);
      const interrupted = await runSetup(world, INSTANCE);
      disarm(world);
      const down = await runTeardown(world);
      // Killed while taking the run guard (an SSM parameter), setup had made nothing: no stack is the truth.
      const nothingMade = point.service === 'ssm' && down instanceof FixedIpError && down.code === 'NO_STACK';
      if (!nothingMade)
        expect(down, `${where}: teardown after "${describeError(interrupted)}"`).toBeUndefined();
      restored(world, where);
    });
    report(
      `setup --nat instance then teardown: ${points.length} mutating calls x ${MODES.length} modes = ${points.length * MODES.length} injection points`,
    );
    expect(failures).toEqual([]);
  }, 300_000);

  it('teardown interrupted at every AWS call, then run again: the account as it began', async () => {
    const world = createWorld();
    expect(await runSetup(world, INSTANCE)).toBeUndefined();
    const from: NonNullable<WorldOptions['from']> = {
      account: world.sim.toJSON(),
      now: world.clock.now(),
      state: { default: world.stateText() ?? '' },
      seeded: world.seeded,
      initial: world.initial,
    };
    world.dispose();
    const base = createWorld({ from });
    expect(await runTeardown(base)).toBeUndefined();
    restored(base, 'uninterrupted teardown');
    const points = injectionPoints(base.sim.calls);
    base.dispose();
    expect(points.some((p) => p.operation === 'TerminateInstances')).toBe(true);

    const failures = await failuresOf(
      everyMode(points),
      () => createWorld({ from }),
      async (scenario, { point, mode }) => {
        const where = `teardown call #${point.index} ${point.service}:${point.operation} (nth ${point.nth}), ${mode}`;
        arm(scenario, point, mode);
        const interrupted = await runTeardown(scenario);
        disarm(scenario);
        const rerun = await runTeardown(scenario);
        // Interrupted while releasing the run guard, after the stack was gone: the run succeeded,
        // and "no such stack" (exit 4) is the truth for the next one.
        const gone = interrupted === undefined && rerun instanceof FixedIpError && rerun.code === 'NO_STACK';
        if (!gone) expect(rerun, `${where}: re-run after "${describeError(interrupted)}"`).toBeUndefined();
        restored(scenario, where);
      },
    );
    report(
      `teardown --nat instance: ${points.length} calls x ${MODES.length} modes = ${points.length * MODES.length} injection points`,
    );
    expect(failures).toEqual([]);
  }, 300_000);
});
