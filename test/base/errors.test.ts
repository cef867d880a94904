import { describe, expect, it } from 'vitest';
import { AbortError, FixedIpError } from '../../src/errors.js';
import type * as Errors from '../../src/errors.js';

describe('FixedIpError across copies of its module (the --simulate bundle has its own)', () => {
  it("is one to the exit point whichever copy made it, with its code's exit code and line", async () => {
    const path = '../../src/errors.js?another-copy';
    const other = (await import(/* @vite-ignore */ path)) as typeof Errors;
    expect(other.FixedIpError).not.toBe(FixedIpError);
    const error: unknown = other.badOption(
      '--region "mars-1" is not an AWS region name',
      'use a name like ap-northeast-1',
    );
    expect(error instanceof FixedIpError).toBe(true);
    expect((error as FixedIpError).exitCode).toBe(2);
    expect((error as FixedIpError).line).toBe(
      '--region "mars-1" is not an AWS region name; use a name like ap-northeast-1',
    );
  });

  it('leaves other errors and subclasses to the usual check', () => {
    expect(new Error('x') instanceof FixedIpError).toBe(false);
    expect(new AbortError('Stopped', false) instanceof FixedIpError).toBe(true);
    expect(new FixedIpError('INTERNAL', 'x') instanceof AbortError).toBe(false);
    expect(new AbortError('Stopped', false) instanceof AbortError).toBe(true);
  });
});
