import { describe, expect, it } from 'vitest';
import { natLayout } from './nat-layout.js';
import { expectAwsError, MINUTE } from './support.js';

type Iface = { NetworkInterfaceId: string; Attachment: { DeviceIndex: number; Status: string } };

describe('RunInstances with a new primary interface and AssociatePublicIpAddress', () => {
  it('an auto-assigned public IPv4 (owner amazon), released at stop, a new one at start, none after terminate', async () => {
    const { clock, ec2, launch, instance } = await natLayout();
    const id = await launch();
    const launched = await instance(id);
    expect(launched.PublicIpAddress).toMatch(/^192\.0\.2\.\d+$/);
    expect(launched.MaintenanceOptions).toEqual({ AutoRecovery: 'default' });
    expect(launched.NetworkInterfaces).toHaveLength(1);
    const primary = launched.NetworkInterfaces[0];
    expect(primary.Attachment).toMatchObject({
      DeviceIndex: 0,
      Status: 'attached',
      DeleteOnTermination: true,
    });
    expect(primary.Association).toEqual({ PublicIp: launched.PublicIpAddress, IpOwnerId: 'amazon' });
    const eni = (
      await ec2('DescribeNetworkInterfaces', { NetworkInterfaceIds: [primary.NetworkInterfaceId] })
    ).NetworkInterfaces[0];
    expect(eni.Association).toEqual({ PublicIp: launched.PublicIpAddress, IpOwnerId: 'amazon' });
    expect(eni.Association.AllocationId).toBeUndefined();

    clock.advance(30_000);
    await ec2('StopInstances', { InstanceIds: [id] });
    clock.advance(MINUTE);
    expect((await instance(id)).PublicIpAddress).toBeUndefined();
    await ec2('StartInstances', { InstanceIds: [id] });
    const restarted = (await instance(id)).PublicIpAddress;
    expect(restarted).toMatch(/^192\.0\.2\.\d+$/);
    await ec2('TerminateInstances', { InstanceIds: [id] });
    clock.advance(MINUTE);
    expect((await instance(id)).PublicIpAddress).toBeUndefined();
  });

  it('refuses AssociatePublicIpAddress with an existing interface, or with more than one interface; an unknown AutoRecovery', async () => {
    const { ec2, launch, eniId, publicSubnet } = await natLayout();
    await expectAwsError(
      launch({
        NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: eniId, AssociatePublicIpAddress: true }],
      }),
      'InvalidParameterCombination',
      'The associatePublicIPAddress parameter cannot be specified for a network interface with an ID.',
    );
    await expectAwsError(
      launch({
        NetworkInterfaces: [
          { DeviceIndex: 0, SubnetId: publicSubnet, AssociatePublicIpAddress: true },
          { DeviceIndex: 1, SubnetId: publicSubnet },
        ],
      }),
      'InvalidParameterCombination',
      'The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces.',
    );
    await expectAwsError(
      launch({ MaintenanceOptions: { AutoRecovery: 'sometimes' } }),
      'InvalidParameterValue',
    );
    expect((await ec2('DescribeInstances')).Reservations).toEqual([]);
  });

  it('a running instance with a public IPv4 is a mapped address: the internet gateway cannot be detached', async () => {
    const { sim, ec2, launch, vpcId } = await natLayout();
    await launch();
    const igw = (await ec2('DescribeInternetGateways')).InternetGateways.find(
      (g: { Attachments: Array<{ VpcId: string }> }) => g.Attachments[0]?.VpcId === vpcId,
    );
    // The stack's Elastic IP is mapped too: take it off first, so only the instance's address remains.
    const address = (await ec2('DescribeAddresses')).Addresses[0];
    await ec2('DisassociateAddress', { AssociationId: address.AssociationId });
    await expectAwsError(
      ec2('DetachInternetGateway', { InternetGatewayId: igw.InternetGatewayId, VpcId: vpcId }),
      'DependencyViolation',
    );
    expect(sim.calls.at(-1)?.mutated).toBe(false);
  });
});

describe('AttachNetworkInterface and DetachNetworkInterface', () => {
  it('attaching -> attached and detaching -> available over seconds; both interfaces listed by device index', async () => {
    const { clock, ec2, launch, instance, eniId, stackInterface } = await natLayout();
    const id = await launch();
    await expectAwsError(
      ec2('AttachNetworkInterface', { InstanceId: id, NetworkInterfaceId: eniId, DeviceIndex: 1 }),
      'IncorrectInstanceState',
      `Instance '${id}' is not 'running' or 'stopped'.`,
    );
    clock.advance(30_000);
    const { AttachmentId } = await ec2('AttachNetworkInterface', {
      InstanceId: id,
      NetworkInterfaceId: eniId,
      DeviceIndex: 1,
    });
    expect(AttachmentId).toMatch(/^eni-attach-/);
    expect(await stackInterface()).toMatchObject({
      Status: 'in-use',
      Attachment: {
        AttachmentId,
        InstanceId: id,
        DeviceIndex: 1,
        Status: 'attaching',
        DeleteOnTermination: false,
      },
    });
    clock.advance(3_000);
    expect((await stackInterface()).Attachment.Status).toBe('attached');
    const listed = (await instance(id)).NetworkInterfaces as Iface[];
    expect(listed.map((i) => [i.Attachment.DeviceIndex, i.Attachment.Status])).toEqual([
      [0, 'attached'],
      [1, 'attached'],
    ]);
    expect(listed[1]?.NetworkInterfaceId).toBe(eniId);
    // The Elastic IP is the interface's: shown on it, and not the instance's public address.
    expect((listed[1] as unknown as { Association: { IpOwnerId: string } }).Association.IpOwnerId).toBe(
      '123456789012',
    );
    const byFilter = async (filters: object[]) =>
      (await ec2('DescribeNetworkInterfaces', { Filters: filters })).NetworkInterfaces.map(
        (e: { NetworkInterfaceId: string }) => e.NetworkInterfaceId,
      );
    expect(
      await byFilter([
        { Name: 'attachment.instance-id', Values: [id] },
        { Name: 'attachment.device-index', Values: ['1'] },
        { Name: 'attachment.status', Values: ['attached'] },
      ]),
    ).toEqual([eniId]);
    const instancesWith = (
      await ec2('DescribeInstances', {
        Filters: [{ Name: 'network-interface.network-interface-id', Values: [eniId] }],
      })
    ).Reservations.flatMap((r: { Instances: Array<{ InstanceId: string }> }) =>
      r.Instances.map((i) => i.InstanceId),
    );
    expect(instancesWith).toEqual([id]);
    await expectAwsError(
      ec2('DeleteNetworkInterface', { NetworkInterfaceId: eniId }),
      'InvalidNetworkInterface.InUse',
    );

    await ec2('DetachNetworkInterface', { AttachmentId, Force: true });
    expect((await stackInterface()).Attachment.Status).toBe('detaching');
    clock.advance(5_000);
    const detached = await stackInterface();
    expect(detached.Status).toBe('available');
    expect(detached.Attachment).toBeUndefined();
    expect(detached.Association.PublicIp).toBeDefined();
    await expectAwsError(
      ec2('DetachNetworkInterface', { AttachmentId }),
      'InvalidAttachmentID.NotFound',
      `The network interface attachment ID '${AttachmentId}' does not exist`,
    );
  });

  it('refuses an interface in use, a device index taken, another zone, the type’s interface limit, and detaching device 0', async () => {
    const { sim, clock, ec2, launch, instance, eniId, publicSubnet, otherZoneSubnet, natGroup } =
      await natLayout();
    const first = await launch();
    const second = await launch();
    clock.advance(30_000);
    await ec2('AttachNetworkInterface', { InstanceId: first, NetworkInterfaceId: eniId, DeviceIndex: 1 });
    await expectAwsError(
      ec2('AttachNetworkInterface', { InstanceId: second, NetworkInterfaceId: eniId, DeviceIndex: 1 }),
      'InvalidNetworkInterface.InUse',
      `Interface: [${eniId}] in use.`,
    );
    const spare = (await ec2('CreateNetworkInterface', { SubnetId: publicSubnet, Groups: [natGroup] }))
      .NetworkInterface.NetworkInterfaceId;
    await expectAwsError(
      ec2('AttachNetworkInterface', { InstanceId: first, NetworkInterfaceId: spare, DeviceIndex: 1 }),
      'InvalidParameterValue',
      `Instance '${first}' already has an interface attached at device index '1'.`,
    );
    await expectAwsError(
      ec2('AttachNetworkInterface', { InstanceId: first, NetworkInterfaceId: spare, DeviceIndex: 2 }),
      'AttachmentLimitExceeded',
      'Interface count 3 exceeds the limit for t4g.nano',
    );
    const far = (await ec2('CreateNetworkInterface', { SubnetId: otherZoneSubnet })).NetworkInterface
      .NetworkInterfaceId;
    await expectAwsError(
      ec2('AttachNetworkInterface', { InstanceId: second, NetworkInterfaceId: far, DeviceIndex: 1 }),
      'InvalidParameterCombination',
      /same availability zone/,
    );
    const primaryAttachment = (
      (await instance(first)).NetworkInterfaces as Array<{
        Attachment: { AttachmentId: string; DeviceIndex: number };
      }>
    ).find((i) => i.Attachment.DeviceIndex === 0)?.Attachment.AttachmentId;
    await expectAwsError(
      ec2('DetachNetworkInterface', { AttachmentId: primaryAttachment }),
      'OperationNotPermitted',
      'The network interface at device index 0 and networkCard index 0 cannot be detached.',
    );
    // None of the refusals changed the account.
    expect(sim.calls.filter((c) => c.outcome !== 'ok').every((c) => !c.mutated)).toBe(true);
  });

  it('terminating the instance frees an interface attached afterwards, with its Elastic IP; the primary goes with it', async () => {
    const { clock, ec2, launch, instance, eniId, eip, stackInterface } = await natLayout();
    const id = await launch();
    clock.advance(30_000);
    await ec2('AttachNetworkInterface', { InstanceId: id, NetworkInterfaceId: eniId, DeviceIndex: 1 });
    clock.advance(3_000);
    const primary = ((await instance(id)).NetworkInterfaces as Iface[])[0]?.NetworkInterfaceId;
    await ec2('TerminateInstances', { InstanceIds: [id] });
    expect((await stackInterface()).Status).toBe('in-use');
    clock.advance(MINUTE);
    const freed = await stackInterface();
    expect(freed.Status).toBe('available');
    expect(freed.Association).toMatchObject({ PublicIp: eip.publicIp, AllocationId: eip.allocationId });
    await expectAwsError(
      ec2('DescribeNetworkInterfaces', { NetworkInterfaceIds: [primary] }),
      'InvalidNetworkInterfaceID.NotFound',
    );
    // Free again: another instance can take it.
    const next = await launch();
    clock.advance(30_000);
    await ec2('AttachNetworkInterface', { InstanceId: next, NetworkInterfaceId: eniId, DeviceIndex: 1 });
  });
});
