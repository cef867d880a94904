/**
 * The account's own address pools: IPAM pools (DescribeIpamPools) and BYOIP pools
 * (DescribePublicIpv4Pools). AllocateAddress takes an Elastic IP from one (IpamPoolId or
 * PublicIpv4Pool): the lowest free address of its CIDR, only in the region (or Local Zone group) the
 * pool serves; ReleaseAddress gives it back.
 */
import type { SimContext } from '../context.js';
import { cidrSize, numberToIp, parseCidr } from '../cidr.js';
import { recordsOf } from '../describe.js';
import { ec2Error, Ec2ErrorCode, ec2InvalidParameter } from '../errors.js';
import type { AddressPoolRecord } from '../model.js';
import { borderGroups } from './availability-zones.js';

export function poolsOf(ctx: SimContext): Record<string, AddressPoolRecord> {
  return ctx.state.addressPools ?? {};
}

/** Every address of the pool's CIDR (a BYOIP /24 has 256; AWS gives them all out). */
function addressesOf(pool: AddressPoolRecord): string[] {
  const cidr = parseCidr(pool.cidr);
  if (!cidr) return [];
  return Array.from({ length: cidrSize(cidr) }, (_, i) => numberToIp(cidr.base + i));
}

function freeAddresses(ctx: SimContext, pool: AddressPoolRecord): string[] {
  const taken = new Set(recordsOf(ctx.state.addresses).map((a) => a.publicIp));
  return addressesOf(pool).filter((ip) => !taken.has(ip));
}

/**
 * The pool AllocateAddress names, checked as AWS checks it: it exists, serves public IPv4 to EC2
 * here (an IPAM pool's locale is the region or the group asked for; a BYOIP pool's group likewise),
 * and has a free address. Returns the pool, the address to give, and its network border group.
 */
export function takeFromPool(
  ctx: SimContext,
  input: { IpamPoolId?: string; PublicIpv4Pool?: string; NetworkBorderGroup?: string },
): { pool: AddressPoolRecord; publicIp: string; group: string } | undefined {
  const { IpamPoolId: ipamId, PublicIpv4Pool: byoipId } = input;
  if (ipamId !== undefined && byoipId !== undefined && byoipId !== 'amazon')
    throw ec2Error(
      Ec2ErrorCode.invalidParameterCombination,
      'The parameter IpamPoolId cannot be used with the parameter PublicIpv4Pool',
    );
  if (ipamId === undefined && (byoipId === undefined || byoipId === 'amazon')) return undefined;
  const region = ctx.state.region;
  const id = ipamId ?? byoipId ?? '';
  const pool = poolsOf(ctx)[id];
  let group: string;
  if (ipamId !== undefined) {
    if (!pool || pool.type !== 'ipam')
      throw ec2Error(Ec2ErrorCode.ipamPoolNotFound, `The ipam-pool ID '${ipamId}' does not exist`);
    if (pool.addressFamily !== 'ipv4' || pool.publicIpSource === undefined || pool.awsService !== 'ec2')
      throw ec2InvalidParameter(
        `The IPAM pool ${ipamId} cannot be used to allocate Elastic IP addresses: it must be a public IPv4 pool for the ec2 service.`,
      );
    if (pool.locale !== region && !borderGroups(region).includes(pool.locale))
      throw ec2InvalidParameter(
        `The IPAM pool ${ipamId} has locale ${pool.locale}, which is not in ${region}.`,
      );
    if (input.NetworkBorderGroup !== undefined && pool.locale !== input.NetworkBorderGroup)
      throw ec2InvalidParameter(
        `The IPAM pool ${ipamId} has locale ${pool.locale}, not network border group ${input.NetworkBorderGroup}.`,
      );
    group = pool.locale;
  } else {
    if (!pool || pool.type !== 'byoip')
      throw ec2Error(
        Ec2ErrorCode.publicIpv4PoolNotFound,
        `The public IPv4 pool ID '${byoipId ?? ''}' does not exist`,
      );
    if (input.NetworkBorderGroup !== undefined && input.NetworkBorderGroup !== pool.locale)
      throw ec2InvalidParameter(
        `The pool ${pool.id} is in network border group ${pool.locale}, not ${input.NetworkBorderGroup}.`,
      );
    group = pool.locale;
  }
  const [publicIp] = freeAddresses(ctx, pool);
  if (publicIp === undefined)
    throw ec2Error(
      Ec2ErrorCode.insufficientAddressCapacity,
      `There are no free addresses in pool ${pool.id} to allocate.`,
    );
  return { pool, publicIp, group };
}

export function insertPool(ctx: SimContext, pool: AddressPoolRecord): AddressPoolRecord {
  if (!parseCidr(pool.cidr)) throw new TypeError(`seed: ${pool.cidr} is not a CIDR`);
  ctx.state.addressPools = { ...poolsOf(ctx), [pool.id]: pool };
  return pool;
}

function requested(ctx: SimContext, ids: readonly string[] | undefined, type: AddressPoolRecord['type']) {
  const all = Object.values(poolsOf(ctx)).filter((p) => p.type === type);
  if (!ids?.length) return all;
  const missing = ids.filter((id) => !all.some((p) => p.id === id));
  if (missing.length > 0)
    throw type === 'ipam'
      ? ec2Error(Ec2ErrorCode.ipamPoolNotFound, `The ipam-pool ID '${missing[0] ?? ''}' does not exist`)
      : ec2Error(
          Ec2ErrorCode.publicIpv4PoolNotFound,
          `The public IPv4 pool ID '${missing[0] ?? ''}' does not exist`,
        );
  return all.filter((p) => ids.includes(p.id));
}

export const addressPoolOperations = {
  DescribeIpamPools(ctx: SimContext, input: { IpamPoolIds?: string[] }): object {
    return {
      IpamPools: requested(ctx, input.IpamPoolIds, 'ipam').map((pool) => ({
        IpamPoolId: pool.id,
        IpamPoolArn: `arn:aws:ec2::${ctx.state.accountId}:ipam-pool/${pool.id}`,
        OwnerId: ctx.state.accountId,
        IpamScopeType: pool.publicIpSource ? 'public' : 'private',
        IpamRegion: ctx.state.region,
        Locale: pool.locale,
        State: 'create-complete',
        AddressFamily: pool.addressFamily,
        ...(pool.publicIpSource ? { PublicIpSource: pool.publicIpSource } : {}),
        ...(pool.awsService ? { AwsService: pool.awsService } : {}),
        PoolDepth: 1,
      })),
    };
  },

  GetIpamPoolCidrs(ctx: SimContext, input: { IpamPoolId?: string }): object {
    const [pool] = requested(ctx, [input.IpamPoolId ?? ''], 'ipam');
    return {
      IpamPoolCidrs: pool
        ? [{ Cidr: pool.cidr, State: 'provisioned', NetmaskLength: parseCidr(pool.cidr)?.prefix }]
        : [],
    };
  },

  /** Each Elastic IP taken from the pool is an allocation of a /32 (ResourceType eip). */
  GetIpamPoolAllocations(ctx: SimContext, input: { IpamPoolId?: string }): object {
    const [pool] = requested(ctx, [input.IpamPoolId ?? ''], 'ipam');
    return {
      IpamPoolAllocations: recordsOf(ctx.state.addresses)
        .filter((a) => pool !== undefined && a.pool === pool.id)
        .map((a) => ({
          Cidr: `${a.publicIp}/32`,
          IpamPoolAllocationId: `ipam-pool-alloc-${a.id.slice('eipalloc-'.length)}`,
          ResourceId: a.id,
          ResourceType: 'eip',
          ResourceRegion: ctx.state.region,
          ResourceOwner: ctx.state.accountId,
        })),
    };
  },

  DescribePublicIpv4Pools(ctx: SimContext, input: { PoolIds?: string[] }): object {
    return {
      PublicIpv4Pools: requested(ctx, input.PoolIds, 'byoip').map((pool) => {
        const all = addressesOf(pool);
        const free = freeAddresses(ctx, pool).length;
        return {
          PoolId: pool.id,
          NetworkBorderGroup: pool.locale,
          PoolAddressRanges: [
            {
              FirstAddress: all[0],
              LastAddress: all[all.length - 1],
              AddressCount: all.length,
              AvailableAddressCount: free,
            },
          ],
          TotalAddressCount: all.length,
          TotalAvailableAddressCount: free,
          Tags: [],
        };
      }),
    };
  },
};
