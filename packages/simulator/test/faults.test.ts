import { describe, expect, it } from 'vitest';
import { awsError, client, expectAwsError, newSim } from './support.js';

describe('DryRun', () => {
  it('every EC2 call with DryRun: DryRunOperation (412) and nothing applied; UnauthorizedOperation when denied', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    const error = await awsError(ec2('CreateVpc', { CidrBlock: '10.0.0.0/16', DryRun: true }));
    expect(error).toMatchObject({
      name: 'DryRunOperation',
      $fault: 'client',
      $metadata: { httpStatusCode: 412 },
    });
    expect((await ec2('DescribeVpcs')).Vpcs).toEqual([]);
    sim.inject({ kind: 'deny', action: 'ec2:CreateNatGateway' });
    await expectAwsError(
      ec2('CreateNatGateway', { SubnetId: 'subnet-x', AllocationId: 'eipalloc-x', DryRun: true }),
      'UnauthorizedOperation',
      'You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/simulated is not authorized to perform: ec2:CreateNatGateway',
    );
    expect(sim.calls.every((c) => !c.mutated)).toBe(true);
  });
});

describe('tagging at creation', () => {
  it('needs ec2:CreateTags too: a create with TagSpecifications is refused, naming CreateTags, when it is denied', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    sim.inject({ kind: 'deny', action: 'ec2:CreateTags' });
    const tags = [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'x' }] }];
    await expectAwsError(
      ec2('CreateVpc', { CidrBlock: '10.0.0.0/16', TagSpecifications: tags }),
      'UnauthorizedOperation',
      /ec2:CreateTags/,
    );
    await expectAwsError(
      ec2('CreateVpc', { CidrBlock: '10.0.0.0/16', TagSpecifications: tags, DryRun: true }),
      'UnauthorizedOperation',
      /ec2:CreateTags/,
    );
    expect((await ec2('DescribeVpcs')).Vpcs).toEqual([]);
    // Without tags the create itself is allowed.
    await ec2('CreateVpc', { CidrBlock: '10.0.0.0/16' });
    expect((await ec2('DescribeVpcs')).Vpcs).toHaveLength(1);
  });
});

describe('faults', () => {
  it('deny: UnauthorizedOperation for EC2, AccessDeniedException for Lambda, until cleared', async () => {
    const { sim } = newSim();
    sim.addFunction({ name: 'f' });
    sim.inject({ kind: 'deny', action: 'ec2:*' });
    sim.inject({ kind: 'deny', action: 'lambda:GetFunction' });
    const error = await awsError(client(sim, 'ec2')('DescribeVpcs'));
    expect(error).toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
    await expectAwsError(
      client(sim, 'lambda')('GetFunction', { FunctionName: 'f' }),
      'AccessDeniedException',
    );
    await expectAwsError(
      client(sim, 'lambda')('GetFunction', { FunctionName: 'f' }),
      'AccessDeniedException',
    );
    sim.clearFaults();
    await client(sim, 'lambda')('GetFunction', { FunctionName: 'f' });
  });

  it('reject throttle/server/network: shaped for each service and applied before the call', async () => {
    const { sim } = newSim();
    sim.addFunction({ name: 'f' });
    sim.inject({ kind: 'reject', operation: 'CreateVpc', error: 'throttle' });
    sim.inject({ kind: 'reject', operation: 'lambda:GetFunction', error: 'throttle' });
    sim.inject({ kind: 'reject', operation: 'GetCallerIdentity', error: 'server' });
    sim.inject({ kind: 'reject', operation: 'ListAttachedRolePolicies', error: 'throttle' });
    sim.inject({ kind: 'reject', operation: 'DescribeVpcs', error: 'network' });
    expect(await awsError(client(sim, 'ec2')('CreateVpc', { CidrBlock: '10.0.0.0/16' }))).toMatchObject({
      name: 'RequestLimitExceeded',
      $metadata: { httpStatusCode: 503 },
    });
    expect(await awsError(client(sim, 'lambda')('GetFunction', { FunctionName: 'f' }))).toMatchObject({
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 },
    });
    expect(await awsError(client(sim, 'sts')('GetCallerIdentity'))).toMatchObject({
      name: 'InternalError',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    await expectAwsError(
      client(sim, 'iam')('ListAttachedRolePolicies', { RoleName: 'f-role' }),
      'Throttling',
    );
    expect(await awsError(client(sim, 'ec2')('DescribeVpcs'))).toMatchObject({
      message: 'socket hang up',
      code: 'ECONNRESET',
    });
    expect((await client(sim, 'ec2')('DescribeVpcs')).Vpcs).toEqual([]);
    expect(sim.calls.map((c) => [c.operation, c.outcome, c.mutated])).toEqual([
      ['CreateVpc', 'RequestLimitExceeded', false],
      ['GetFunction', 'TooManyRequestsException', false],
      ['GetCallerIdentity', 'InternalError', false],
      ['ListAttachedRolePolicies', 'Throttling', false],
      ['DescribeVpcs', 'Error', false],
      ['DescribeVpcs', 'ok', false],
    ]);
  });

  it('lostResponse: the call takes effect, the client sees ECONNRESET, and calls records mutated', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    sim.inject({ kind: 'lostResponse', operation: 'ec2:CreateVpc' });
    expect(await awsError(ec2('CreateVpc', { CidrBlock: '10.0.0.0/16' }))).toMatchObject({
      code: 'ECONNRESET',
    });
    expect((await ec2('DescribeVpcs')).Vpcs).toHaveLength(1);
    expect(sim.calls[0]).toMatchObject({
      service: 'ec2',
      operation: 'CreateVpc',
      outcome: 'Error',
      mutated: true,
      input: { CidrBlock: '10.0.0.0/16' },
    });
  });

  it('times and nth select which matching calls fail', async () => {
    const { sim } = newSim();
    const ec2 = client(sim, 'ec2');
    sim.inject({ kind: 'reject', operation: 'DescribeVpcs', error: 'throttle', times: 2, nth: 2 });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      try {
        await ec2('DescribeVpcs');
        outcomes.push('ok');
      } catch (error) {
        outcomes.push((error as Error).name);
      }
    }
    expect(outcomes).toEqual(['ok', 'RequestLimitExceeded', 'RequestLimitExceeded', 'ok']);
  });

  it('unknown operations are refused, not silently answered', async () => {
    const { sim } = newSim();
    await expectAwsError(client(sim, 'ec2')('CreateVpnGateway'), 'InvalidAction');
  });

  it('callLatencyMs makes each call take virtual time', async () => {
    const { sim, clock } = newSim({ timings: { callLatencyMs: [100, 200] } });
    const start = clock.now();
    await client(sim, 'ec2')('DescribeVpcs');
    const elapsed = clock.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThanOrEqual(200);
    expect(sim.calls[0]?.at).toBe(clock.now());
  });
});
