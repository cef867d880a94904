/** Shared by the simulator's tests: a fresh account on a virtual clock, and AWS-error assertions. */
import { expect } from 'vitest';
import { AwsSimulator, type SimService, type SimTimings, VirtualClock } from '../src/index.js';

export function newSim(options: { timings?: Partial<SimTimings>; region?: string; seed?: number } = {}): {
  sim: AwsSimulator;
  clock: VirtualClock;
} {
  const clock = new VirtualClock();
  const sim = new AwsSimulator({ clock, ...options });
  return { sim, clock };
}

/** Awaits the call and returns the error, failing the test if it succeeded. */
export async function awsError(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; $fault?: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string };
  }
  expect.fail('expected the call to fail');
}

export async function expectAwsError(
  promise: Promise<unknown>,
  name: string,
  message?: string | RegExp,
): Promise<void> {
  const error = await awsError(promise);
  expect(error.name).toBe(name);
  if (message !== undefined) expect(error.message).toMatch(message);
}

/** A tiny client: sim.handle for one service. */
export function client(sim: AwsSimulator, service: SimService) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read SDK-shaped outputs freely
  return (operation: string, input: object = {}): Promise<any> => sim.handle(service, operation, input);
}

export const MINUTE = 60_000;
