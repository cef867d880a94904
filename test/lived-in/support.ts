/** What the lived-in suites share: one simulated account with a VPC and a function, and its views. */
import { afterEach, beforeEach, expect } from 'vitest';
import type { SetupOptions } from '../../src/commands/setup.js';
import { FixedIpError } from '../../src/errors.js';
import { createTestAccount, type TestAccount } from '../support/env.js';

export interface Snap {
  subnets: Array<{ id: string; tags: Record<string, string> }>;
  securityGroups: Array<{ id: string; name: string }>;
  natGateways: Array<{ id: string; state: string }>;
  addresses: Array<{ id: string; tags: Record<string, string> }>;
  internetGateways: Array<{ id: string; vpcId: string | null; tags: Record<string, string> }>;
  functions: Array<{ name: string; subnetIds: string[]; securityGroupIds: string[] }>;
}

export interface LivedIn {
  readonly account: TestAccount;
  readonly vpcId: string;
  /** setup's options for stack `default`, one zone, function orders-api, confirmed. */
  options(extra?: Partial<SetupOptions>): SetupOptions;
  snap(): Snap;
  fn(name: string): Snap['functions'][number] | undefined;
  /** Calls AWS as a person would by hand, outside fixed-ip; ten minutes pass. */
  byHand(service: 'lambda' | 'ec2', operation: string, input: Record<string, unknown>): Promise<unknown>;
}

/** A fresh account for each test: a VPC `app` and the functions named (orders-api by default). */
export function useLivedIn(functions: readonly string[] = ['orders-api']): LivedIn {
  let account: TestAccount | undefined;
  let vpcId = '';
  beforeEach(() => {
    account = createTestAccount();
    vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
    for (const name of functions)
      account.sim.addFunction({ name, runtime: 'nodejs20.x', roleHasVpcAccess: true });
  });
  afterEach(() => account?.restore());
  const current = (): TestAccount => {
    if (!account) throw new Error('useLivedIn: no account outside a test');
    return account;
  };
  const snap = (): Snap => current().sim.snapshot() as Snap;
  return {
    get account() {
      return current();
    },
    get vpcId() {
      return vpcId;
    },
    options: (extra = {}) => ({
      functions: ['orders-api'],
      vpc: vpcId,
      name: 'default',
      yes: true,
      azs: 1,
      ...extra,
    }),
    snap,
    fn: (name) => snap().functions.find((f) => f.name === name),
    async byHand(service, operation, input) {
      const out = await current().sim.handle(service, operation, input);
      current().clock.advance(10 * 60_000);
      return out;
    },
  };
}

/** The FixedIpError a command failed with (the test fails if it did not fail so). */
export async function rejection(promise: Promise<unknown>): Promise<FixedIpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FixedIpError);
  return error as FixedIpError;
}
