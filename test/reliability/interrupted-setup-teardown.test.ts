import { describe, expect, it } from 'vitest';
import { FixedIpError } from '../../src/errors.js';
import {
  arm,
  createWorld,
  describeError,
  disarm,
  everyMode,
  expectAccountRestored,
  failuresOf,
  MODES,
  referenceSetup,
  report,
  runSetup,
  runTeardown,
  useMockedAws,
} from './support.js';

useMockedAws();

describe('setup interrupted at every mutating call, then torn down instead of resumed', () => {
  it('teardown finds what the interrupted setup made but never recorded, and removes all of it', async () => {
    const points = (await referenceSetup()).points.filter((p) => p.mutated);

    const failures = await failuresOf(everyMode(points), createWorld, async (world, { point, mode }) => {
      const where = `setup call #${point.index} ${point.service}:${point.operation} (nth ${point.nth}), ${mode}, then teardown`;
      arm(world, point, mode);
      const interrupted = await runSetup(world);
      disarm(world);
      const down = await runTeardown(world);
      // Killed while taking the run guard (an SSM parameter), setup had made nothing: no stack is the truth.
      const nothingMade = point.service === 'ssm' && down instanceof FixedIpError && down.code === 'NO_STACK';
      if (!nothingMade)
        expect(down, `${where}: teardown after "${describeError(interrupted)}"`).toBeUndefined();
      expectAccountRestored(world, where);
    });
    report(
      `setup then teardown: ${points.length} mutating calls x ${MODES.length} modes = ${points.length * MODES.length} injection points`,
    );
    expect(failures).toEqual([]);
  }, 120_000);
});
