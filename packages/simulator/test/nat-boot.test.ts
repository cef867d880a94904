import { describe, expect, it } from 'vitest';
import { EC2_TRUST, natLayout } from './nat-layout.js';
import { MINUTE } from './support.js';

const RUNNING = 30_000;
const BOOT = 45_000;

describe('a fixed-ip NAT instance’s boot (the contract’s boot report)', () => {
  it('ready after its boot; forwarding 2 s after the interface is attached at device 1; ready again when detached; egress follows', async () => {
    const { clock, ec2, launch, bootTag, eniId, eip, egress, stackInterface } = await natLayout();
    const id = await launch();
    expect(egress()).toEqual({ publicIp: null, reason: `no running instance behind interface ${eniId}` });
    clock.advance(RUNNING + BOOT - 1);
    expect(await bootTag(id)).toBeUndefined();
    clock.advance(1);
    expect(await bootTag(id)).toBe('ready');
    const { AttachmentId } = await ec2('AttachNetworkInterface', {
      InstanceId: id,
      NetworkInterfaceId: eniId,
      DeviceIndex: 1,
    });
    expect(egress()).toEqual({ publicIp: null, reason: `interface ${eniId} is attaching (instance ${id})` });
    clock.advance(3_000);
    expect(egress()).toEqual({
      publicIp: null,
      reason: `instance ${id} has not configured interface ${eniId} yet`,
    });
    expect(await bootTag(id)).toBe('ready');
    clock.advance(2_000);
    expect(await bootTag(id)).toBe('forwarding');
    expect(egress()).toEqual({ publicIp: eip.publicIp, via: eniId });

    await ec2('DetachNetworkInterface', { AttachmentId });
    expect(egress().publicIp).toBeNull();
    clock.advance(5_000);
    expect((await stackInterface()).Status).toBe('available');
    expect(await bootTag(id)).toBe('ready');
    expect(egress().publicIp).toBeNull();
  });

  it('the egress gap of a move, on the clock: from the detach to the new instance forwarding', async () => {
    const { clock, ec2, launch, eniId, eip, egress, stackInterface } = await natLayout();
    const old = await launch();
    const replacement = await launch();
    clock.advance(RUNNING + BOOT);
    await ec2('AttachNetworkInterface', { InstanceId: old, NetworkInterfaceId: eniId, DeviceIndex: 1 });
    clock.advance(5_000);
    expect(egress().publicIp).toBe(eip.publicIp);
    const start = clock.now();
    await ec2('DetachNetworkInterface', { AttachmentId: (await stackInterface()).Attachment.AttachmentId });
    let up: number | undefined;
    for (let t = 0; t < MINUTE && up === undefined; t += 1_000) {
      if ((await stackInterface()).Status === 'available')
        await ec2('AttachNetworkInterface', {
          InstanceId: replacement,
          NetworkInterfaceId: eniId,
          DeviceIndex: 1,
        });
      if (egress().publicIp === eip.publicIp) up = clock.now();
      else clock.advance(1_000);
    }
    // 5 s detaching, 3 s attaching, 2 s configuring.
    expect(up !== undefined ? up - start : undefined).toBe(10_000);
  });

  it('a natBootFails fault: failed: <reason>, no forwarding, and egress says why', async () => {
    const { sim, clock, ec2, launch, bootTag, eniId, egress } = await natLayout();
    sim.inject({ kind: 'natBootFails', reason: 'installing nftables failed after 24 attempts' });
    const id = await launch();
    clock.advance(RUNNING + BOOT);
    expect(await bootTag(id)).toBe('failed: installing nftables failed after 24 attempts');
    await ec2('AttachNetworkInterface', { InstanceId: id, NetworkInterfaceId: eniId, DeviceIndex: 1 });
    clock.advance(MINUTE);
    expect(await bootTag(id)).toBe('failed: installing nftables failed after 24 attempts');
    expect(egress()).toEqual({
      publicIp: null,
      reason: "the NAT instance's boot failed: installing nftables failed after 24 attempts",
    });
    // The fault is used up: the next instance boots.
    const next = await launch();
    clock.advance(RUNNING + BOOT);
    expect(await bootTag(next)).toBe('ready');
  });

  it('a role that may not tag (or only other keys, or not itself) gets no tag, and still forwards', async () => {
    const own = 'arn:aws:ec2:ap-northeast-1:123456789012:instance/*';
    const noTag = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'ec2:CreateTags',
          Resource: own,
          Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['other'] } },
        },
        {
          Effect: 'Allow',
          Action: 'ec2:CreateTags',
          Resource: own,
          Condition: {
            StringEquals: { 'aws:ARN': 'arn:aws:ec2:ap-northeast-1:123456789012:instance/i-other' },
          },
        },
      ],
    });
    const { clock, ec2, launch, bootTag, eniId, eip, egress } = await natLayout({ policy: noTag });
    const id = await launch();
    clock.advance(RUNNING + BOOT);
    await ec2('AttachNetworkInterface', { InstanceId: id, NetworkInterfaceId: eniId, DeviceIndex: 1 });
    clock.advance(MINUTE);
    expect(await bootTag(id)).toBeUndefined();
    expect(egress().publicIp).toBe(eip.publicIp);
  });

  it('a role EC2 may not assume (a Lambda trust) gives the instance no credentials: no tag', async () => {
    const { clock, iam, launch, bootTag } = await natLayout();
    await iam('UpdateAssumeRolePolicy', { RoleName: 'nat-role', PolicyDocument: EC2_TRUST }).catch(
      () => undefined,
    );
    await iam('CreateRole', {
      RoleName: 'lambda-role',
      AssumeRolePolicyDocument: JSON.stringify({
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    await iam('PutRolePolicy', {
      RoleName: 'lambda-role',
      PolicyName: 'all',
      PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    });
    await iam('CreateInstanceProfile', { InstanceProfileName: 'lambda-profile' });
    await iam('AddRoleToInstanceProfile', { InstanceProfileName: 'lambda-profile', RoleName: 'lambda-role' });
    clock.advance(10_000);
    const id = await launch({ IamInstanceProfile: { Name: 'lambda-profile' } });
    clock.advance(RUNNING + BOOT);
    expect(await bootTag(id)).toBeUndefined();
  });
});

describe('self-attach (NAT_SELF_ATTACH=1)', () => {
  it('attaches the interface to itself after its boot, never takes it from a live instance, takes it from a stopped one', async () => {
    const { clock, ec2, launch, bootTag, eniId, eip, egress, stackInterface } = await natLayout();
    const first = await launch({}, true);
    clock.advance(RUNNING + BOOT);
    // ready, then the attach (3 s), then configured (2 s).
    expect(await bootTag(first)).toBe('ready');
    expect((await stackInterface()).Attachment).toMatchObject({ InstanceId: first, DeviceIndex: 1 });
    clock.advance(5_000);
    expect(await bootTag(first)).toBe('forwarding');
    expect(egress().publicIp).toBe(eip.publicIp);

    const second = await launch({}, true);
    clock.advance(RUNNING + BOOT);
    expect(await bootTag(second)).toBe(`waiting: interface ${eniId} is held by ${first}`);
    clock.advance(5 * MINUTE);
    expect((await stackInterface()).Attachment.InstanceId).toBe(first);

    const stoppedAt = clock.now();
    await ec2('StopInstances', { InstanceIds: [first] });
    // Stopping: no longer live. The second detaches it (5 s), attaches it (3 s), configures it (2 s).
    let forwardingAt: number | undefined;
    for (let t = 0; t < MINUTE && forwardingAt === undefined; t += 1_000) {
      if (egress().publicIp === eip.publicIp) forwardingAt = clock.now();
      else clock.advance(1_000);
    }
    expect(await bootTag(second)).toBe('forwarding');
    expect((await stackInterface()).Attachment).toMatchObject({ InstanceId: second, DeviceIndex: 1 });
    expect(forwardingAt !== undefined ? forwardingAt - stoppedAt : undefined).toBe(11_000);
  });

  it('takes over from a terminated instance; a role without attach permission gives up after 10 minutes', async () => {
    const detachOnly = JSON.stringify({
      Statement: [{ Effect: 'Allow', Action: ['ec2:CreateTags', 'ec2:Describe*'], Resource: '*' }],
    });
    const { clock, ec2, launch, bootTag, eniId } = await natLayout({ policy: detachOnly });
    const id = await launch({}, true);
    clock.advance(RUNNING + BOOT);
    expect(await bootTag(id)).toBe('ready');
    clock.advance(10 * MINUTE);
    expect(await bootTag(id)).toBe(
      `failed: interface ${eniId} not attached after 10 minutes (attaching interface ${eniId} failed)`,
    );
    await ec2('TerminateInstances', { InstanceIds: [id] });
  });

  it('a replacement takes the interface from a terminated holder at once', async () => {
    const { clock, ec2, launch, bootTag, eip, egress } = await natLayout();
    const first = await launch({}, true);
    clock.advance(RUNNING + BOOT + 5_000);
    expect(await bootTag(first)).toBe('forwarding');
    await ec2('TerminateInstances', { InstanceIds: [first] });
    const second = await launch({}, true);
    clock.advance(RUNNING + BOOT + 5_000);
    expect(await bootTag(second)).toBe('forwarding');
    expect(egress().publicIp).toBe(eip.publicIp);
  });
});

describe('the first-release layout', () => {
  it('an instance on the stack interface at device index 0 without the config block routes as soon as it runs', async () => {
    const { clock, launch, eniId, eip, egress, bootTag } = await natLayout();
    const id = await launch({
      NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: eniId }],
      UserData: Buffer.from('#!/bin/bash\nsysctl -w net.ipv4.ip_forward=1\n').toString('base64'),
    });
    clock.advance(RUNNING);
    expect(egress()).toEqual({ publicIp: eip.publicIp, via: eniId });
    clock.advance(BOOT);
    expect(await bootTag(id)).toBeUndefined();
  });
});
