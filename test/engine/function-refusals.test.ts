/**
 * Functions that cannot be attached get one line before anything is created: Lambda@Edge replicas
 * (by name or ARN), Lambda@Edge functions (their role trusts edgelambda.amazonaws.com), and Lambda
 * Managed Instances functions (their network is their capacity provider's).
 */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plan } from '../../src/commands/plan.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { capacityProviderRefusal } from '../../src/engine/function-refusals.js';
import { ExitCode, FixedIpError } from '../../src/errors.js';
import { createTestAccount, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  ...extra,
});
const snapshot = (): string => JSON.stringify(account.sim.snapshot());

async function rejection(promise: Promise<unknown>): Promise<FixedIpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FixedIpError);
  return error as FixedIpError;
}

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api' });
});

afterEach(() => account.restore());

describe('Lambda@Edge replicas', () => {
  it.each([
    'us-east-1.edge-auth',
    'arn:aws:lambda:ap-northeast-1:123456789012:function:us-east-1.edge-auth',
    'arn:aws:lambda:ap-northeast-1:123456789012:function:us-east-1.edge-auth:3',
  ])('--function %s: one line, exit 2, nothing created', async (value) => {
    account.sim.addFunction({ name: 'us-east-1.edge-auth' });
    const before = snapshot();
    const error = await rejection(setup(options({ functions: [value] }), account.deps()));
    expect(error.code).toBe('BAD_OPTION');
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.line).toMatch(/is a Lambda@Edge replica, which CloudFront makes and manages/);
    expect(error.line).not.toContain('\n');
    expect(error.hint).toMatch(/leave it out/);
    expect(snapshot()).toBe(before);
  });
});

describe('Lambda@Edge functions', () => {
  beforeEach(async () => {
    // Made as CloudFront's guide says: the role trusts Lambda and Lambda@Edge.
    await account.sim.handle('iam', 'CreateRole', {
      RoleName: 'edge-role',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: ['lambda.amazonaws.com', 'edgelambda.amazonaws.com'] },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    });
    await account.sim.handle('iam', 'AttachRolePolicy', {
      RoleName: 'edge-role',
      PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
    });
    account.sim.addFunction({ name: 'edge-auth', roleName: 'edge-role' });
  });

  it('plan shows it as a blocker naming the role', async () => {
    const report = await plan(options({ functions: ['edge-auth', 'orders-api'] }), account.deps());
    expect(report.wouldSucceed).toBe(false);
    expect(report.blockers).toContain(
      "edge-auth is a Lambda@Edge function (its role edge-role trusts edgelambda.amazonaws.com), and Lambda@Edge functions cannot be in a VPC: leave it out (its requests leave from CloudFront's edge locations)",
    );
    // The other function is not blocked by it.
    expect(report.blockers.some((b) => b.includes('orders-api'))).toBe(false);
  });

  it('setup refuses before creating anything', async () => {
    const before = snapshot();
    const error = await rejection(setup(options({ functions: ['edge-auth'] }), account.deps()));
    expect(error.code).toBe('PLAN_BLOCKED');
    expect(error.line).toMatch(/edge-auth is a Lambda@Edge function/);
    expect(snapshot()).toBe(before);
  });

  it('a function whose role trusts Lambda only is not refused', async () => {
    const report = await plan(options(), account.deps());
    expect(report.blockers).toEqual([]);
  });
});

describe('Lambda Managed Instances', () => {
  it('a function with a capacity provider is refused, naming it; one without is not', () => {
    const managed: FunctionConfiguration = {
      FunctionName: 'batch',
      CapacityProviderConfig: {
        LambdaManagedInstancesCapacityProviderConfig: {
          CapacityProviderArn: 'arn:aws:lambda:ap-northeast-1:123456789012:capacity-provider:big-boxes',
        },
      },
    };
    expect(capacityProviderRefusal(managed)).toMatch(
      /^batch runs on Lambda Managed Instances \(capacity provider big-boxes\), whose subnets and security groups are the capacity provider's/,
    );
    expect(capacityProviderRefusal({ FunctionName: 'orders-api' })).toBeUndefined();
  });
});
