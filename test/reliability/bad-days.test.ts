import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { AllocateAddressCommand, CreateNatGatewayCommand, EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setup } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { tagSpec } from '../../src/model/tags.js';
import { ExitCode, FixedIpError } from '../../src/errors.js';
import { FileStateStore } from '../../src/state/store.js';
import {
  createWorld,
  expectAccountRestored,
  expectCompleteStack,
  expectForeignUntouched,
  referenceSetup,
  runSetup,
  runTeardown,
  setupOptions,
  teardownOptions,
  useMockedAws,
  type World,
} from './support.js';

useMockedAws();
let expected: unknown;
beforeAll(async () => {
  ({ expected } = await referenceSetup());
});

let world: World;
beforeEach(() => {
  world = createWorld();
});
afterEach(() => world.dispose());

const snap = (): string => JSON.stringify(world.sim.snapshot());
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function fnConfig(name: string): unknown {
  return (world.sim.snapshot() as { functions: Array<{ name: string }> }).functions.find(
    (f) => f.name === name,
  );
}

describe('a failed NAT gateway', () => {
  it.each(['InsufficientFreeAddressesInSubnet', 'InternalError'] as const)(
    '%s: setup fails with NAT_FAILED naming AWS code and message, deletes the gateway, and a re-run makes one',
    async (failureCode) => {
      world.sim.inject({ kind: 'natFails', failureCode });
      const error = await runSetup(world);
      expect(error).toBeInstanceOf(FixedIpError);
      expect((error as FixedIpError).code).toBe('NAT_FAILED');
      expect((error as FixedIpError).line).toContain(failureCode);
      const failed = world.sim.calls.find(
        (c) =>
          c.operation === 'DescribeNatGateways' &&
          c.outcome === 'ok' &&
          JSON.stringify(c).includes('nat-gateway-id'),
      );
      expect(failed).toBeDefined();
      // AWS's own message is quoted.
      expect((error as FixedIpError).message).toMatch(new RegExp(`${failureCode}: \\S`));
      expect((error as FixedIpError).message).not.toContain('no message from AWS');
      const deleted = world.sim.calls.filter((c) => c.operation === 'DeleteNatGateway' && c.outcome === 'ok');
      expect(deleted).toHaveLength(1);
      const nats = (world.sim.snapshot() as { natGateways: Array<{ state: string }> }).natGateways;
      expect(
        nats.filter((n) => n.state === 'failed' || n.state === 'available' || n.state === 'pending'),
      ).toEqual([]);
      expect(world.readState()?.natGateway).toBeUndefined();

      world.sim.clearFaults();
      expect(await runSetup(world)).toBeUndefined();
      expectCompleteStack(world, expected, `after ${failureCode}`);
    },
  );
});

describe('an execution role without VPC permissions', () => {
  it('stops setup before any change, naming the role, the missing actions and the managed policy', async () => {
    world.sim.addFunction({ name: 'no-access', roleName: 'no-access-role', roleHasVpcAccess: false });
    const before = snap();
    const error = await runSetup(world, { functions: ['no-access'] });
    expect((error as FixedIpError).code).toBe('ROLE_LACKS_PERMISSIONS');
    const line = (error as FixedIpError).line;
    expect(line).toContain('no-access-role');
    expect(line).toContain('ec2:CreateNetworkInterface');
    expect(line).toContain('AWSLambdaVPCAccessExecutionRole');
    expect(snap()).toBe(before);
    expect(world.sim.calls.filter((c) => c.mutated)).toEqual([]);
    expect(world.stateText()).toBeUndefined();
  });

  it('when IAM may not be asked, Lambda refuses the move: the error names the policy and the function is unchanged', async () => {
    world.sim.addFunction({ name: 'no-access', roleName: 'no-access-role', roleHasVpcAccess: false });
    world.sim.inject({ kind: 'deny', action: 'iam:SimulatePrincipalPolicy' });
    const before = fnConfig('no-access');
    const error = await runSetup(world, { functions: ['no-access'] });
    expect((error as FixedIpError).code).toBe('ROLE_LACKS_PERMISSIONS');
    expect((error as FixedIpError).line).toContain('AWSLambdaVPCAccessExecutionRole');
    expect((error as FixedIpError).line).toContain('no-access-role');
    expect(
      world.sim.calls.some(
        (c) =>
          c.operation === 'UpdateFunctionConfiguration' && c.outcome === 'InvalidParameterValueException',
      ),
    ).toBe(true);
    expect(fnConfig('no-access')).toEqual(before);
    expectForeignUntouched(world, 'role denied');
  });
});

describe('another update of the function in progress', () => {
  it('setup waits for it (ResourceConflictException) and then moves the function', async () => {
    world.sim.timings.functionUpdateMs = 60_000;
    const lambda = new LambdaClient({ region: world.sim.region, credentials });
    world.deps(); // routes the mocks to this world
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'orders-api',
        VpcConfig: {
          SubnetIds: [world.seeded.foreign.subnetId],
          SecurityGroupIds: [world.seeded.foreign.groupId],
        },
      }),
    );
    // The deploy finishes moving the function elsewhere in the VPC; setup must still take it over.
    const error = await runSetup(world);
    expect(error).toBeUndefined();
    const updates = world.sim.calls
      .filter((c) => c.operation === 'UpdateFunctionConfiguration')
      .map((c) => c.outcome);
    expect(updates).toContain('ResourceConflictException');
    expect(updates.at(-1)).toBe('ok');
    expect(world.readState()?.functions['orders-api']?.attached).toBe(true);
  });
});

describe('two runs on the same stack', () => {
  it('the second stops at once with LOCKED, naming the pid and start time (exit 7)', async () => {
    const first = setup(setupOptions(world), world.deps());
    // Start the second run only once the first holds the lock: which one wins is not the question.
    for (let tries = 0; !existsSync(`${world.statePath()}.lock`) && tries < 500; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const second = await runSetup(world);
    expect(second).toBeInstanceOf(FixedIpError);
    expect((second as FixedIpError).code).toBe('LOCKED');
    expect((second as FixedIpError).exitCode).toBe(ExitCode.locked);
    expect((second as FixedIpError).message).toMatch(
      new RegExp(
        `^stack default is in use by pid ${process.pid} on \\S+ in \\S+ \\([^)]*state \\S+\\) since \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    await first;
    expectCompleteStack(world, expected, 'after a concurrent second run');
  });

  it('a lock left by a dead process is taken over', async () => {
    let pid = 999_999;
    for (; ; pid++) {
      try {
        process.kill(pid, 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ESRCH') break;
      }
    }
    writeFileSync(
      `${world.statePath()}.lock`,
      JSON.stringify({ pid, host: hostname(), since: '2020-01-01T00:00:00.000Z' }),
    );
    expect(await runSetup(world)).toBeUndefined();
    expect(existsSync(`${world.statePath()}.lock`)).toBe(false);
    expectCompleteStack(world, expected, 'after a stale lock');
  });
});

describe('the state file is never lost', () => {
  it('after every write the previous version is kept as <state>.bak', async () => {
    const path = world.statePath();
    const deps = world.deps();
    const problems: string[] = [];
    let writes = 0;
    let queue: Promise<void> = Promise.resolve();
    deps.openStore = (_name, given) => {
      const inner = new FileStateStore(given ?? path);
      return {
        path: inner.path,
        read: () => inner.read(),
        remove: () => inner.remove(),
        lock: (stack) => inner.lock(stack),
        readTombstone: () => inner.readTombstone(),
        writeTombstone: (tombstone) => inner.writeTombstone(tombstone),
        // Steps write concurrently; checking one write at a time keeps "previous" well defined.
        write: (state) => {
          const text = JSON.stringify(state.functions);
          const next = queue.then(async () => {
            const previous = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
            await inner.write(state);
            writes += 1;
            if (previous !== undefined && readFileSync(`${path}.bak`, 'utf8') !== previous)
              problems.push(`write ${writes}: .bak is not the previous version`);
            if (JSON.stringify(JSON.parse(readFileSync(path, 'utf8')).functions) !== text)
              problems.push(`write ${writes}: not written`);
          });
          queue = next;
          return next;
        },
      };
    };
    await setup(setupOptions(world), deps);
    expect(writes).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  });

  const bad: Array<[string, (accountId: string) => string, string]> = [
    ['corrupt', () => '{"version": 1, "name": ', 'STATE_INVALID'],
    ['not a state file', () => '[1, 2, 3]\n', 'STATE_INVALID'],
    [
      'from another account',
      () =>
        JSON.stringify({
          version: 1,
          name: 'default',
          region: 'ap-northeast-1',
          accountId: '999999999999',
          functions: {},
          updatedAt: '2026-01-01T00:00:00.000Z',
        }),
      'STATE_MISMATCH',
    ],
    [
      'from another region',
      (id) =>
        JSON.stringify({
          version: 1,
          name: 'default',
          region: 'eu-west-1',
          accountId: id,
          functions: {},
          updatedAt: '2026-01-01T00:00:00.000Z',
        }),
      'STATE_MISMATCH',
    ],
    [
      'from a newer fixed-ip',
      (id) =>
        JSON.stringify({
          version: 3,
          name: 'default',
          region: 'ap-northeast-1',
          accountId: id,
          functions: {},
          updatedAt: '2026-01-01T00:00:00.000Z',
        }),
      'STATE_NEWER',
    ],
  ];
  for (const command of ['setup', 'teardown', 'status'] as const) {
    it.each(bad)(
      `${command} refuses a state file %s: names it, leaves it byte for byte, creates nothing`,
      async (_label, text, code) => {
        const path = world.statePath();
        const bytes = text(world.sim.accountId);
        writeFileSync(path, bytes);
        const before = snap();
        const deps = world.deps();
        // The region named on the command line: a state file for another one is refused.
        const region = 'ap-northeast-1';
        const run =
          command === 'setup'
            ? setup(setupOptions(world, { region }), deps)
            : command === 'teardown'
              ? teardown(teardownOptions({ region }), deps)
              : status({ name: 'default', region }, deps);
        const error = await run.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(FixedIpError);
        expect((error as FixedIpError).code).toBe(code);
        expect((error as FixedIpError).line).toContain(path);
        expect(readFileSync(path, 'utf8')).toBe(bytes);
        expect(existsSync(`${path}.bak`)).toBe(false);
        expect(snap()).toBe(before);
      },
    );
  }
});

describe('regressions found by the fault matrix', () => {
  it('a network error on the private CreateSubnet (the run goes on): the re-run keeps the planned blocks', async () => {
    world.sim.inject({ kind: 'reject', operation: 'CreateSubnet', error: 'network', nth: 2 });
    expect(await runSetup(world)).toBeDefined();
    world.sim.clearFaults();
    expect(await runSetup(world)).toBeUndefined();
    expectCompleteStack(world, expected, 'private subnet refused once');
  });

  it('a kill right after the first CreateSubnet, with explicit CIDRs: the re-run does not call its own subnet a conflict', async () => {
    world.killAt({ service: 'ec2', operation: 'CreateSubnet', nth: 1, mode: 'after' });
    expect(await runSetup(world, { publicCidr: '10.0.0.0/24', privateCidr: '10.0.1.0/24' })).toBeDefined();
    world.killAt(undefined);
    expect(await runSetup(world, { publicCidr: '10.0.0.0/24', privateCidr: '10.0.1.0/24' })).toBeUndefined();
    expectCompleteStack(world, expected, 'explicit CIDRs after a kill');
  });

  it('teardown removes duplicates carrying the stack tags (a second NAT gateway and Elastic IP) in a safe order', async () => {
    expect(await runSetup(world)).toBeUndefined();
    const state = world.readState();
    const ec2 = new EC2Client({ region: world.sim.region, credentials });
    const eip = await ec2.send(
      new AllocateAddressCommand({
        Domain: 'vpc',
        TagSpecifications: tagSpec('elastic-ip', 'elastic-ip', 'default'),
      }),
    );
    await ec2.send(
      new CreateNatGatewayCommand({
        SubnetId: state?.publicSubnet?.id,
        AllocationId: eip.AllocationId,
        TagSpecifications: tagSpec('natgateway', 'nat-gateway', 'default'),
      }),
    );
    const deps = world.deps();
    await teardown(teardownOptions(), deps);
    expectAccountRestored(world, 'duplicates');
    expect(deps.recording.messages.some((m) => /duplicate left by an interrupted run/.test(m.text))).toBe(
      true,
    );
  });

  it('teardown after an interrupted --new-vpc setup removes the VPC it never recorded', async () => {
    // The first CreateVpc is setup's DryRun permission check; the second creates the VPC.
    world.killAt({ service: 'ec2', operation: 'CreateVpc', nth: 2, mode: 'after' });
    expect(await runSetup(world, { vpc: undefined, newVpc: true })).toBeDefined();
    world.killAt(undefined);
    expect(await runTeardown(world)).toBeUndefined();
    expectAccountRestored(world, 'new VPC');
  });
});
