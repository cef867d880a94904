import type { Address, NetworkInterface } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import { dropRecord, putRecord, recordIn, type StackContext } from '../model/context.js';
import { TAG_STACK, tagSpec } from '../model/tags.js';
import { POLL, pollUntil } from '../model/wait.js';
import { FixedIpError } from '../errors.js';
import { recordedAddress } from './elastic-ip.js';
import { findListed, provenAs } from './find.js';
import { baseRecord, type Kind, PLACEHOLDER } from '../model/kind.js';
import { deleteWhenFree } from './retry.js';
import { ADDRESSES, NETWORK_INTERFACES } from '../model/world.js';
import { idRef, type IacExport, type IacResource } from '../model/iac.js';

const ROLE = 'nat-interface';

export const natInterfaceRecord = z.extend(baseRecord, { kind: z.literal('natInterface') });

// This kind's state record, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    natInterface: z.infer<typeof natInterfaceRecord>;
  }
}

/** The stack's interface in the world (ours: a plain interface, not Lambda's or a NAT gateway's). */
export function natInterfaceOf(ctx: StackContext, zone: string | undefined): NetworkInterface | undefined {
  const listed = findListed(ctx, natInterface, zone);
  return listed ? ctx.world.networkInterfaces.find((e) => e.NetworkInterfaceId === listed.id) : undefined;
}

function addressOf(ctx: StackContext, zone: string | undefined): Address | undefined {
  const eip = recordIn(ctx, 'elasticIp', zone);
  return eip ? ctx.world.addresses.find((a) => a.AllocationId === eip.id) : undefined;
}

/**
 * Puts the zone's Elastic IP on the interface. A free address is associated at once. One still on
 * a NAT gateway of this stack (a change from a NAT gateway mode) moves only when `takeFromGateway`:
 * the NAT instance is running by then, so the gateway is deleted (which frees the address), the
 * address associated, and the private routes move right after: egress pauses for the gateway's
 * deletion (about a minute), which plan states.
 */
export async function holdAddress(
  ctx: StackContext,
  zone: string | undefined,
  interfaceId: string,
  options: { takeFromGateway: boolean },
): Promise<'held' | 'deferred'> {
  const eip = recordIn(ctx, 'elasticIp', zone);
  if (!eip) throw new FixedIpError('INTERNAL', `no Elastic IP recorded for ${zone ?? 'the stack'}`);
  let address = addressOf(ctx, zone) ?? (zone ? await recordedAddress(ctx, zone) : undefined);
  if (address?.NetworkInterfaceId === interfaceId) return 'held';
  const gateway = ctx.world.natGateways.find(
    (n) =>
      (n.State === 'available' || n.State === 'pending') &&
      n.NatGatewayAddresses?.some((a) => a.AllocationId === eip.id),
  );
  if (gateway) {
    if (!options.takeFromGateway) return 'deferred';
    const id = gateway.NatGatewayId ?? '';
    // Only a gateway whose tags prove it is the stack's is deleted to free the address.
    if (!provenAs(gateway.Tags, ctx.name, ['natGateway', 'regionalNatGateway']))
      throw new FixedIpError(
        'EIP_IN_USE',
        `Elastic IP ${eip.publicIp} (${eip.id}) is held by NAT gateway ${id}, whose tags do not prove it is stack ${ctx.name}'s`,
        {
          hint: "delete that NAT gateway yourself if it is the stack's (or restore its fixed-ip tags), then run fixed-ip setup again",
        },
      );
    const progress = ctx.ui.progress(
      'setup.nat.handover',
      `Moving ${eip.publicIp} from NAT gateway ${id} to the NAT instance: egress pauses until the gateway is deleted (about a minute)`,
    );
    ctx.checkpoint();
    await ctx.aws.ec2.DeleteNatGateway({ NatGatewayId: id });
    await pollUntil(
      async () => {
        const out = await ctx.aws.ec2.DescribeNatGateways({
          Filter: [{ Name: 'nat-gateway-id', Values: [id] }],
        });
        const state = out.NatGateways?.[0]?.State;
        return state === undefined || state === 'deleted' ? true : undefined;
      },
      {
        clock: ctx.clock,
        signal: ctx.signal,
        schedule: POLL.natDeleted,
        timeoutMs: 15 * 60_000,
        onTimeout: () =>
          new FixedIpError('WAIT_EXPIRED', `NAT gateway ${id} is still deleting after 15 minutes`, {
            hint: 'run fixed-ip setup again later',
          }),
      },
    );
    // The gateway is gone: forget it, so the retirement of the old shape has nothing left to do.
    for (const [key, record] of Object.entries(ctx.state.resources))
      if (record.id === id) delete ctx.state.resources[key];
    await ctx.save();
    progress.succeed(`NAT gateway ${id} deleted; ${eip.publicIp} is free for the NAT instance`);
    address = undefined;
  }
  ctx.checkpoint();
  try {
    await ctx.aws.ec2.AssociateAddress({ AllocationId: eip.id, NetworkInterfaceId: interfaceId });
  } catch (error) {
    if (awsErrorName(error) === 'Resource.AlreadyAssociated')
      throw new FixedIpError(
        'EIP_IN_USE',
        `Elastic IP ${eip.publicIp} (${eip.id}) is associated with ${address?.NetworkInterfaceId ?? address?.InstanceId ?? 'another resource'}`,
        { hint: 'disassociate it, then run fixed-ip setup again', cause: error },
      );
    throw error;
  }
  return 'held';
}

/**
 * Part of step 5 with `--nat instance`: a network interface of the stack in the first zone's
 * public subnet, source/destination check off, holding the stack's Elastic IP. The private routes
 * point at it and the NAT instance holds it as its second interface (device index 1), so a replacement instance
 * takes over the same interface, routes and IP.
 */
export const natInterface: Kind = {
  name: 'natInterface',
  part: NETWORK_INTERFACES,
  role: ROLE,
  zonal: true,
  article: 5,
  title: 'NAT network interface',
  record: natInterfaceRecord,
  iam: {
    read: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeAddresses'],
    create: [
      'ec2:CreateNetworkInterface',
      'ec2:CreateTags',
      'ec2:ModifyNetworkInterfaceAttribute',
      'ec2:AssociateAddress',
      'ec2:DeleteNatGateway',
    ],
    remove: ['ec2:DisassociateAddress', 'ec2:DeleteNetworkInterface'],
  },
  needs: [NETWORK_INTERFACES, ADDRESSES],
  hourlyUsd: () => 0,
  // The NAT instance's role may attach and detach only an interface carrying the stack's tag
  // (natRolePolicy): with --ha, a replacement instance takes the interface over by that tag.
  keepsTags: {
    keys: [TAG_STACK],
    why: "the NAT instance's role may move only an interface carrying it (--ha replaces an instance with it)",
  },

  iac(ctx, record, live): IacExport {
    const eni = ctx.world.networkInterfaces.find((e) => e.NetworkInterfaceId === record.id);
    const groups = (eni?.Groups ?? []).map((g) => idRef(g.GroupId ?? ''));
    const subnetId = idRef(eni?.SubnetId ?? '');
    const association = eni?.Association;
    const associated: IacResource[] =
      association?.AllocationId && association.AssociationId
        ? [
            {
              id: association.AssociationId,
              part: 'address',
              terraform: {
                type: 'aws_eip_association',
                attributes: {
                  allocation_id: idRef(association.AllocationId),
                  network_interface_id: idRef(record.id),
                },
                importId: association.AssociationId,
              },
              cloudformation: {
                type: 'AWS::EC2::EIPAssociation',
                properties: {
                  AllocationId: idRef(association.AllocationId),
                  NetworkInterfaceId: idRef(record.id),
                },
                identifier: { Id: association.AssociationId },
              },
            },
          ]
        : [];
    return {
      owned: [
        {
          id: record.id,
          part: '',
          tags: live.tags,
          terraform: {
            type: 'aws_network_interface',
            attributes: {
              subnet_id: subnetId,
              security_groups: groups,
              source_dest_check: eni?.SourceDestCheck ?? false,
              description: eni?.Description,
            },
            importId: record.id,
            // Attached by its own resource (one instance), or by whichever instance the group
            // launched (--ha): never by this one.
            ignoreChanges: ['attachment'],
          },
          cloudformation: {
            type: 'AWS::EC2::NetworkInterface',
            properties: {
              SubnetId: subnetId,
              GroupSet: groups,
              SourceDestCheck: eni?.SourceDestCheck ?? false,
              Description: eni?.Description,
            },
            identifier: { Id: record.id },
          },
        },
        ...associated,
      ],
    };
  },
  routeTarget: (id) => ({ NetworkInterfaceId: id }),
  egressIps: (ctx, id) => {
    const ip = ctx.world.networkInterfaces.find((e) => e.NetworkInterfaceId === id)?.Association?.PublicIp;
    return ip ? [ip] : [];
  },

  list: (world) =>
    world.networkInterfaces
      .filter((e) => e.InterfaceType === 'interface' && e.RequesterManaged !== true)
      .map((e) => ({ id: e.NetworkInterfaceId ?? '', tags: e.TagSet, zone: e.AvailabilityZone, extra: {} })),

  plan(ctx, zone) {
    const eni = natInterfaceOf(ctx, zone);
    const eip = recordIn(ctx, 'elasticIp', zone);
    if (!eni)
      return {
        action: 'create',
        detail: `network interface in the public subnet in ${zone ?? ''}, source/destination check off, holding the Elastic IP`,
      };
    const right =
      eni.SourceDestCheck === false && eip !== undefined && eni.Association?.AllocationId === eip.id;
    return { action: right ? 'done' : 'repair', detail: `${eni.NetworkInterfaceId ?? ''} (${zone ?? ''})` };
  },

  async ensure(ctx, zone) {
    let eni = natInterfaceOf(ctx, zone);
    if (!eni) {
      ctx.checkpoint();
      // No ClientToken here: a lost response leaves a tagged interface the next run takes in.
      const created = await ctx.aws.ec2Create.CreateNetworkInterface({
        SubnetId: recordIn(ctx, 'publicSubnet', zone)?.id ?? '',
        Groups: [ctx.state.resources.natSecurityGroup?.id ?? ''],
        Description: `fixed-ip ${ctx.name}: NAT instance interface`,
        TagSpecifications: tagSpec('network-interface', ROLE, ctx.name, zone),
      });
      eni = created.NetworkInterface;
    }
    const id = eni?.NetworkInterfaceId ?? '';
    await putRecord(ctx, { kind: 'natInterface', id, owned: true, ...(zone ? { zone } : {}) });
    if (eni?.SourceDestCheck !== false) {
      ctx.checkpoint();
      await ctx.aws.ec2.ModifyNetworkInterfaceAttribute({
        NetworkInterfaceId: id,
        SourceDestCheck: { Value: false },
      });
    }
    const held = await holdAddress(ctx, zone, id, { takeFromGateway: false });
    const ip = recordIn(ctx, 'elasticIp', zone)?.publicIp ?? '';
    return `${id} (${eni?.PrivateIpAddress ?? ''}, source/destination check off, ${held === 'held' ? `holding ${ip}` : `${ip} follows once the NAT instance runs`})`;
  },

  check(ctx, zone) {
    const record = recordIn(ctx, 'natInterface', zone);
    if (!record)
      return {
        ok: false,
        id: undefined,
        state: 'missing',
        problem: 'no NAT network interface recorded; run fixed-ip setup',
      };
    const eni = ctx.world.networkInterfaces.find((e) => e.NetworkInterfaceId === record.id);
    if (!eni)
      return {
        ok: false,
        id: record.id,
        state: 'missing',
        problem: `NAT network interface ${record.id} was deleted: the private routes lead nowhere; run fixed-ip teardown --keep-eip, then setup`,
      };
    if (eni.SourceDestCheck !== false)
      return {
        ok: false,
        id: record.id,
        state: 'drifted',
        problem: `source/destination check is on for ${record.id}: the NAT instance cannot forward; run fixed-ip setup to repair`,
      };
    const eip = recordIn(ctx, 'elasticIp', zone);
    if (eip && eni.Association?.AllocationId !== eip.id)
      return {
        ok: false,
        id: record.id,
        state: 'drifted',
        problem: `${eip.publicIp} is not on the NAT network interface ${record.id}; run fixed-ip setup to repair`,
      };
    return { ok: true, id: record.id, state: eni.Status ?? 'available' };
  },

  async remove(ctx, zone, options) {
    const record = recordIn(ctx, 'natInterface', zone);
    if (!record) return { outcome: 'gone', detail: '' };
    // Let go of the Elastic IP first, so it can be released (or kept) whatever happens next.
    const listed = await ctx.aws.ec2
      .DescribeNetworkInterfaces({ NetworkInterfaceIds: [record.id] })
      .then((out) => out.NetworkInterfaces?.[0])
      .catch((error: unknown) => {
        if (awsErrorName(error) === 'InvalidNetworkInterfaceID.NotFound') return undefined;
        throw error;
      });
    const association = listed?.Association?.AssociationId;
    if (association) {
      ctx.checkpoint();
      try {
        await ctx.aws.ec2.DisassociateAddress({ AssociationId: association });
      } catch (error) {
        if (awsErrorName(error) !== 'InvalidAssociationID.NotFound') throw error;
      }
    }
    const outcome = listed
      ? await deleteWhenFree(ctx, {
          ...options,
          what: `network interface ${record.id}`,
          waitingFor: 'the NAT instance to terminate',
          notFound: ['InvalidNetworkInterfaceID.NotFound'],
          busy: ['InvalidNetworkInterface.InUse'],
          attempt: () => ctx.aws.ec2.DeleteNetworkInterface({ NetworkInterfaceId: record.id }),
        })
      : 'gone';
    await dropRecord(ctx, 'natInterface', zone);
    return { outcome, detail: record.id };
  },

  dryRuns: (aws, stack, zone) => [
    {
      action: 'ec2:CreateNetworkInterface',
      call: () =>
        aws.ec2.CreateNetworkInterface({
          DryRun: true,
          SubnetId: `subnet-${PLACEHOLDER}`,
          TagSpecifications: tagSpec('network-interface', ROLE, stack, zone),
        }),
    },
    {
      action: 'ec2:ModifyNetworkInterfaceAttribute',
      onOwnResource: true,
      call: () =>
        aws.ec2.ModifyNetworkInterfaceAttribute({
          DryRun: true,
          NetworkInterfaceId: `eni-${PLACEHOLDER}`,
          SourceDestCheck: { Value: false },
        }),
    },
    {
      action: 'ec2:AssociateAddress',
      onOwnResource: true,
      call: () =>
        aws.ec2.AssociateAddress({
          DryRun: true,
          AllocationId: `eipalloc-${PLACEHOLDER}`,
          NetworkInterfaceId: `eni-${PLACEHOLDER}`,
        }),
    },
  ],
};
