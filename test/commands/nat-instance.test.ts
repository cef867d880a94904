import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { FixedIpError } from '../../src/errors.js';
import { createTestAccount, mutatingCalls, type TestAccount } from '../support/env.js';

let account: TestAccount;
let vpcId: string;

const MINUTE = 60_000;

const options = (extra: Partial<SetupOptions> = {}): SetupOptions => ({
  functions: ['orders-api'],
  vpc: vpcId,
  name: 'default',
  yes: true,
  nat: 'instance',
  ...extra,
});

/** The public IP the internet sees when the function calls out (the simulator's egress probe). */
async function egressIp(): Promise<string | null> {
  const out = (await account.sim.handle('lambda', 'Invoke', { FunctionName: 'orders-api' })) as {
    Payload?: Uint8Array;
    FunctionError?: string;
  };
  if (out.FunctionError) return null;
  const body = JSON.parse(new TextDecoder().decode(out.Payload)) as { publicIp?: string };
  return body.publicIp ?? null;
}

type Ec2 = (operation: string, input?: object) => Promise<Record<string, unknown>>;
const ec2: Ec2 = (operation, input = {}) =>
  account.sim.handle('ec2', operation, input) as Promise<Record<string, unknown>>;

async function instance(id: string) {
  const out = (await ec2('DescribeInstances', { InstanceIds: [id] })) as {
    Reservations: Array<{ Instances: Array<Record<string, unknown>> }>;
  };
  return out.Reservations[0]?.Instances[0] as {
    State: { Name: string };
    InstanceType: string;
    ImageId: string;
    Architecture: string;
    MetadataOptions: { HttpTokens: string };
    KeyName?: string;
    NetworkInterfaces: Array<{ NetworkInterfaceId: string; Association?: { PublicIp: string } }>;
  };
}

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
});

afterEach(() => account.restore());

describe('--nat instance', () => {
  it('builds a NAT instance on an interface of ours holding the Elastic IP, and the function egresses from it', async () => {
    const deps = account.deps();
    const result = await setup(options(), deps);
    const state = account.readState();
    expect(state?.shape).toMatchObject({ nat: 'instance' });
    expect(state?.natGateway).toBeUndefined();
    const eni = state?.natInterface?.id ?? '';
    const id = state?.natInstance?.id ?? '';
    expect(eni).toMatch(/^eni-/);
    expect(id).toMatch(/^i-/);

    const live = await instance(id);
    expect(live).toMatchObject({
      State: { Name: 'running' },
      InstanceType: 't4g.nano',
      Architecture: 'arm64',
      MetadataOptions: { HttpTokens: 'required' },
    });
    expect(live.KeyName).toBeUndefined();
    expect(live.NetworkInterfaces[0]).toMatchObject({
      NetworkInterfaceId: eni,
      Association: { PublicIp: result.elasticIp },
    });
    const run = account.sim.calls.find((c) => c.operation === 'RunInstances' && c.outcome === 'ok');
    const input = run?.input as {
      BlockDeviceMappings: Array<{ Ebs: { Encrypted: boolean } }>;
      UserData: string;
      KeyName?: string;
    };
    expect(input.BlockDeviceMappings[0]?.Ebs.Encrypted).toBe(true);
    expect(input.KeyName).toBeUndefined();
    expect(Buffer.from(input.UserData, 'base64').toString()).toContain('net.ipv4.ip_forward');

    const group = (
      (await ec2('DescribeSecurityGroups', { GroupIds: [state?.natSecurityGroup?.id] })) as {
        SecurityGroups: Array<{ IpPermissions: Array<{ IpRanges: Array<{ CidrIp: string }> }> }>;
      }
    ).SecurityGroups[0];
    const privateCidrs = Object.values(state?.resources ?? {})
      .filter((r) => r.kind === 'privateSubnet')
      .map((r) => (r as { cidr: string }).cidr)
      .sort();
    expect(group?.IpPermissions.flatMap((p) => p.IpRanges.map((r) => r.CidrIp)).sort()).toEqual(privateCidrs);

    // The private routes moved only once the instance ran, and the function only after them.
    const ops = account.sim.calls.map((c) => c.operation);
    const routeToEni = account.sim.calls.findIndex(
      (c) => c.operation === 'CreateRoute' && (c.input as { NetworkInterfaceId?: string }).NetworkInterfaceId,
    );
    expect(routeToEni).toBeGreaterThan(ops.indexOf('RunInstances'));
    expect(ops.lastIndexOf('UpdateFunctionConfiguration')).toBeGreaterThan(routeToEni);
    expect(await egressIp()).toBe(result.elasticIp);
    expect(deps.recording.results).toContain(`Allowlist this IP: ${result.elasticIp}`);
    expect(deps.recording.messages.map((m) => m.text).join('\n')).toMatch(/NAT instance .*\/h/);

    // A second run changes nothing.
    const before = mutatingCalls(account.sim).length;
    await setup(options({ nat: undefined }), account.deps());
    expect(mutatingCalls(account.sim).length).toBe(before);
  });

  it('status: healthy once the checks pass, with the image age; a stopped instance is drift', async () => {
    await setup(options(), account.deps());
    account.clock.advance(5 * MINUTE);
    const healthy = await status({ name: 'default' }, account.deps());
    expect(healthy.problems).toEqual([]);
    expect(healthy.healthy).toBe(true);
    expect(healthy.natMode).toBe('instance');
    const row = healthy.resources.find((r) => r.type === 'natInstance');
    expect(row?.state).toMatch(/^running, image \d+ days old$/);
    expect(healthy.monthlyCostUsd).toBeGreaterThan(0);
    expect(healthy.monthlyCostUsd).toBeLessThan(15);

    const id = account.readState()?.natInstance?.id ?? '';
    await ec2('StopInstances', { InstanceIds: [id] });
    account.clock.advance(MINUTE);
    const drifted = await status({ name: 'default' }, account.deps());
    expect(drifted.healthy).toBe(false);
    expect(drifted.problems.join('\n')).toMatch(/NAT instance i-\w+ is stopped/);
  });

  it('repairs a terminated instance by launching a new one on the same interface: same IP', async () => {
    const first = await setup(options(), account.deps());
    const state = account.readState();
    const old = state?.natInstance?.id ?? '';
    await ec2('TerminateInstances', { InstanceIds: [old] });
    account.clock.advance(5 * MINUTE);
    expect(await egressIp()).toBeNull();
    const report = await status({ name: 'default' }, account.deps());
    expect(report.problems.join('\n')).toMatch(/is terminated/);

    const again = await setup(options({ nat: undefined }), account.deps());
    const after = account.readState();
    expect(after?.natInstance?.id).not.toBe(old);
    expect(after?.natInterface?.id).toBe(state?.natInterface?.id);
    expect(again.elasticIp).toBe(first.elasticIp);
    expect(await egressIp()).toBe(first.elasticIp);
  });

  it('--replace-nat-instance: terminates the old instance, then launches a fresh one on the same interface', async () => {
    const first = await setup(options(), account.deps());
    const old = account.readState()?.natInstance?.id ?? '';
    const deps = account.deps();
    await setup(options({ nat: undefined, replaceNatInstance: true }), deps);
    const fresh = account.readState()?.natInstance?.id ?? '';
    expect(fresh).not.toBe(old);
    expect((await instance(old)).State.Name).toBe('terminated');
    const ops = mutatingCalls(account.sim);
    expect(ops.lastIndexOf('TerminateInstances')).toBeLessThan(ops.lastIndexOf('RunInstances'));
    expect(await egressIp()).toBe(first.elasticIp);
    expect(deps.recording.messages.map((m) => m.text).join('\n')).toMatch(
      /replace i-\w+ \(--replace-nat-instance\)/,
    );
  });

  it('teardown terminates the instance, then removes the interface, the groups and the Elastic IP', async () => {
    const before = account.sim.snapshot();
    await setup(options(), account.deps());
    await teardown({ name: 'default', yes: true }, account.deps());
    account.clock.advance(2 * 60 * MINUTE);
    expect(account.readState()).toBeUndefined();
    const after = account.sim.snapshot() as { instances: Array<{ state: string }> };
    expect(after.instances.every((i) => i.state === 'terminated')).toBe(true);
    expect({ ...after, instances: [] }).toEqual({ ...(before as object), instances: [] });
  });

  it('teardown --keep-eip keeps the IP, and the next setup brings it back on a new interface', async () => {
    const first = await setup(options(), account.deps());
    await teardown({ name: 'default', yes: true, keepEip: true }, account.deps());
    const again = await setup(options(), account.deps());
    expect(again.elasticIp).toBe(first.elasticIp);
    expect(await egressIp()).toBe(first.elasticIp);
  });

  it('stops before creating anything when the first zone does not offer the type (exit 6)', async () => {
    const zones = (
      (await ec2('DescribeAvailabilityZones')) as { AvailabilityZones: Array<{ ZoneName: string }> }
    ).AvailabilityZones.map((z) => z.ZoneName);
    const last = zones[zones.length - 1] ?? '';
    const before = JSON.stringify(account.sim.snapshot());
    const error = await setup(options({ az: [last] }), account.deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FixedIpError);
    expect((error as FixedIpError).exitCode).toBe(6);
    expect((error as FixedIpError).message).toMatch(new RegExp(`${last} does not offer t4g.nano.*--az`));
    expect(JSON.stringify(account.sim.snapshot())).toBe(before);
    // Another type is offered there.
    await setup(options({ az: [last], natInstanceType: 't3.nano' }), account.deps());
    expect((await instance(account.readState()?.natInstance?.id ?? '')).Architecture).toBe('x86_64');
  });

  it('changes mode gateway -> instance -> gateway on a live stack, keeping the allowlisted IP, and says where egress pauses', async () => {
    const first = await setup(options({ nat: 'gateway' }), account.deps());
    expect(await egressIp()).toBe(first.elasticIp);
    const natId = account.readState()?.natGateway?.id ?? '';

    const toInstance = account.deps();
    const second = await setup(options({ nat: 'instance' }), toInstance);
    expect(second.elasticIp).toBe(first.elasticIp);
    expect(await egressIp()).toBe(first.elasticIp);
    const state = account.readState();
    expect(state?.natGateway).toBeUndefined();
    expect(state?.shape.nat).toBe('instance');
    const nat = (
      (await ec2('DescribeNatGateways', { NatGatewayIds: [natId] })) as {
        NatGateways: Array<{ State: string }>;
      }
    ).NatGateways[0];
    expect(nat?.State).toBe('deleted');
    const text = toInstance.recording.messages.map((m) => m.text).join('\n');
    expect(text).toMatch(/egress pauses/);
    // The instance ran before the gateway was deleted, and the routes moved after.
    const ops = account.sim.calls.map((c) => c.operation);
    const run = ops.lastIndexOf('RunInstances');
    const deleted = ops.lastIndexOf('DeleteNatGateway');
    const moved = account.sim.calls.findIndex(
      (c) =>
        c.operation === 'ReplaceRoute' && (c.input as { NetworkInterfaceId?: string }).NetworkInterfaceId,
    );
    expect(run).toBeLessThan(deleted);
    expect(deleted).toBeLessThan(moved);

    const back = account.deps();
    const third = await setup(options({ nat: 'gateway' }), back);
    expect(third.elasticIp).toBe(first.elasticIp);
    expect(await egressIp()).toBe(first.elasticIp);
    const after = account.readState();
    expect(after?.natInstance).toBeUndefined();
    expect(after?.natInterface).toBeUndefined();
    expect(after?.natSecurityGroup).toBeUndefined();
    expect(back.recording.messages.map((m) => m.text).join('\n')).toMatch(
      /leaves the NAT instance for the new NAT gateway: egress pauses/,
    );
    const health = await status({ name: 'default' }, account.deps());
    expect(health.problems).toEqual([]);
  });

  it('Ctrl-C while the instance starts: the state keeps it, and the re-run resumes without a second instance', async () => {
    const controller = new AbortController();
    const handle = account.sim.handle.bind(account.sim);
    account.sim.handle = async (service, operation, input) => {
      const out = await handle(service, operation, input);
      if (operation === 'RunInstances') controller.abort();
      return out;
    };
    const error = await setup(options(), account.deps({ signal: controller.signal })).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('AbortError');
    account.sim.handle = handle;
    const recorded = account.readState()?.natInstance?.id;
    expect(recorded).toMatch(/^i-/);
    const result = await setup(options({ nat: undefined }), account.deps());
    expect(account.readState()?.natInstance?.id).toBe(recorded);
    expect(mutatingCalls(account.sim).filter((op) => op === 'RunInstances')).toHaveLength(1);
    expect(await egressIp()).toBe(result.elasticIp);
  });

  it('a lost state file: status and teardown find the instance stack by its tags', async () => {
    const { rmSync } = await import('node:fs');
    const first = await setup(options(), account.deps());
    rmSync(account.statePath());
    account.clock.advance(5 * MINUTE);
    const report = await status({ name: 'default' }, account.deps());
    expect(report.foundByTags).toBe(true);
    expect(report.natMode).toBe('instance');
    expect(report.elasticIps).toEqual([first.elasticIp]);
    expect(report.problems).toEqual([]);
    await teardown({ name: 'default', yes: true }, account.deps());
    const after = account.sim.snapshot() as {
      instances: Array<{ state: string }>;
      networkInterfaces: unknown[];
    };
    expect(after.instances.every((i) => i.state === 'terminated')).toBe(true);
  });
});
