import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { inTempDirectory, runMain } from '../support/main.js';

inTempDirectory('fixed-ip-said-once-');

/** Lines of a run's whole output (stdout and stderr) that give the monthly cost. */
const costLines = (run: { stdout: string; stderr: string }): string[] =>
  `${run.stdout}\n${run.stderr}`.split('\n').filter((line) => /USD a month/.test(line));

describe('setup says each thing once', () => {
  it('the cost: in the plan of a run that builds, at the end of one that changes nothing', async () => {
    const first = await runMain(['setup', '--simulate', '--yes']);
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    expect(costLines(first)).toEqual([expect.stringMatching(/^ {2}Cost: about \d+\.\d\d USD a month in /)]);
    const again = await runMain(['setup', '--simulate', '--yes']);
    expect(again.code, again.stderr).toBe(ExitCode.ok);
    expect(again.stderr).toMatch(/No changes/);
    expect(costLines(again)).toEqual([expect.stringMatching(/^Cost: about \d+\.\d\d USD a month in /)]);
  }, 120_000);
});
