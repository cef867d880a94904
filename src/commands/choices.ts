/** The choices resolveSetup makes for the VPC, the zone, the subnet CIDRs and the Elastic IP: flag, state, or question. */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { type Vpc } from '@aws-sdk/client-ec2';
import type { AwsPort } from '../aws/port.js';
import { checkSubnetCidr } from '../core/cidr.js';
import type { StackContext } from '../core/context.js';
import { chooseCidrs, chooseZone, listZones } from '../core/inputs.js';
import type { Live } from '../core/live.js';
import { FixedIpError } from '../errors.js';
import type { StackState } from '../state/schema.js';
import { recordedAddress } from '../steps/elastic-ip.js';
import type { Asker } from './asker.js';
import type { SetupOptions } from './setup.js';

export type VpcChoice =
  { kind: 'existing'; id: string; cidrs: string[]; vpc?: Vpc } | { kind: 'new'; cidr: string };

export async function chooseVpc(
  aws: AwsPort,
  options: SetupOptions,
  state: StackState,
  configs: FunctionConfiguration[],
  ask: Asker,
): Promise<VpcChoice> {
  if (state.vpc) {
    if (options.vpc !== undefined && options.vpc !== state.vpc.id) {
      throw new FixedIpError(
        'BAD_OPTION',
        `stack ${state.name} already lives in ${state.vpc.id}, not ${options.vpc}`,
        {
          hint: 'drop --vpc, or pick another --name for a second stack',
        },
      );
    }
    if (state.vpc.owned && !state.publicSubnet && !state.privateSubnet)
      return { kind: 'new', cidr: state.vpc.cidrs[0] ?? '10.0.0.0/16' };
    return { kind: 'existing', id: state.vpc.id, cidrs: state.vpc.cidrs };
  }
  if (options.newVpc) return { kind: 'new', cidr: options.vpcCidr ?? '10.0.0.0/16' };
  const fromFunctions = configs.map((c) => c.VpcConfig?.VpcId).find((id) => id);
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

export function cidrsOf(live: Live): string[] {
  return live.vpc?.CidrBlock ? [live.vpc.CidrBlock] : [];
}

export async function askZone(aws: AwsPort, wanted: string | undefined, ask: Asker): Promise<string> {
  const zones = await listZones(aws);
  const fallback = chooseZone(zones, wanted, aws.region);
  if (wanted !== undefined) return fallback;
  return ask(
    fallback,
    async (ui) => (await import('./interactive.js')).askZone(ui, zones, fallback),
    () => new FixedIpError('BAD_OPTION', 'no zone'),
  );
}

export async function askCidrs(
  vpcCidrs: string[],
  live: Live,
  state: StackState,
  options: SetupOptions,
  ask: Asker,
): Promise<{ publicCidr: string; privateCidr: string }> {
  // chooseCidrs leaves this stack's own subnets out of the blocks it counts as taken; after an
  // interrupted run (public subnet made, private not yet) the free block it offers would be the
  // public subnet's own. Hiding their ids makes them count as taken; their CIDRs are kept.
  const hidden = (record: StackState['publicSubnet']) =>
    record ? { ...record, id: `${record.id}#own` } : undefined;
  const chosen = chooseCidrs(
    vpcCidrs,
    live,
    { ...state, publicSubnet: hidden(state.publicSubnet), privateSubnet: hidden(state.privateSubnet) },
    options,
  );
  const needsAsking =
    (!state.publicSubnet && options.publicCidr === undefined) ||
    (!state.privateSubnet && options.privateCidr === undefined);
  if (!needsAsking) return chosen;
  return ask(
    chosen,
    async (ui) => {
      const { askCidr } = await import('./interactive.js');
      const others = live.subnets
        .filter((s) => s.SubnetId !== state.publicSubnet?.id && s.SubnetId !== state.privateSubnet?.id)
        .map((s) => s.CidrBlock ?? '');
      // A flag's value (or a subnet already made) is taken as chooseCidrs checked and normalised it;
      // a typed public block must also keep clear of a private block that is already decided.
      const privateDecided = state.privateSubnet !== undefined || options.privateCidr !== undefined;
      const publicCidr =
        state.publicSubnet?.cidr ??
        (options.publicCidr !== undefined ? chosen.publicCidr : undefined) ??
        (await askCidr(ui, 'public', chosen.publicCidr, (v) =>
          checkSubnetCidr(
            v,
            vpcCidrs,
            privateDecided ? [...others, chosen.privateCidr] : others,
            'public subnet CIDR',
          ),
        ));
      const privateCidr =
        state.privateSubnet?.cidr ??
        (options.privateCidr !== undefined ? chosen.privateCidr : undefined) ??
        (await askCidr(ui, 'private', chosen.privateCidr, (v) =>
          checkSubnetCidr(v, vpcCidrs, [...others, publicCidr], 'private subnet CIDR'),
        ));
      return { publicCidr, privateCidr };
    },
    () => new FixedIpError('BAD_OPTION', 'no CIDR'),
  );
}

/** --eip must name an unassociated Elastic IP of this account; else offer kept/free ones in a terminal. */
export async function chooseEip(
  ctx: StackContext,
  options: SetupOptions,
  ask: Asker,
): Promise<string | undefined> {
  const { live, state } = ctx;
  if (state.elasticIp) {
    if (options.eip !== undefined && options.eip !== state.elasticIp.id) {
      throw new FixedIpError(
        'BAD_OPTION',
        `stack ${state.name} already uses Elastic IP ${state.elasticIp.publicIp} (${state.elasticIp.id})`,
        {
          hint: 'drop --eip, or tear the stack down first',
        },
      );
    }
    const listed = live.addresses.some((a) => a.AllocationId === state.elasticIp?.id);
    if (!listed && !(await recordedAddress(ctx))) {
      ctx.ui.notify({
        level: 'warn',
        code: 'setup.eip.lost',
        text: `The Elastic IP ${state.elasticIp.publicIp} recorded for this stack no longer exists; a new IP will be allocated, so update the allowlist`,
      });
      delete state.elasticIp;
    } else {
      return undefined;
    }
  }
  if (options.eip !== undefined) {
    const address = live.addresses.find((a) => a.AllocationId === options.eip);
    if (!address) {
      throw new FixedIpError(
        'EIP_NOT_FOUND',
        `Elastic IP ${options.eip} was not found in ${ctx.aws.region}`,
        {
          hint: 'check the allocation id (aws ec2 describe-addresses), or drop --eip to allocate one',
        },
      );
    }
    if (address.AssociationId) {
      throw new FixedIpError(
        'EIP_IN_USE',
        `Elastic IP ${address.PublicIp} (${options.eip}) is already associated with ${address.NetworkInterfaceId ?? address.InstanceId ?? 'another resource'}`,
        {
          hint: 'pick an unassociated one, or drop --eip to allocate one',
        },
      );
    }
    return options.eip;
  }
  const free = live.addresses.filter((a) => !a.AssociationId && a.Domain !== 'standard');
  if (free.length === 0) return undefined;
  const picked = await ask<string>(
    'new',
    async (ui) => (await import('./interactive.js')).askEip(ui, free),
    () => new FixedIpError('BAD_OPTION', 'no EIP'),
  );
  return picked === 'new' ? undefined : picked;
}
