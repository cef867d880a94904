/** SSM Parameter Store as AWS (and moto) run it: what fixed-ip's run guard relies on. */
import { describe, expect, it } from 'vitest';
import { AwsSimulator, VirtualClock } from '../src/index.js';
import { client, expectAwsError, newSim } from './support.js';

const NAME = '/fixed-ip/prod/run-lock';

describe('PutParameter, GetParameter, DeleteParameter', () => {
  it('creates version 1; without Overwrite a second put is ParameterAlreadyExists and changes nothing', async () => {
    const { sim } = newSim();
    const ssm = client(sim, 'ssm');
    expect(await ssm('PutParameter', { Name: NAME, Value: 'a', Type: 'String' })).toEqual({
      Version: 1,
      Tier: 'Standard',
    });
    await expectAwsError(
      ssm('PutParameter', { Name: NAME, Value: 'b', Type: 'String' }),
      'ParameterAlreadyExists',
      /already exists/,
    );
    const got = (await ssm('GetParameter', { Name: NAME })).Parameter;
    expect(got).toMatchObject({ Name: NAME, Value: 'a', Version: 1, Type: 'String', DataType: 'text' });
    expect(got.ARN).toBe(`arn:aws:ssm:${sim.region}:${sim.accountId}:parameter${NAME}`);
  });

  it('Overwrite makes a new version, one more each time, and moves LastModifiedDate', async () => {
    const { sim, clock } = newSim();
    const ssm = client(sim, 'ssm');
    await ssm('PutParameter', { Name: NAME, Value: 'a', Type: 'String' });
    const first = (await ssm('GetParameter', { Name: NAME })).Parameter.LastModifiedDate as Date;
    clock.advance(30_000);
    expect((await ssm('PutParameter', { Name: NAME, Value: 'b', Overwrite: true })).Version).toBe(2);
    expect((await ssm('PutParameter', { Name: NAME, Value: 'c', Overwrite: true })).Version).toBe(3);
    const got = (await ssm('GetParameter', { Name: NAME })).Parameter;
    expect(got).toMatchObject({ Value: 'c', Version: 3, Type: 'String' });
    expect((got.LastModifiedDate as Date).getTime() - first.getTime()).toBe(30_000);
  });

  it('Overwrite on a missing parameter creates it (version 1); a create needs a Type', async () => {
    const { sim } = newSim();
    const ssm = client(sim, 'ssm');
    await expectAwsError(
      ssm('PutParameter', { Name: NAME, Value: 'a', Overwrite: true }),
      'ValidationException',
      /type is required/,
    );
    expect(
      (await ssm('PutParameter', { Name: NAME, Value: 'a', Type: 'String', Overwrite: true })).Version,
    ).toBe(1);
  });

  it('GetParameter and DeleteParameter of a missing parameter: ParameterNotFound', async () => {
    const { sim } = newSim();
    const ssm = client(sim, 'ssm');
    await expectAwsError(ssm('GetParameter', { Name: NAME }), 'ParameterNotFound');
    await expectAwsError(ssm('DeleteParameter', { Name: NAME }), 'ParameterNotFound');
  });

  it('a deleted and re-created parameter starts again at version 1', async () => {
    const { sim } = newSim();
    const ssm = client(sim, 'ssm');
    await ssm('PutParameter', { Name: NAME, Value: 'a', Type: 'String' });
    await ssm('PutParameter', { Name: NAME, Value: 'b', Overwrite: true });
    expect(await ssm('DeleteParameter', { Name: NAME })).toEqual({});
    await expectAwsError(ssm('GetParameter', { Name: NAME }), 'ParameterNotFound');
    expect((await ssm('PutParameter', { Name: NAME, Value: 'c', Type: 'String' })).Version).toBe(1);
  });

  it('refuses an empty value, a standard value over 4096 characters, and reserved names', async () => {
    const { sim } = newSim();
    const ssm = client(sim, 'ssm');
    await expectAwsError(
      ssm('PutParameter', { Name: NAME, Value: '', Type: 'String' }),
      'ValidationException',
    );
    await expectAwsError(
      ssm('PutParameter', { Name: NAME, Value: 'x'.repeat(4097), Type: 'String' }),
      'ValidationException',
      /4096/,
    );
    await expectAwsError(
      ssm('PutParameter', { Name: '/aws/service/mine', Value: 'x', Type: 'String' }),
      'AccessDeniedException',
    );
    await expectAwsError(
      ssm('PutParameter', { Name: 'ssm-x', Value: 'x', Type: 'String' }),
      'ValidationException',
    );
    expect(sim.snapshot()).toBeDefined();
  });

  it('the account keeps its parameters across a save and load (--simulate runs)', async () => {
    const { sim } = newSim();
    await client(sim, 'ssm')('PutParameter', { Name: NAME, Value: 'a', Type: 'String' });
    const loaded = AwsSimulator.fromJSON(JSON.parse(JSON.stringify(sim.toJSON())), {
      clock: new VirtualClock(),
    });
    expect((await client(loaded, 'ssm')('GetParameter', { Name: NAME })).Parameter.Value).toBe('a');
  });
});
