/**
 * `fixed-ip forget`: a stack handed over to the user's IaC is let go of without touching a single
 * resource, and no later teardown, status or setup of its name ever acts on it again.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forget, type ForgetOptions } from '../../src/commands/forget.js';
import { list } from '../../src/commands/list.js';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { ExitCode, FixedIpError } from '../../src/errors.js';
import { S3StateStore } from '../../src/state/s3-store.js';
import { FileStateStore } from '../../src/state/store.js';
import { decodeTombstone } from '../../src/state/tombstone.js';
import { createTestAccount, isDryRun, isMutating, type TestAccount } from '../support/env.js';
import { FakeS3 } from '../state/fake-s3.js';

let account: TestAccount;
let vpcId: string;

beforeEach(() => {
  account = createTestAccount({ timings: { eniReleaseMs: 60_000 } });
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
});
afterEach(() => account.restore());

const setupOptions = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  ...extra,
});
const forgetOptions = (extra: Partial<ForgetOptions> = {}): ForgetOptions => ({
  name: 'default',
  yes: true,
  ...extra,
});

/** The whole simulated account, every resource with its tags, in a stable order. */
const inventory = (): string => JSON.stringify(account.sim.snapshot());

/** Mutating calls made since `from` (DryRuns aside). */
const changesSince = (from: number): string[] =>
  account.sim.calls
    .slice(from)
    .filter((call) => isMutating(call.operation) && !isDryRun(call.input))
    .map((call) => call.operation);

const tombstonePath = (name = 'default'): string => `${account.statePath(name)}.forgotten.json`;

async function rejection(promise: Promise<unknown>): Promise<FixedIpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FixedIpError);
  return error as FixedIpError;
}

/**
 * The inventory with fixed-ip's own tag keys taken off the resources (by id) and functions (by
 * name) named, and off nothing else.
 */
function withoutOurTags(
  picture: string,
  ids: ReadonlySet<string>,
  keeps: Readonly<Record<string, readonly string[]>> = {},
): string {
  const account = JSON.parse(picture) as Record<string, unknown>;
  for (const section of Object.values(account)) {
    if (!Array.isArray(section)) continue;
    for (const item of section as Array<{ id?: string; name?: string; tags?: Record<string, string> }>) {
      const id = item.id ?? item.name ?? '';
      if (!item.tags || Array.isArray(item.tags) || !ids.has(id)) continue;
      item.tags = Object.fromEntries(
        Object.entries(item.tags).filter(
          ([key]) => !key.startsWith('fixed-ip:') || keeps[id]?.includes(key) === true,
        ),
      );
    }
  }
  return JSON.stringify(account);
}

/** The public IP the internet sees when the function calls out (the simulator's egress probe). */
async function egressIp(): Promise<string | null> {
  const out = (await account.sim.handle('lambda', 'Invoke', { FunctionName: 'orders-api' })) as {
    Payload?: Uint8Array;
    FunctionError?: string;
  };
  if (out.FunctionError) return null;
  return (JSON.parse(new TextDecoder().decode(out.Payload)) as { publicIp?: string }).publicIp ?? null;
}

const MINUTE = 60_000;

describe('forget --keep-tags', () => {
  it('changes nothing in the account; the state goes, a tombstone stays; teardown then deletes nothing, status finds no stack, setup of the name makes nothing, list skips it', async () => {
    await setup(setupOptions({ azs: 2 }), account.deps());
    const recorded = account.readState();
    const before = inventory();
    const from = account.sim.calls.length;

    const deps = account.deps();
    const result = await forget(forgetOptions({ keepTags: true }), deps);

    expect(inventory()).toBe(before);
    expect(changesSince(from)).toEqual([]);
    expect(existsSync(account.statePath())).toBe(false);
    expect(existsSync(`${account.statePath()}.bak`)).toBe(false);
    const tombstone = decodeTombstone(readFileSync(tombstonePath(), 'utf8'), tombstonePath());
    const resources = Object.values(recorded?.resources ?? {}).map((r) => ({
      kind: r.kind,
      id: r.id,
      ...(r.zone ? { zone: r.zone } : {}),
    }));
    expect(tombstone).toMatchObject({
      version: 1,
      stack: 'default',
      region: account.sim.region,
      tags: 'kept',
    });
    expect(tombstone.resources).toEqual(resources);
    expect(new Date(tombstone.forgottenAt).getTime()).toBe(account.clock.now());
    expect(result).toEqual({ stack: 'default', forgotten: true, tags: 'kept', resources });
    // It said what stays (every resource), and nothing comes off.
    const plan = deps.recording.messages.find((m) => m.code === 'forget.plan');
    expect(plan?.data).toEqual(Object.keys(recorded?.resources ?? {}));
    expect(deps.recording.codes()).toContain('forget.plan.keep-tags');
    expect(deps.recording.codes()).not.toContain('forget.untagged');
    expect(deps.recording.results.join('\n')).toMatch(
      /forgotten.*\n.*fixed-ip teardown --name default will delete nothing/,
    );

    // teardown: the lost-state path (no state file) reads the tombstone first, and deletes nothing.
    const down = account.deps();
    const torn = await teardown({ name: 'default', yes: true }, down);
    expect(torn).toMatchObject({ removed: [], finished: false, forgottenAt: tombstone.forgottenAt });
    expect(torn.kept).toHaveLength(resources.length);
    expect(down.recording.results).toEqual([
      `Stack default was handed over on ${tombstone.forgottenAt.slice(0, 10)} (fixed-ip forget): fixed-ip deletes nothing of it.`,
    ]);
    expect(inventory()).toBe(before);
    expect(changesSince(from)).toEqual([]);

    // status: no stack of that name (exit 4), saying it was handed over.
    const missing = await rejection(status({ name: 'default' }, account.deps()));
    expect(missing.code).toBe('NO_STACK');
    expect(missing.exitCode).toBe(ExitCode.noStack);
    expect(missing.message).toMatch(/handed over on .* \(fixed-ip forget\)/);

    // setup of the name: refused before anything is made (the tags it kept would be adopted).
    const refused = await rejection(setup(setupOptions(), account.deps()));
    expect(refused.code).toBe('BAD_OPTION');
    expect(refused.exitCode).toBe(ExitCode.usage);
    expect(refused.line).toMatch(/handed over to your IaC on .* with fixed-ip forget; choose another --name/);
    expect(inventory()).toBe(before);
    expect(changesSince(from)).toEqual([]);

    // list: found by its tags, but handed over: not listed.
    expect((await list({}, account.deps())).stacks).toEqual([]);
    // forget again: there is no stack to forget.
    expect((await rejection(forget(forgetOptions(), account.deps()))).code).toBe('NO_STACK');
  });
});

describe('forget', () => {
  it('takes exactly the fixed-ip:* tags off what the stack made, and off nothing it reused or does not own; lost-state discovery then finds nothing', async () => {
    // A lived-in account: an internet gateway that was there, a subnet and an address of the
    // user's, another fixed-ip stack in the same VPC, and a subnet tagged by hand to look like ours.
    const igw = account.sim.addInternetGateway({ vpcId });
    const theirs = account.sim.addSubnet({ vpcId, cidr: '10.0.200.0/24', az: 'ap-northeast-1a', name: 'db' });
    const address = account.sim.addAddress({ tags: { team: 'payments' } });
    const lookalike = account.sim.addSubnet({ vpcId, cidr: '10.0.201.0/24', az: 'ap-northeast-1a' });
    await account.sim.handle('ec2', 'CreateTags', {
      Resources: [lookalike],
      Tags: [{ Key: 'fixed-ip:stack', Value: 'default' }],
    });
    account.sim.addFunction({ name: 'billing', roleHasVpcAccess: true });
    await setup(setupOptions({ functions: ['billing'], name: 'other', azs: 1 }), account.deps());
    await setup(setupOptions({ azs: 2 }), account.deps());
    const recorded = account.readState();
    // A tag of the user's on a resource the stack made stays.
    const nat = recorded?.natGateway?.id ?? '';
    await account.sim.handle('ec2', 'CreateTags', {
      Resources: [nat],
      Tags: [{ Key: 'team', Value: 'ops' }],
    });
    // A record naming the look-alike, as if written by hand: its tags prove nothing.
    const path = account.statePath();
    const state = JSON.parse(readFileSync(path, 'utf8')) as { resources: Record<string, unknown> };
    state.resources['publicSubnet@ap-northeast-1d'] = {
      kind: 'publicSubnet',
      id: lookalike,
      owned: true,
      zone: 'ap-northeast-1d',
      cidr: '10.0.201.0/24',
    };
    writeFileSync(path, JSON.stringify(state));

    const before = inventory();
    const ours = new Set([
      ...Object.values(recorded?.resources ?? {})
        .filter((r) => r.owned)
        .map((r) => r.id),
      'orders-api',
    ]);
    expect(ours.has(igw)).toBe(false);
    const from = account.sim.calls.length;
    const deps = account.deps();
    const result = await forget(forgetOptions(), deps);

    expect(result.tags).toBe('removed');
    expect(inventory()).toBe(withoutOurTags(before, ours));
    expect(inventory()).not.toBe(before);
    // What changed is tags, through the calls that take them off, and the stack's run guard (taken,
    // then removed with the stack).
    expect([...new Set(changesSince(from))].sort()).toEqual([
      'DeleteParameter',
      'DeleteTags',
      'PutParameter',
      'UntagResource',
    ]);
    const picture = account.sim.snapshot() as {
      subnets: Array<{ id: string; tags: Record<string, string> }>;
      natGateways: Array<{ id: string; tags: Record<string, string> }>;
      addresses: Array<{ id: string; tags: Record<string, string> }>;
      internetGateways: Array<{ id: string; tags: Record<string, string> }>;
    };
    const natTags = picture.natGateways.find((n) => n.id === nat)?.tags ?? {};
    expect(natTags).toMatchObject({ team: 'ops' });
    expect(Object.keys(natTags).filter((key) => key.startsWith('fixed-ip:'))).toEqual([]);
    expect(picture.subnets.find((s) => s.id === lookalike)?.tags).toEqual({ 'fixed-ip:stack': 'default' });
    expect(picture.subnets.find((s) => s.id === theirs)?.tags).toEqual({ Name: 'db' });
    expect(picture.addresses.find((a) => a.id === address.allocationId)?.tags).toEqual({ team: 'payments' });
    // The other stack is whole, and healthy.
    expect((await status({ name: 'other' }, account.deps())).healthy).toBe(true);
    const said = deps.recording.messages.filter((m) => m.code === 'forget.plan.item').map((m) => m.text);
    expect(said.find((t) => t.includes(lookalike))).toMatch(/tags stay as they are \(its tags do not prove/);
    expect(said.find((t) => t.includes(igw))).toMatch(/tags stay as they are \(not made by fixed-ip\)/);

    // Without the tombstone (lost, or never seen on this machine) and the state: discovery by tags
    // finds nothing of the stack, so there is nothing for teardown to delete.
    rmSync(`${path}.forgotten.json`);
    const lost = account.sim.calls.length;
    const error = await rejection(teardown({ name: 'default', yes: true }, account.deps()));
    expect(error.code).toBe('NO_STACK');
    expect(changesSince(lost)).toEqual([]);
    expect(inventory()).toBe(withoutOurTags(before, ours));
  });

  it("a teammate's own local state, which never sees the tombstone: after the default, its teardown changes nothing, functions included (exit 3)", async () => {
    await setup(setupOptions(), account.deps());
    const theirs = readFileSync(account.statePath(), 'utf8');
    await forget(forgetOptions(), account.deps());
    const handedOver = account.sim.snapshot() as Record<string, Array<{ id?: string }>>;
    // The other machine: the state as it was, and no tombstone beside it.
    writeFileSync(account.statePath('elsewhere'), theirs);
    const elsewhere = {
      ...account.deps(),
      openStore: () => new FileStateStore(account.statePath('elsewhere')),
    };
    const from = account.sim.calls.length;
    const error = await rejection(teardown({ name: 'default', yes: true }, elsewhere));
    expect(error.code).toBe('DRIFTED');
    expect(error.exitCode).toBe(ExitCode.drifted);
    expect(error.line).toContain("carries fixed-ip's tags any more");
    // Not a function moved back to where it was, not a budget, not a tag: only the run guard's parameter.
    expect(changesSince(from).filter((op) => !/Parameter$/.test(op))).toEqual([]);
    const after = account.sim.snapshot() as Record<string, Array<{ id?: string }>>;
    for (const section of ['vpcs', 'subnets', 'routeTables', 'securityGroups', 'addresses', 'natGateways'])
      expect(
        after[section]?.map((r) => r.id),
        section,
      ).toEqual(handedOver[section]?.map((r) => r.id));
  });

  it('declined, or asked without a terminal, changes nothing', async () => {
    await setup(setupOptions(), account.deps());
    const before = inventory();
    const stateBefore = readFileSync(account.statePath(), 'utf8');
    const from = account.sim.calls.length;

    const declined = await rejection(
      forget(
        forgetOptions({ yes: false }),
        account.deps({ interactive: true, answers: { 'forget.confirm': false } }),
      ),
    );
    expect(declined.code).toBe('ABORTED');
    expect(declined.exitCode).toBe(ExitCode.cancelled);
    const noTerminal = await rejection(forget(forgetOptions({ yes: false }), account.deps()));
    expect(noTerminal.code).toBe('CONSENT_REQUIRED');
    expect(noTerminal.line).toContain('--yes');

    expect(inventory()).toBe(before);
    expect(changesSince(from)).toEqual([]);
    expect(readFileSync(account.statePath(), 'utf8')).toBe(stateBefore);
    expect(existsSync(tombstonePath())).toBe(false);
    expect((await status({ name: 'default' }, account.deps())).healthy).toBe(true);
  });

  it('no state for the name is the no-stack error, even where its resources carry its tags', async () => {
    await setup(setupOptions(), account.deps());
    rmSync(account.statePath());
    const before = inventory();
    const error = await rejection(forget(forgetOptions(), account.deps()));
    expect(error.code).toBe('NO_STACK');
    expect(error.exitCode).toBe(ExitCode.noStack);
    expect(inventory()).toBe(before);
    expect(existsSync(tombstonePath())).toBe(false);
  });

  it('a corrupt tombstone is an error for teardown, status and setup, never "no tombstone"', async () => {
    await setup(setupOptions(), account.deps());
    writeFileSync(tombstonePath(), '{"version": 1, "stack": ');
    const before = inventory();
    const from = account.sim.calls.length;
    for (const run of [
      () => teardown({ name: 'default', yes: true }, account.deps()),
      () => status({ name: 'default' }, account.deps()),
      () => setup(setupOptions(), account.deps()),
      () => forget(forgetOptions(), account.deps()),
    ]) {
      const error = await rejection(run());
      expect(error.code).toBe('STATE_INVALID');
      expect(error.message).toContain(tombstonePath());
    }
    writeFileSync(tombstonePath(), JSON.stringify({ version: 1, stack: 'default', tags: 'lost' }));
    expect((await rejection(teardown({ name: 'default', yes: true }, account.deps()))).code).toBe(
      'STATE_INVALID',
    );
    expect(inventory()).toBe(before);
    expect(changesSince(from)).toEqual([]);
  });
});

describe('forget of a NAT instance stack with --ha, a gateway endpoint and a budget', () => {
  it("takes fixed-ip's tags off the role, its instance profile, the group, the launch template, the endpoint and the interface (but the stack tag its role moves it by); the group still heals, same IP", async () => {
    const first = await setup(
      setupOptions({
        nat: 'instance',
        azs: 1,
        inputs: { ha: '', endpoints: 's3', budget: '40', budgetNotify: 'ops@example.com' },
      }),
      account.deps(),
    );
    account.clock.advance(10 * MINUTE);
    const recorded = account.readState();
    expect(Object.values(recorded?.resources ?? {}).map((r) => r.kind)).toEqual(
      expect.arrayContaining([
        'natRole',
        'natGroup',
        'natLaunchTemplate',
        'natInterface',
        's3Endpoint',
        'budget',
      ]),
    );
    const interfaceId = recorded?.natInterface?.id ?? '';
    const ours = new Set([
      ...Object.values(recorded?.resources ?? {})
        .filter((r) => r.owned)
        .map((r) => r.id),
      'orders-api',
    ]);
    const before = inventory();
    const from = account.sim.calls.length;
    const deps = account.deps();
    await forget(forgetOptions(), deps);

    expect(inventory()).toBe(withoutOurTags(before, ours, { [interfaceId]: ['fixed-ip:stack'] }));
    const changed = account.sim.calls.slice(from).filter((c) => c.mutated);
    const line = deps.recording.messages.find(
      (m) => m.code === 'forget.plan.item' && m.text.includes(interfaceId),
    );
    expect(line?.text).toMatch(
      /keeps fixed-ip:stack \(the NAT instance's role may move only an interface carrying it/,
    );
    // Each kind took its tags off its own way (and the run guard was taken, then removed).
    expect([...new Set(changed.map((c) => `${c.service}:${c.operation}`))].sort()).toEqual([
      'autoscaling:DeleteTags',
      'ec2:DeleteTags',
      'iam:UntagInstanceProfile',
      'iam:UntagRole',
      'lambda:UntagResource',
      'ssm:DeleteParameter',
      'ssm:PutParameter',
    ]);

    // The instance dies after the hand-over: the group replaces it, and the new one takes the
    // interface by its stack tag; the IP is the same.
    const group = (await account.sim.handle('autoscaling', 'DescribeAutoScalingGroups', {
      AutoScalingGroupNames: ['fixed-ip-nat-default'],
    })) as { AutoScalingGroups: Array<{ Instances: Array<{ InstanceId: string }> }> };
    const old = group.AutoScalingGroups[0]?.Instances[0]?.InstanceId ?? '';
    expect(await egressIp()).toBe(first.elasticIp);
    await account.sim.handle('ec2', 'TerminateInstances', { InstanceIds: [old] });
    account.clock.advance(MINUTE);
    expect(await egressIp()).toBeNull();
    account.clock.advance(5 * MINUTE);
    expect(await egressIp()).toBe(first.elasticIp);
  });
});

describe('forget with the state in S3', () => {
  it('writes the tombstone beside the state object and removes the state and its backup; teardown reads it there', async () => {
    const fake = new FakeS3();
    const store = () =>
      new S3StateStore({
        bucket: 'team-state',
        key: 'fixed-ip/prod.json',
        s3: () => Promise.resolve(fake.port),
        whoAmI: () => Promise.resolve('arn:aws:iam::123456789012:user/alice'),
        command: 'forget',
        notify: () => undefined,
        lockRefreshMs: 3_600_000,
      });
    const deps = () => ({ ...account.deps(), openStore: store });
    await setup(setupOptions({ name: 'prod' }), deps());
    // A second run of setup leaves a .bak (the bucket is not versioned).
    await setup(setupOptions({ name: 'prod' }), deps());
    expect(fake.keys('team-state')).toEqual(['fixed-ip/prod.json', 'fixed-ip/prod.json.bak']);
    const before = inventory();

    await forget(forgetOptions({ name: 'prod', keepTags: true }), deps());
    expect(fake.keys('team-state')).toEqual(['fixed-ip/prod.json.forgotten.json']);
    const tombstone = decodeTombstone(
      fake.body('team-state', 'fixed-ip/prod.json.forgotten.json') ?? '',
      's3',
    );
    expect(tombstone).toMatchObject({ stack: 'prod', tags: 'kept' });

    const down = deps();
    const torn = await teardown({ name: 'prod', yes: true }, down);
    expect(torn.removed).toEqual([]);
    expect(down.recording.results[0]).toMatch(
      /^Stack prod was handed over on .* fixed-ip deletes nothing of it\.$/,
    );
    expect(inventory()).toBe(before);
    expect((await rejection(status({ name: 'prod' }, deps()))).code).toBe('NO_STACK');
  });
});
