/** The choices resolveSetup makes for the VPC, the zone, the subnet CIDRs and the Elastic IP: flag, state, or question. */
import type { Address, Vpc } from '@aws-sdk/client-ec2';
import type { AwsPort } from '../aws/port.js';
import { checkSubnetCidr, type TakenBlock } from '../model/cidr.js';
import type { StackContext } from '../model/context.js';
import { TAG_STACK, tagValue } from '../model/tags.js';
import { chooseCidrs } from '../engine/inputs.js';
import type { World } from '../model/world.js';
import { identityKey } from '../model/kind.js';
import { FixedIpError } from '../errors.js';
import { recordOf, type StackState, vpcOf } from '../state/schema.js';
import { recordedAddress } from '../kinds/elastic-ip.js';
import { NAT_MODE } from '../kinds/nat-modes.js';
import { parseEips } from '../model/options.js';
import type { Asker } from './asker.js';
import type { SetupOptions } from './setup-options.js';

export type VpcChoice =
  { kind: 'existing'; id: string; cidrs: string[]; vpc?: Vpc } | { kind: 'new'; cidr: string };

export async function chooseVpc(
  aws: AwsPort,
  options: SetupOptions,
  state: StackState,
  /** The VPC each workload named is in now (undefined: none). */
  workloadVpcs: ReadonlyArray<string | undefined>,
  ask: Asker,
): Promise<VpcChoice> {
  const recorded = vpcOf(state);
  if (recorded) {
    if (options.vpc !== undefined && options.vpc !== recorded.id) {
      throw new FixedIpError(
        'BAD_OPTION',
        `stack ${state.name} already lives in ${recorded.id}, not ${options.vpc}`,
        {
          hint: 'drop --vpc, or pick another --name for a second stack',
        },
      );
    }
    const subnets = Object.values(state.resources).some(
      (r) => r.kind === 'publicSubnet' || r.kind === 'privateSubnet',
    );
    if (recorded.owned && !subnets) return { kind: 'new', cidr: recorded.cidrs[0] ?? '10.0.0.0/16' };
    return { kind: 'existing', id: recorded.id, cidrs: recorded.cidrs };
  }
  if (options.newVpc) return { kind: 'new', cidr: options.vpcCidr ?? '10.0.0.0/16' };
  const fromFunctions = workloadVpcs.find((id) => id);
  // --yes takes the default answer: the VPC a function already sits in, else the default VPC.
  const fallback = options.yes ? (fromFunctions ?? (await defaultVpcId(aws))) : undefined;
  const id =
    options.vpc ??
    (await ask(
      fallback,
      async (ui) => (await import('./interactive.js')).askVpc(ui, aws, fromFunctions),
      () =>
        new FixedIpError('BAD_OPTION', 'no VPC given', {
          hint: 'pass --vpc <vpc-id>, or --new-vpc to create one',
        }),
    ));
  if (id === 'new') return { kind: 'new', cidr: '10.0.0.0/16' };
  const out = await aws.ec2.DescribeVpcs({ Filters: [{ Name: 'vpc-id', Values: [id] }] });
  const vpc = out.Vpcs?.[0];
  if (!vpc) {
    throw new FixedIpError('VPC_NOT_FOUND', `VPC ${id} was not found in ${aws.region}`, {
      hint: 'check the id and --region (aws ec2 describe-vpcs), or use --new-vpc',
    });
  }
  const cidrs = (vpc.CidrBlockAssociationSet ?? [])
    .filter((a) => a.CidrBlockState?.State === undefined || a.CidrBlockState.State === 'associated')
    .map((a) => a.CidrBlock ?? '')
    .filter(Boolean);
  return { kind: 'existing', id, cidrs: cidrs.length > 0 ? cidrs : [vpc.CidrBlock ?? ''], vpc };
}

async function defaultVpcId(aws: AwsPort): Promise<string | undefined> {
  const out = await aws.ec2.DescribeVpcs({ Filters: [{ Name: 'is-default', Values: ['true'] }] });
  return out.Vpcs?.[0]?.VpcId;
}

export function cidrsOf(world: World): string[] {
  return world.vpc?.CidrBlock ? [world.vpc.CidrBlock] : [];
}

/** The first zone (the one NAT gateway's, in the gateway mode); the others follow in the region's order. */
export async function askZone(zones: string[], count: number, ask: Asker): Promise<string> {
  const fallback = zones[0] ?? '';
  return ask(
    fallback,
    async (ui) => (await import('./interactive.js')).askZone(ui, zones, fallback, count),
    () => new FixedIpError('BAD_OPTION', 'no zone'),
  );
}

/** Each zone's blocks; in a terminal, the first zone's new blocks are asked (validated as typed). */
export async function askCidrs(
  vpcCidrs: string[],
  world: World,
  state: StackState,
  options: SetupOptions,
  ask: Asker,
): Promise<{ publicCidrs: Record<string, string>; privateCidrs: Record<string, string> }> {
  const chosen = chooseCidrs(vpcCidrs, world, state, state.shape, options);
  const first = state.shape.zones[0] ?? '';
  const publicNeeded = chosen.publicCidrs[first] !== undefined;
  const needsAsking =
    (publicNeeded && !recordOf(state, 'publicSubnet', first) && options.publicCidr === undefined) ||
    (!recordOf(state, 'privateSubnet', first) && options.privateCidr === undefined);
  if (!needsAsking) return chosen;
  return ask(
    chosen,
    async (ui) => {
      const { askCidr } = await import('./interactive.js');
      const ours = new Set(Object.values(state.resources).map((r) => r.id));
      // Every block a typed one must keep clear of, named as it really is.
      const others: TakenBlock[] = world.subnets
        .filter((s) => !ours.has(s.SubnetId ?? '') && s.CidrBlock)
        .map((s) => ({ cidr: s.CidrBlock ?? '', name: `subnet ${s.SubnetId ?? ''} (${s.CidrBlock ?? ''})` }));
      const decided = (which: 'public' | 'private') =>
        recordOf(state, `${which}Subnet`, first) !== undefined ||
        (which === 'public' ? options.publicCidr : options.privateCidr) !== undefined;
      const named = (which: 'public' | 'private', zone: string, cidr: string): TakenBlock => {
        const record = recordOf(state, `${which}Subnet`, zone);
        if (record) return { cidr, name: `the stack's ${which} subnet ${record.id} in ${zone} (${cidr})` };
        if (zone === first) return { cidr, name: `--${which}-cidr ${cidr}` };
        return { cidr, name: `the block chosen for the ${which} subnet in ${zone} (${cidr})` };
      };
      // Blocks for the other zones were chosen clear of the first zone's defaults; a typed block
      // must keep clear of them too.
      const rest = (['public', 'private'] as const).flatMap((which) =>
        Object.entries(which === 'public' ? chosen.publicCidrs : chosen.privateCidrs)
          .filter(([zone]) => zone !== first)
          .map(([zone, cidr]) => named(which, zone, cidr)),
      );
      let publicCidr = chosen.publicCidrs[first];
      if (publicNeeded && !decided('public'))
        publicCidr = await askCidr(ui, 'public', publicCidr ?? '', (v) =>
          checkSubnetCidr(
            v,
            vpcCidrs,
            [
              ...others,
              ...rest,
              ...(decided('private') ? [named('private', first, chosen.privateCidrs[first] ?? '')] : []),
            ],
            'public subnet CIDR',
          ),
        );
      let privateCidr = chosen.privateCidrs[first] ?? '';
      if (!decided('private'))
        privateCidr = await askCidr(ui, 'private', privateCidr, (v) =>
          checkSubnetCidr(
            v,
            vpcCidrs,
            [
              ...others,
              ...rest,
              ...(publicCidr
                ? [
                    decided('public')
                      ? named('public', first, publicCidr)
                      : { cidr: publicCidr, name: `the public subnet CIDR ${publicCidr} you gave` },
                  ]
                : []),
            ],
            'private subnet CIDR',
          ),
        );
      return {
        publicCidrs: { ...chosen.publicCidrs, ...(publicCidr ? { [first]: publicCidr } : {}) },
        privateCidrs: { ...chosen.privateCidrs, [first]: privateCidr },
      };
    },
    () => new FixedIpError('BAD_OPTION', 'no CIDR'),
  );
}

/**
 * --eip names an unassociated Elastic IP of this account per zone (plain: the first zone); else, in
 * a terminal, the first zone is offered kept or free ones. Returns the addresses to adopt, by zone.
 */
export async function chooseEips(
  ctx: StackContext,
  options: SetupOptions,
  ask: Asker,
): Promise<Record<string, string>> {
  const { world, state } = ctx;
  const first = state.shape.zones[0] ?? '';
  const zones = NAT_MODE[state.shape.nat].addressZones(state.shape.zones);
  const wanted = wantedByZone(parseEips(options.eip), first, zones, state);
  const adopt: Record<string, string> = {};
  for (const zone of zones) {
    const kept =
      recordOf(state, 'elasticIp', zone) ?? (zone === first ? recordOf(state, 'elasticIp') : undefined);
    const id = wanted[zone];
    if (kept) {
      if (id !== undefined && id !== kept.id)
        throw new FixedIpError(
          'BAD_OPTION',
          `stack ${state.name} already uses Elastic IP ${kept.publicIp} (${kept.id}) in ${zone}`,
          { hint: 'drop --eip for that zone, or tear the stack down first' },
        );
      if (zone !== first) continue;
      const listed = world.addresses.some((a) => a.AllocationId === kept.id);
      if (listed || (await recordedAddress(ctx, first))) continue;
      ctx.ui.notify({
        level: 'warn',
        code: 'setup.eip.lost',
        text: `The Elastic IP ${kept.publicIp} recorded for this stack no longer exists; a new IP will be allocated, so update the allowlist`,
      });
      delete state.resources[identityKey(kept)];
    }
    if (id !== undefined) {
      adoptable(world, id, state.name, ctx.aws.region);
      adopt[zone] = id;
    }
  }
  await checkBorderGroups(ctx, adopt);
  const firstKept = recordOf(state, 'elasticIp', first) ?? recordOf(state, 'elasticIp');
  if (Object.keys(wanted).length > 0 || firstKept) return adopt;
  const unused = world.addresses.filter((a) => !a.AssociationId && a.Domain !== 'standard');
  // Another stack's kept address is its allowlisted IP: never offered.
  const free = unused.filter((a) => otherStack(a, state.name) === undefined);
  if (free.length === 0) return adopt;
  const picked = await ask<string>(
    'new',
    async (ui) => {
      for (const held of unused.filter((a) => !free.includes(a)))
        ui.notify({
          level: 'info',
          code: 'setup.eip.held',
          text: `Not offered: Elastic IP ${held.PublicIp} (${held.AllocationId}) belongs to fixed-ip stack ${otherStack(held, state.name)}`,
        });
      return (await import('./interactive.js')).askEip(ui, free);
    },
    () => new FixedIpError('BAD_OPTION', 'no EIP'),
  );
  return picked === 'new' ? adopt : { ...adopt, [first]: picked };
}

/** The --eip values by zone, the plain one for the first zone; each zone must be one with an IP. */
function wantedByZone(
  given: Record<string, string>,
  first: string,
  zones: readonly string[],
  state: StackState,
): Record<string, string> {
  const wanted: Record<string, string> = {};
  for (const [named, id] of Object.entries(given)) {
    const zone = named === '' ? first : named;
    if (!zones.includes(zone))
      throw new FixedIpError(
        'BAD_OPTION',
        `--eip ${zone}=${id}: stack ${state.name} (${state.shape.nat}) has an Elastic IP only in ${zones.join(', ')}`,
        { hint: 'name one of those zones, or use --nat gateway-per-az or regional for an IP in every zone' },
      );
    if (wanted[zone] !== undefined && wanted[zone] !== id)
      throw new FixedIpError('BAD_OPTION', `--eip names two Elastic IPs for ${zone}`, {
        hint: 'give one Elastic IP per zone',
      });
    wanted[zone] = id;
  }
  return wanted;
}

/** An address the stack may adopt: this account's, not another stack's, not associated. */
function adoptable(world: World, id: string, stack: string, region: string): Address {
  const address = world.addresses.find((a) => a.AllocationId === id);
  if (!address) {
    throw new FixedIpError('EIP_NOT_FOUND', `Elastic IP ${id} was not found in ${region}`, {
      hint: 'check the allocation id (aws ec2 describe-addresses), or drop --eip to allocate one',
    });
  }
  const owner = otherStack(address, stack);
  if (owner !== undefined) {
    throw new FixedIpError(
      'EIP_IN_USE',
      `Elastic IP ${address.PublicIp} (${id}) belongs to fixed-ip stack ${owner}${address.AssociationId ? '' : ' (kept by its teardown --keep-eip for its next setup)'}`,
      { hint: 'pick another, or drop --eip to allocate one' },
    );
  }
  if (address.AssociationId) {
    throw new FixedIpError(
      'EIP_IN_USE',
      `Elastic IP ${address.PublicIp} (${id}) is already associated with ${address.NetworkInterfaceId ?? address.InstanceId ?? 'another resource'}`,
      { hint: 'pick an unassociated one, or drop --eip to allocate one' },
    );
  }
  return address;
}

/**
 * A NAT gateway takes only an address of its zone's network border group (a Local Zone's group
 * differs from the region's): AWS fails the gateway, so setup refuses before creating anything.
 */
async function checkBorderGroups(ctx: StackContext, adopt: Readonly<Record<string, string>>): Promise<void> {
  const zones = Object.keys(adopt);
  if (zones.length === 0) return;
  const out = await ctx.aws.ec2.DescribeAvailabilityZones({ ZoneNames: zones });
  for (const zone of zones) {
    const group = out.AvailabilityZones?.find((z) => z.ZoneName === zone)?.NetworkBorderGroup;
    const address = ctx.world.addresses.find((a) => a.AllocationId === adopt[zone]);
    const own = address?.NetworkBorderGroup;
    if (group !== undefined && own !== undefined && own !== group)
      throw new FixedIpError(
        'EIP_WRONG_ZONE',
        `Elastic IP ${address?.PublicIp ?? ''} (${adopt[zone] ?? ''}) belongs to network border group ${own}, and ${zone} is in ${group}: a NAT gateway there cannot use it`,
        {
          hint: `give an address allocated in ${group} (aws ec2 allocate-address --network-border-group ${group})`,
        },
      );
  }
}

/** The other fixed-ip stack an address's tags name, if any. */
function otherStack(address: Address, stack: string): string | undefined {
  const owner = tagValue(address.Tags, TAG_STACK);
  return owner !== undefined && owner !== stack ? owner : undefined;
}
