import type { Subnet } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import {
  dropRecord,
  putRecord,
  recordIn,
  type StackContext,
  type Targets,
  vpcIdOf,
} from '../model/context.js';
import { stackFilter, tagSpec, TAG_ROLE } from '../model/tags.js';
import { FixedIpError } from '../errors.js';
import { ownedBy, findListed } from './find.js';
import { baseRecord, type Kind, PLACEHOLDER } from '../model/kind.js';
import { untilLambdaLetsGo } from './lambda-enis.js';
import { deleteWhenFree } from './retry.js';
import { functionsUsing } from './in-use.js';
import { whenVisible } from './eventual.js';
import { SUBNETS } from '../model/world.js';
import { cidrSize, parseCidr } from '../model/cidr.js';
import { idRef } from '../model/iac.js';

type Which = 'public' | 'private';

export const publicSubnetRecord = z.extend(baseRecord, { kind: z.literal('publicSubnet'), cidr: z.string() });
export const privateSubnetRecord = z.extend(baseRecord, {
  kind: z.literal('privateSubnet'),
  cidr: z.string(),
});

// This kind's state records, declared where the state's identities are (src/state/identity.ts).
declare module '../state/identity.js' {
  interface KindRecords {
    publicSubnet: z.infer<typeof publicSubnetRecord>;
    privateSubnet: z.infer<typeof privateSubnetRecord>;
  }
}

function subnetKind(which: Which, article: number): Kind {
  const name = `${which}Subnet` as const;
  const role = `${which}-subnet`;
  const title = which === 'public' ? 'Public subnet' : 'Private subnet';
  const cidrOf = (targets: Targets, zone: string): string =>
    (which === 'public' ? targets.publicCidrs : targets.privateCidrs)[zone] ?? '';
  const find = (ctx: StackContext, zone: string): Subnet | undefined => {
    const listed = findListed(ctx, kind, zone);
    return listed ? ctx.world.subnets.find((s) => s.SubnetId === listed.id) : undefined;
  };

  const kind: Kind = {
    name,
    role,
    part: SUBNETS,
    // Each subnet, made or existing, needs a free address for what lands in it (an interface).
    quotas: (ctx, nodes, targets) =>
      Promise.resolve(
        nodes.map(({ zone = '' }) => {
          const cidr = cidrOf(targets, zone);
          const existing = ctx.world.subnets.find((s) => s.SubnetId === recordIn(ctx, name, zone)?.id);
          const free = existing
            ? (existing.AvailableIpAddressCount ?? 0)
            : cidr
              ? cidrSize(parseCidr(cidr)) - 5
              : 0;
          return {
            name: `free addresses in the ${which} subnet (${cidr}, ${zone})`,
            used: 0,
            limit: free,
            ok: free >= 1,
            ...(free >= 1 ? {} : { blocker: `the ${which} subnet ${cidr} in ${zone} has no free address` }),
          };
        }),
      ),
    zonal: true,
    article,
    title,
    record: which === 'public' ? publicSubnetRecord : privateSubnetRecord,
    iam: {
      read: ['ec2:DescribeSubnets'],
      create: ['ec2:CreateSubnet', 'ec2:CreateTags'],
      remove:
        which === 'private' ? ['ec2:DeleteSubnet', 'ec2:DescribeNetworkInterfaces'] : ['ec2:DeleteSubnet'],
    },
    hourlyUsd: () => 0,

    list: (world) =>
      world.subnets.map((s) => ({
        id: s.SubnetId ?? '',
        tags: s.Tags,
        zone: s.AvailabilityZone,
        extra: { cidr: s.CidrBlock ?? '' },
      })),

    iac(ctx, record, live) {
      const subnet = ctx.world.subnets.find((s) => s.SubnetId === record.id);
      const vpcId = idRef(subnet?.VpcId ?? vpcIdOf(ctx));
      const { CidrBlock: cidr = '', AvailabilityZone: zone = '' } = subnet ?? {};
      const mapPublicIp = subnet?.MapPublicIpOnLaunch === true ? true : undefined;
      return {
        owned: [
          {
            id: record.id,
            part: '',
            tags: live.tags,
            terraform: {
              type: 'aws_subnet',
              attributes: {
                vpc_id: vpcId,
                cidr_block: cidr,
                availability_zone: zone,
                map_public_ip_on_launch: mapPublicIp,
              },
              importId: record.id,
            },
            cloudformation: {
              type: 'AWS::EC2::Subnet',
              properties: {
                VpcId: vpcId,
                CidrBlock: cidr,
                AvailabilityZone: zone,
                MapPublicIpOnLaunch: mapPublicIp,
              },
              identifier: { SubnetId: record.id },
            },
          },
        ],
      };
    },

    plan(ctx, zone = '', targets) {
      const found = find(ctx, zone);
      if (found) return { action: 'done', detail: `${found.SubnetId} (${found.CidrBlock}, ${zone})` };
      return { action: 'create', detail: `${cidrOf(targets, zone)} in ${zone}` };
    },

    async ensure(ctx, zone = '', targets) {
      let subnet = find(ctx, zone);
      if (!subnet) {
        ctx.checkpoint();
        const cidr = cidrOf(targets, zone);
        try {
          const created = await ctx.aws.ec2Create.CreateSubnet({
            VpcId: vpcIdOf(ctx),
            CidrBlock: cidr,
            AvailabilityZone: zone,
            TagSpecifications: tagSpec('subnet', role, ctx.name, zone),
          });
          subnet = created.Subnet;
        } catch (error) {
          if (awsErrorName(error) !== 'InvalidSubnet.Conflict') throw error;
          // A create whose response was lost may not be visible yet (eventual consistency).
          subnet = await findOursSoon(ctx, kind, zone);
          // Found: it was ours all along. Otherwise the block is someone else's.
          if (!subnet) {
            throw new FixedIpError(
              'CIDR_INVALID',
              `the ${which} subnet CIDR ${cidr} conflicts with a subnet in ${vpcIdOf(ctx)}`,
              {
                hint: `pass --${which}-cidr with a free block, or run fixed-ip setup again to choose one`,
                cause: error,
              },
            );
          }
        }
      }
      const id = subnet?.SubnetId ?? '';
      const cidr = subnet?.CidrBlock ?? cidrOf(targets, zone);
      await putRecord(ctx, { kind: name, id, owned: recordIn(ctx, name, zone)?.owned ?? true, zone, cidr });
      return `${id} (${cidr}, ${zone})`;
    },

    check(ctx, zone) {
      const record = recordIn(ctx, name, zone);
      if (!record)
        return {
          ok: false,
          id: undefined,
          state: 'missing',
          problem: `no ${which} subnet recorded in ${zone}; run fixed-ip setup`,
        };
      const live = ctx.world.subnets.find((subnet) => subnet.SubnetId === record.id);
      if (!live)
        return {
          ok: false,
          id: record.id,
          state: 'missing',
          problem: `${which} subnet ${record.id} (${zone}) was deleted; run fixed-ip setup to recreate it`,
        };
      return { ok: true, id: record.id, state: live.State ?? 'available' };
    },

    async remove(ctx, zone, options) {
      const record = recordIn(ctx, name, zone);
      if (!record) return { outcome: 'gone', detail: '' };
      const users = await functionsUsing(ctx, record.id);
      if (users.length > 0)
        return {
          outcome: 'kept',
          detail: `${record.id} (${record.cidr}): in use by ${users.join(', ')}`,
          why: `in use by ${users.join(', ')}`,
        };
      const what = `${which} subnet ${record.id}`;
      if (which === 'private')
        await untilLambdaLetsGo(ctx, { what, holder: { subnetId: record.id }, deadline: options.deadline });
      const outcome = await deleteWhenFree(ctx, {
        ...options,
        what,
        waitingFor:
          which === 'private'
            ? 'Lambda to delete its network interfaces (AWS takes up to 20 minutes after a function leaves)'
            : 'the NAT gateway to release its network interface',
        notFound: ['InvalidSubnetID.NotFound'],
        busy: ['DependencyViolation'],
        attempt: () => ctx.aws.ec2.DeleteSubnet({ SubnetId: record.id }),
      });
      await dropRecord(ctx, name, zone);
      return { outcome, detail: `${record.id} (${record.cidr})` };
    },

    dryRuns: (aws, stack, zone, targets) => [
      {
        action: 'ec2:CreateSubnet',
        call: () =>
          aws.ec2.CreateSubnet({
            DryRun: true,
            VpcId: targets.vpcId ?? `vpc-${PLACEHOLDER}`,
            CidrBlock: cidrOf(targets, zone ?? ''),
            AvailabilityZone: zone,
            TagSpecifications: tagSpec('subnet', role, stack, zone),
          }),
      },
    ],
  };
  return kind;
}

/** Looks for this stack's subnet by its tags while AWS makes a new one visible. */
async function findOursSoon(ctx: StackContext, kind: Kind, zone: string): Promise<Subnet | undefined> {
  const filters = [
    { Name: 'vpc-id', Values: [vpcIdOf(ctx)] },
    { Name: `tag:${TAG_ROLE}`, Values: [kind.role] },
    stackFilter(ctx.name),
  ];
  return whenVisible(ctx, async () => {
    const out = await ctx.aws.ec2.DescribeSubnets({ Filters: filters });
    return out.Subnets?.find((s) =>
      ownedBy(
        { id: s.SubnetId ?? '', tags: s.Tags, zone: s.AvailabilityZone, extra: {} },
        ctx.name,
        kind,
        zone,
      ),
    );
  });
}

/** Step 2, in each zone that has a NAT gateway of its own. */
export const publicSubnet = subnetKind('public', 2);
/** Step 4, in every zone the functions run in. */
export const privateSubnet = subnetKind('private', 4);
