import { GetRoleCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPort } from '../../src/aws/clients.js';
import type { AwsPort } from '../../src/aws/port.js';
import {
  createProbeRole,
  grantVpcAccess,
  probeRoleName,
  removeProbeRole,
} from '../../src/verify/probe-role.js';
import { REGION, startAccount, type MotoAccount } from './harness.js';

/**
 * verify's probe role against moto, the second AWS: made tagged and trusted by Lambda, given only
 * the VPC access policy, refused deletion while that policy is attached (as the simulator does),
 * and gone afterwards.
 */
let account: MotoAccount;
let aws: AwsPort;
const endpointBefore = process.env.AWS_ENDPOINT_URL;

beforeAll(async () => {
  account = await startAccount();
  // The SDK reads the endpoint from the environment, as it does for a user pointing at moto.
  process.env.AWS_ENDPOINT_URL = account.bridge.endpoint;
  aws = await createAwsPort({
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});
afterAll(async () => {
  if (endpointBefore === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = endpointBefore;
  await account?.close();
});

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    return (error as Error).name;
  }
}

describe("verify's probe role (moto)", () => {
  it('is made with the probe tags and VPC access only, cannot be deleted with its policy attached, and is removed whole', async () => {
    const name = probeRoleName('default', '0a1b2c3d');
    const arn = await createProbeRole(aws, 'arn:aws:iam::123456789012:user/ci', name, 'default', '0a1b2c3d');
    expect(arn).toBe(`arn:aws:iam::123456789012:role/${name}`);
    // A lost answer, retried: the role of this run's name is this run's own.
    await createProbeRole(aws, 'arn:aws:iam::123456789012:user/ci', name, 'default', '0a1b2c3d');
    await grantVpcAccess(aws, name);

    const role = (await account.iam.send(new GetRoleCommand({ RoleName: name }))).Role;
    expect(role?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'fixed-ip:managed-by', Value: 'fixed-ip' },
        { Key: 'fixed-ip:role', Value: 'verify-probe' },
      ]),
    );
    expect(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '')).toContain('lambda.amazonaws.com');
    const attached = await account.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(['AWSLambdaVPCAccessExecutionRole']);
    expect(await errorName(aws.iam.DeleteRole({ RoleName: name }))).toMatch(/DeleteConflict/);

    await removeProbeRole(aws, name);
    expect(await errorName(account.iam.send(new GetRoleCommand({ RoleName: name })))).toMatch(/NoSuchEntity/);
    // Already gone is fine.
    await removeProbeRole(aws, name);
  });
});
