import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type SetupOptions } from '../../src/commands/setup.js';
import { status } from '../../src/commands/status.js';
import { teardown } from '../../src/commands/teardown.js';
import { verify } from '../../src/commands/verify.js';
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
    NetworkInterfaces: Array<{
      NetworkInterfaceId: string;
      Association?: { PublicIp: string; IpOwnerId?: string };
      Attachment: { DeviceIndex: number };
    }>;
    Tags?: Array<{ Key: string; Value: string }>;
    IamInstanceProfile?: { Arn: string };
  };
}

beforeEach(() => {
  account = createTestAccount();
  vpcId = account.sim.addVpc({ cidr: '10.0.0.0/16', name: 'app' });
  account.sim.addFunction({ name: 'orders-api', runtime: 'nodejs20.x', roleHasVpcAccess: true });
});

afterEach(() => account.restore());

describe('--nat instance', () => {
  it('builds a NAT instance with a primary of its own and our interface holding the Elastic IP as device index 1, and the function egresses from it', async () => {
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
    // The stack's interface is the second one (movable), holding the Elastic IP; the primary has a
    // public IPv4 of AWS's for the instance's own traffic, never the allowlisted one.
    const byDevice = (index: number) =>
      live.NetworkInterfaces.find((n) => n.Attachment.DeviceIndex === index);
    expect(byDevice(1)).toMatchObject({
      NetworkInterfaceId: eni,
      Association: { PublicIp: result.elasticIp },
    });
    expect(byDevice(0)?.NetworkInterfaceId).not.toBe(eni);
    expect(byDevice(0)?.Association?.PublicIp).toBeDefined();
    expect(byDevice(0)?.Association?.PublicIp).not.toBe(result.elasticIp);
    // It reported its boot on its own tag, through the stack's role.
    expect(live.Tags?.find((t) => t.Key === 'fixed-ip:nat-boot')?.Value).toBe('forwarding');
    expect(live.IamInstanceProfile?.Arn).toMatch(/instance-profile\/fixed-ip-nat-default-/);
    const run = account.sim.calls.find((c) => c.operation === 'RunInstances' && c.outcome === 'ok');
    const input = run?.input as {
      BlockDeviceMappings: Array<{ Ebs: { Encrypted: boolean } }>;
      UserData: string;
      KeyName?: string;
    };
    expect(input.BlockDeviceMappings[0]?.Ebs.Encrypted).toBe(true);
    expect(input.KeyName).toBeUndefined();
    const script = Buffer.from(input.UserData, 'base64').toString();
    expect(script).toContain('net.ipv4.ip_forward');
    expect(script).toContain(`NAT_INTERFACE_ID='${eni}'`);
    expect(script).toContain("NAT_SELF_ATTACH='0'");

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

  it('--replace-nat-instance: the new instance boots first, takes the interface, and only then is the old one terminated; egress pauses for seconds', async () => {
    const first = await setup(options(), account.deps());
    const old = account.readState()?.natInstance?.id ?? '';
    const deps = account.deps();
    // Watch egress on the virtual clock through the whole replacement.
    const down: number[] = [];
    const handle = account.sim.handle.bind(account.sim);
    account.sim.handle = async (service, operation, input) => {
      const out = await handle(service, operation, input);
      if (service === 'ec2' && operation.startsWith('Describe') && (await egressIp()) !== first.elasticIp)
        down.push(account.clock.now());
      return out;
    };
    await setup(options({ nat: undefined, replaceNatInstance: true }), deps);
    account.sim.handle = handle;
    const fresh = account.readState()?.natInstance?.id ?? '';
    expect(fresh).not.toBe(old);
    expect((await instance(old)).State.Name).toMatch(/terminated|shutting-down/);
    const ops = mutatingCalls(account.sim);
    const run = ops.lastIndexOf('RunInstances');
    expect(run).toBeLessThan(ops.lastIndexOf('DetachNetworkInterface'));
    expect(ops.lastIndexOf('DetachNetworkInterface')).toBeLessThan(ops.lastIndexOf('AttachNetworkInterface'));
    expect(ops.lastIndexOf('AttachNetworkInterface')).toBeLessThan(ops.lastIndexOf('TerminateInstances'));
    expect(await egressIp()).toBe(first.elasticIp);
    // The gap: from the first moment without egress to the last, well under a minute.
    const gap = down.length > 0 ? Math.max(...down) - Math.min(...down) : 0;
    expect(gap).toBeLessThan(30_000);
    const text = deps.recording.messages.map((m) => m.text).join('\n');
    expect(text).toMatch(/replace i-\w+ \(--replace-nat-instance\)/);
    expect(text).toMatch(/egress paused \d+ s/);
  });

  it("--replace-nat-instance whose new instance's boot fails: setup says why, the new one goes, the old one keeps forwarding", async () => {
    const first = await setup(options(), account.deps());
    const old = account.readState()?.natInstance?.id ?? '';
    account.sim.inject({ kind: 'natBootFails', reason: 'creating the swap file failed' });
    const error = await setup(options({ nat: undefined, replaceNatInstance: true }), account.deps()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FixedIpError);
    expect((error as FixedIpError).message).toBe(
      "the NAT instance's boot failed: creating the swap file failed",
    );
    expect(account.readState()?.natInstance?.id).toBe(old);
    expect((await instance(old)).State.Name).toBe('running');
    expect(await egressIp()).toBe(first.elasticIp);
    const launched = account.sim.calls.filter((c) => c.operation === 'RunInstances' && c.outcome === 'ok');
    expect(launched).toHaveLength(2);
    const all = (await ec2('DescribeInstances')) as {
      Reservations: Array<{ Instances: Array<{ InstanceId: string; State: { Name: string } }> }>;
    };
    const live = all.Reservations.flatMap((r) => r.Instances).filter(
      (i) => i.State.Name !== 'terminated' && i.State.Name !== 'shutting-down',
    );
    expect(live.map((i) => i.InstanceId)).toEqual([old]);
  });

  it("moves a first release's stack (the interface as the instance's primary) to the movable layout with the IP unchanged", async () => {
    const first = await setup(options(), account.deps());
    const state = account.readState();
    const eni = state?.natInterface?.id ?? '';
    const zone = state?.natInstance?.zone ?? '';
    // Rebuild what the first release made: its instance holds the interface as device 0 and runs
    // the first release's script (no config block), tagged as the stack's.
    await ec2('TerminateInstances', { InstanceIds: [state?.natInstance?.id] });
    account.clock.advance(5 * MINUTE);
    const image = (await ec2('DescribeImages', { Owners: ['amazon'] })) as {
      Images: Array<{ ImageId: string; Architecture: string }>;
    };
    const arm = image.Images.find((i) => i.Architecture === 'arm64')?.ImageId;
    const launched = (await ec2('RunInstances', {
      ImageId: arm,
      InstanceType: 't4g.nano',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: eni }],
      UserData: Buffer.from('#!/bin/bash\nsysctl -w net.ipv4.ip_forward=1\n').toString('base64'),
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            { Key: 'fixed-ip:stack', Value: 'default' },
            { Key: 'fixed-ip:managed-by', Value: 'fixed-ip' },
            { Key: 'fixed-ip:role', Value: 'nat-instance' },
            { Key: 'fixed-ip:zone', Value: zone },
          ],
        },
      ],
    })) as { Instances: Array<{ InstanceId: string }> };
    const legacy = launched.Instances[0]?.InstanceId ?? '';
    const { writeFileSync } = await import('node:fs');
    const raw = JSON.parse((await import('node:fs')).readFileSync(account.statePath(), 'utf8')) as {
      resources: Record<string, { id: string }>;
    };
    const key = Object.keys(raw.resources).find((k) => k.startsWith('natInstance')) ?? '';
    raw.resources[key] = { ...raw.resources[key], id: legacy };
    writeFileSync(account.statePath(), JSON.stringify(raw));
    account.clock.advance(5 * MINUTE);
    expect(await egressIp()).toBe(first.elasticIp);
    const report = await status({ name: 'default' }, account.deps());
    expect(report.problems).toEqual([]);
    expect(report.resources.find((r) => r.type === 'natInstance')?.state).toMatch(/first release's layout/);

    const deps = account.deps();
    const again = await setup(options({ nat: undefined }), deps);
    expect(again.elasticIp).toBe(first.elasticIp);
    expect(await egressIp()).toBe(first.elasticIp);
    const fresh = account.readState()?.natInstance?.id ?? '';
    expect(fresh).not.toBe(legacy);
    expect((await instance(legacy)).State.Name).toMatch(/terminated|shutting-down/);
    const moved = (await instance(fresh)).NetworkInterfaces.find((n) => n.NetworkInterfaceId === eni);
    expect(moved?.Attachment.DeviceIndex).toBe(1);
    expect(deps.recording.messages.map((m) => m.text).join('\n')).toMatch(/first release's layout/);
    // And the next run has nothing to do.
    const before = mutatingCalls(account.sim).length;
    await setup(options({ nat: undefined }), account.deps());
    expect(mutatingCalls(account.sim).length).toBe(before);
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

  it("stops before creating anything when the NAT instance's role name is taken by a role that is not the stack's (exit 6)", async () => {
    await account.sim.handle('iam', 'CreateRole', {
      RoleName: `fixed-ip-nat-default-${account.sim.region}`,
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
    });
    const before = JSON.stringify(account.sim.snapshot());
    const error = await setup(options(), account.deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FixedIpError);
    expect((error as FixedIpError).exitCode).toBe(6);
    expect((error as FixedIpError).message).toMatch(
      /IAM role fixed-ip-nat-default-\S+ exists, but it carries no fixed-ip:stack tag/,
    );
    expect(JSON.stringify(account.sim.snapshot())).toBe(before);
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
    // One instance launched (attempts AWS refused while the new instance profile propagated launch nothing).
    expect(
      account.sim.calls.filter((c) => c.operation === 'RunInstances' && c.outcome === 'ok'),
    ).toHaveLength(1);
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

  describe('--ha: an Auto Scaling group of one', () => {
    it('heals without a command: the instance terminated out of band, the next one takes the interface, same IP; status reports the replacement', async () => {
      const first = await setup(options({ inputs: { ha: '' } }), account.deps());
      const state = account.readState();
      expect(state?.natGroup?.id).toBe('fixed-ip-nat-default');
      expect(state?.natLaunchTemplate?.id).toMatch(/^lt-/);
      expect(state?.natInstance).toBeUndefined();
      expect(await egressIp()).toBe(first.elasticIp);
      // fixed-ip launched nothing itself: the group did, and its instance took the interface.
      expect(mutatingCalls(account.sim)).not.toContain('RunInstances');
      expect(mutatingCalls(account.sim)).not.toContain('AttachNetworkInterface');
      const group = async () =>
        (
          (await account.sim.handle('autoscaling', 'DescribeAutoScalingGroups', {
            AutoScalingGroupNames: ['fixed-ip-nat-default'],
          })) as { AutoScalingGroups: Array<{ Instances: Array<{ InstanceId: string }> }> }
        ).AutoScalingGroups[0];
      const [member] = (await group())?.Instances ?? [];
      const old = member?.InstanceId ?? '';
      const launchTemplateData = (await instance(old)).Tags?.find((t) => t.Key === 'fixed-ip:role')?.Value;
      expect(launchTemplateData).toBe('nat-group-instance');

      // The instance dies; nobody runs fixed-ip.
      const calls = mutatingCalls(account.sim).length;
      await ec2('TerminateInstances', { InstanceIds: [old] });
      account.clock.advance(MINUTE);
      expect(await egressIp()).toBeNull();
      account.clock.advance(5 * MINUTE);
      const [next] = (await group())?.Instances ?? [];
      expect(next?.InstanceId).toMatch(/^i-/);
      expect(next?.InstanceId).not.toBe(old);
      expect(await egressIp()).toBe(first.elasticIp);
      // Nothing but the test's own calls (the termination, the egress probes) reached the account.
      expect(
        mutatingCalls(account.sim)
          .slice(calls)
          .filter((op) => op !== 'Invoke'),
      ).toEqual(['TerminateInstances']);
      const eni = (await instance(next?.InstanceId ?? '')).NetworkInterfaces.find(
        (n) => n.NetworkInterfaceId === state?.natInterface?.id,
      );
      expect(eni?.Attachment.DeviceIndex).toBe(1);

      const report = await status({ name: 'default' }, account.deps());
      expect(report.problems).toEqual([]);
      const row = report.resources.find((r) => r.type === 'natGroup');
      expect(row?.state).toContain(next?.InstanceId ?? '');
      expect(row?.state).toMatch(/last replaced/);
      expect(report.elasticIps).toEqual([first.elasticIp]);
      // And from inside the VPC: every zone's traffic leaves from the allowlisted IP.
      const probed = await verify({ name: 'default' }, account.deps());
      expect(probed.ok).toBe(true);
      expect(probed.zones.map((z) => z.publicIp)).toEqual(probed.zones.map(() => first.elasticIp));
    });

    it('a boot that fails is named by status and verify as the instance reported it', async () => {
      await setup(options({ inputs: { ha: '' } }), account.deps());
      account.sim.inject({ kind: 'natBootFails', reason: 'installing nftables failed after 24 attempts' });
      const [member] =
        (
          (await account.sim.handle('autoscaling', 'DescribeAutoScalingGroups', {})) as {
            AutoScalingGroups: Array<{ Instances: Array<{ InstanceId: string }> }>;
          }
        ).AutoScalingGroups[0]?.Instances ?? [];
      await ec2('TerminateInstances', { InstanceIds: [member?.InstanceId] });
      account.clock.advance(10 * MINUTE);
      const report = await status({ name: 'default' }, account.deps());
      expect(report.healthy).toBe(false);
      expect(report.problems.join('\n')).toMatch(
        /the NAT instance's boot failed: installing nftables failed after 24 attempts/,
      );
      // verify's probes get no answer, and it names the same cause (not a generic "unhealthy").
      const probed = await verify({ name: 'default' }, account.deps());
      expect(probed.ok).toBe(false);
      for (const zone of probed.zones)
        expect(zone.likelyCause).toMatch(/^the NAT instance's boot failed: installing nftables failed/);
    });

    it('--replace-nat-instance: a second instance boots while the first forwards, takes the interface, and the group is back to one', async () => {
      const first = await setup(options({ inputs: { ha: '' } }), account.deps());
      const deps = account.deps();
      await setup(options({ nat: undefined, replaceNatInstance: true }), deps);
      expect(await egressIp()).toBe(first.elasticIp);
      const groups = (await account.sim.handle('autoscaling', 'DescribeAutoScalingGroups', {})) as {
        AutoScalingGroups: Array<{ DesiredCapacity: number; MaxSize: number; Instances: unknown[] }>;
      };
      expect(groups.AutoScalingGroups[0]).toMatchObject({ DesiredCapacity: 1, MaxSize: 1 });
      account.clock.advance(5 * MINUTE);
      expect(
        (
          (await account.sim.handle('autoscaling', 'DescribeAutoScalingGroups', {})) as {
            AutoScalingGroups: Array<{ Instances: unknown[] }>;
          }
        ).AutoScalingGroups[0]?.Instances,
      ).toHaveLength(1);
      expect(deps.recording.messages.map((m) => m.text).join('\n')).toMatch(/egress paused \d+ s/);
    });

    it('teardown deletes the group (its instance terminated), the template, the role and profile: the account as it began', async () => {
      const before = account.sim.snapshot();
      await setup(options({ inputs: { ha: '' } }), account.deps());
      await teardown({ name: 'default', yes: true }, account.deps());
      account.clock.advance(2 * 60 * MINUTE);
      expect(account.readState()).toBeUndefined();
      const after = account.sim.snapshot() as { instances: Array<{ state: string }> };
      expect(after.instances.every((i) => i.state === 'terminated')).toBe(true);
      expect({ ...after, instances: [] }).toEqual({ ...(before as object), instances: [] });
    });

    it('--ha without a NAT instance is refused before anything is made; a stack leaving the instance drops it', async () => {
      const before = JSON.stringify(account.sim.snapshot());
      const error = await setup(options({ nat: 'gateway', inputs: { ha: '' } }), account.deps()).catch(
        (e: unknown) => e,
      );
      expect((error as FixedIpError).code).toBe('BAD_OPTION');
      expect((error as FixedIpError).message).toMatch(/^--ha applies to a NAT instance \(--nat instance\)/);
      expect(JSON.stringify(account.sim.snapshot())).toBe(before);
      const first = await setup(options({ inputs: { ha: '' } }), account.deps());
      await setup(options({ nat: 'gateway' }), account.deps());
      expect(account.readState()?.shape.inputs?.ha).toBeUndefined();
      expect(account.readState()?.natGroup).toBeUndefined();
      expect(await egressIp()).toBe(first.elasticIp);
    });

    it("a foreign Auto Scaling group with the stack group's name is never taken over", async () => {
      const images = (await ec2('DescribeImages', { Owners: ['amazon'] })) as {
        Images: Array<{ ImageId: string; Architecture: string }>;
      };
      const subnet = account.sim.addSubnet({ vpcId, cidr: '10.0.200.0/24', az: 'ap-northeast-1a' });
      const template = (await ec2('CreateLaunchTemplate', {
        LaunchTemplateName: 'someone-elses',
        LaunchTemplateData: {
          ImageId: images.Images.find((i) => i.Architecture === 'x86_64')?.ImageId,
          InstanceType: 't3.nano',
        },
      })) as { LaunchTemplate: { LaunchTemplateId: string } };
      await account.sim.handle('autoscaling', 'CreateAutoScalingGroup', {
        AutoScalingGroupName: 'fixed-ip-nat-default',
        LaunchTemplate: { LaunchTemplateId: template.LaunchTemplate.LaunchTemplateId, Version: '$Latest' },
        MinSize: 0,
        MaxSize: 0,
        VPCZoneIdentifier: subnet,
      });
      const from = mutatingCalls(account.sim).length;
      const error = await setup(options({ inputs: { ha: '' } }), account.deps()).catch((e: unknown) => e);
      expect((error as FixedIpError).exitCode).toBe(6);
      expect((error as FixedIpError).message).toMatch(/Auto Scaling group fixed-ip-nat-default exists, but/);
      // Nothing was made (the run guard's own parameter apart).
      expect(
        mutatingCalls(account.sim)
          .slice(from)
          .filter((op) => !op.endsWith('Parameter')),
      ).toEqual([]);
      const groups = (await account.sim.handle('autoscaling', 'DescribeAutoScalingGroups', {})) as {
        AutoScalingGroups: Array<{ LaunchTemplate: { LaunchTemplateId: string } }>;
      };
      expect(groups.AutoScalingGroups.map((g) => g.LaunchTemplate.LaunchTemplateId)).toEqual([
        template.LaunchTemplate.LaunchTemplateId,
      ]);
      // teardown stops every charge of what setup made, and leaves the foreign group alone.
      await teardown({ name: 'default', yes: true }, account.deps()).catch(() => undefined);
      expect(
        (
          (await account.sim.handle('autoscaling', 'DescribeAutoScalingGroups', {})) as {
            AutoScalingGroups: unknown[];
          }
        ).AutoScalingGroups,
      ).toHaveLength(1);
    });

    it('moves a plain NAT instance stack to --ha and back, keeping the IP', async () => {
      const first = await setup(options(), account.deps());
      const plain = account.readState()?.natInstance?.id ?? '';
      await setup(options({ nat: undefined, inputs: { ha: '' } }), account.deps());
      expect(account.readState()?.natInstance).toBeUndefined();
      expect(account.readState()?.natGroup?.id).toBeDefined();
      expect((await instance(plain)).State.Name).toMatch(/terminated|shutting-down/);
      expect(await egressIp()).toBe(first.elasticIp);
      await setup(options({ nat: undefined, inputs: { ha: 'off' } }), account.deps());
      expect(account.readState()?.natGroup).toBeUndefined();
      expect(account.readState()?.natLaunchTemplate).toBeUndefined();
      expect(account.readState()?.natInstance?.id).toMatch(/^i-/);
      expect(await egressIp()).toBe(first.elasticIp);
      account.clock.advance(5 * MINUTE);
      const report = await status({ name: 'default' }, account.deps());
      expect(report.problems).toEqual([]);
    });
  });
});
