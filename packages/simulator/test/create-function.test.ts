import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { client, expectAwsError, MINUTE, newSim } from './support.js';

const PACKAGE = zipSync({ 'index.mjs': strToU8('export const handler = async () => ({});') });

function account() {
  const { sim, clock } = newSim();
  const lambda = client(sim, 'lambda');
  const vpcId = sim.addVpc({ cidr: '10.0.0.0/16' });
  const subnetId = sim.addSubnet({ vpcId, cidr: '10.0.2.0/24', az: 'ap-northeast-1a' });
  const groupId = sim.addSecurityGroup({ vpcId, name: 'fn' });
  sim.addFunction({ name: 'orders-api', roleName: 'orders-role' });
  sim.addFunction({ name: 'weak', roleName: 'weak-role', roleHasVpcAccess: false });
  const role = (name: string) => `arn:aws:iam::${sim.accountId}:role/${name}`;
  const base = {
    FunctionName: 'probe',
    Runtime: 'nodejs24.x',
    Handler: 'index.handler',
    Role: role('orders-role'),
    Code: { ZipFile: PACKAGE },
  };
  return { sim, clock, lambda, subnetId, groupId, role, base };
}

describe('CreateFunction', () => {
  it('is Pending while Lambda makes the network interface; Invoke refuses it until it is Active', async () => {
    const { clock, lambda, subnetId, groupId, base } = account();
    const created = await lambda('CreateFunction', {
      ...base,
      VpcConfig: { SubnetIds: [subnetId], SecurityGroupIds: [groupId] },
    });
    expect(created.State).toBe('Pending');
    await expectAwsError(lambda('Invoke', { FunctionName: 'probe' }), 'ResourceConflictException');
    clock.advance(MINUTE);
    expect((await lambda('GetFunctionConfiguration', { FunctionName: 'probe' })).State).toBe('Active');
    await lambda('DeleteFunction', { FunctionName: 'probe' });
    await expectAwsError(
      lambda('GetFunctionConfiguration', { FunctionName: 'probe' }),
      'ResourceNotFoundException',
    );
  });

  it('checks the package, the runtime, the role, the name, and the VPC access of the role', async () => {
    const { lambda, subnetId, groupId, role, base } = account();
    await expectAwsError(
      lambda('CreateFunction', { ...base, Code: { ZipFile: strToU8('not a zip') } }),
      'InvalidParameterValueException',
      /Could not unzip/,
    );
    await expectAwsError(
      lambda('CreateFunction', { ...base, Code: { ZipFile: zipSync({ 'other.mjs': strToU8('') }) } }),
      'InvalidParameterValueException',
      /index\.mjs/,
    );
    await expectAwsError(
      lambda('CreateFunction', { ...base, Runtime: 'nodejs18.x' }),
      'InvalidParameterValueException',
      /no longer supported/,
    );
    await expectAwsError(
      lambda('CreateFunction', { ...base, Role: role('nobody') }),
      'InvalidParameterValueException',
      /cannot be assumed/,
    );
    await expectAwsError(
      lambda('CreateFunction', { ...base, FunctionName: 'orders-api' }),
      'ResourceConflictException',
      /already exist/,
    );
    await expectAwsError(
      lambda('CreateFunction', {
        ...base,
        Role: role('weak-role'),
        VpcConfig: { SubnetIds: [subnetId], SecurityGroupIds: [groupId] },
      }),
      'InvalidParameterValueException',
      /CreateNetworkInterface/,
    );
    await expectAwsError(
      lambda('GetFunctionConfiguration', { FunctionName: 'probe' }),
      'ResourceNotFoundException',
    );
  });

  it('needs iam:PassRole as well as lambda:CreateFunction', async () => {
    const { sim, lambda, base } = account();
    sim.inject({ kind: 'deny', action: 'iam:PassRole' });
    await expectAwsError(lambda('CreateFunction', base), 'AccessDeniedException', /iam:PassRole/);
  });
});
