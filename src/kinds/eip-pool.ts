import type { AllocateAddressRequest } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { awsErrorName } from '../aws/errors.js';
import { badOption } from '../errors.js';
import type { StackContext } from '../model/context.js';
import type { KindInput, PolicyGrant, Quota } from '../model/kind.js';
import { recordsOf, type Shape, type StackState } from '../state/schema.js';

/**
 * `--eip-pool`: the Elastic IP kind's new addresses come from a pool of the account's instead of
 * Amazon's: an IPAM pool (`ipam-pool-…`, AllocateAddress's IpamPoolId) or a BYOIP pool
 * (`ipv4pool-ec2-…`, its PublicIpv4Pool). Kept in the shape, so later zones come from it too.
 */
const IPAM_POOL = /^ipam-pool-[0-9a-f]{8,17}$/;
const BYOIP_POOL = /^ipv4pool-ec2-[0-9a-f]{8,17}$/;

export const EIP_POOL: KindInput = {
  key: 'eipPool',
  flag: '--eip-pool <pool-id>',
  description:
    'allocate new Elastic IPs from your IPAM pool (ipam-pool-…) or BYOIP pool (ipv4pool-ec2-…) instead of Amazon’s',
  parse(text) {
    const id = text.trim();
    if (!IPAM_POOL.test(id) && !BYOIP_POOL.test(id))
      throw badOption(
        `--eip-pool "${text}" is not an IPAM or BYOIP pool id`,
        'give an IPAM pool (ipam-pool-0abc12345def67890, aws ec2 describe-ipam-pools) or a BYOIP pool (ipv4pool-ec2-0abc12345def67890, aws ec2 describe-public-ipv4-pools)',
      );
    return id;
  },
  schema: z.string().check(z.regex(/^(ipam-pool|ipv4pool-ec2)-[0-9a-f]{8,17}$/)),
  widest: undefined,
};

/** The pool a stack's new Elastic IPs come from, if it has one. */
export function eipPoolOf(shape: Shape): string | undefined {
  const pool = shape.inputs?.[EIP_POOL.key];
  return typeof pool === 'string' ? pool : undefined;
}

/**
 * Where an IP of the stack comes from, for plan: a kept address's pool (its record, in `zone`; a
 * zone-less record of the first release serves the first zone), else the pool new ones come from.
 */
export function ipPool(state: StackState, zone?: string, first = false): { pool?: string } {
  const pool =
    zone === undefined
      ? eipPoolOf(state.shape)
      : recordsOf(state, 'elasticIp').find((r) => r.zone === zone || (first && r.zone === undefined))?.pool;
  return pool === undefined ? {} : { pool };
}

/** AllocateAddress's parameter naming the pool. */
export function fromPool(
  pool: string | undefined,
): Pick<AllocateAddressRequest, 'IpamPoolId' | 'PublicIpv4Pool'> {
  if (pool === undefined) return {};
  return IPAM_POOL.test(pool) ? { IpamPoolId: pool } : { PublicIpv4Pool: pool };
}

/**
 * Allocating from a pool is authorized on the pool too (the Service Authorization Reference lists
 * ipam-pool and ipv4pool-ec2 among AllocateAddress's resources). The pools are yours: untagged.
 */
export const POOL_GRANT: PolicyGrant = {
  sid: 'FixedIpEc2AllocateFromPool',
  actions: ['ec2:AllocateAddress'],
  resource: ['arn:aws:ec2::*:ipam-pool/*', 'arn:aws:ec2:*:*:ipv4pool-ec2/*'],
};

/** A Describe answer that names nothing when AWS says the id does not exist; any other error stands. */
const unlessNotFound =
  (code: string) =>
  (error: unknown): { IpamPools?: undefined; PublicIpv4Pools?: undefined } => {
    if (awsErrorName(error) === code) return {};
    throw error;
  };

/** Reading an IPAM pool's CIDRs and allocations is authorized on the pool (Get*, not Describe*). */
export const POOL_READ_GRANT: PolicyGrant = {
  sid: 'FixedIpEc2ReadIpamPool',
  actions: ['ec2:GetIpamPoolCidrs', 'ec2:GetIpamPoolAllocations'],
  resource: 'arn:aws:ec2::*:ipam-pool/*',
};

/**
 * The addresses an IPAM pool has free: its provisioned CIDRs' addresses less its allocations;
 * undefined when there are more than one page of either (then AWS alone decides, at allocation).
 */
async function ipamFree(ctx: StackContext, pool: string): Promise<number | undefined> {
  const [cidrs, allocations] = await Promise.all([
    ctx.aws.ec2.GetIpamPoolCidrs({ IpamPoolId: pool, MaxResults: 1000 }),
    ctx.aws.ec2.GetIpamPoolAllocations({ IpamPoolId: pool, MaxResults: 1000 }),
  ]);
  if (cidrs.NextToken || allocations.NextToken) return undefined;
  const size = (cidr: string | undefined): number => 2 ** (32 - Number(cidr?.split('/')[1] ?? 32));
  const total = (cidrs.IpamPoolCidrs ?? [])
    .filter((c) => c.State === 'provisioned')
    .reduce((sum, c) => sum + size(c.Cidr), 0);
  const used = (allocations.IpamPoolAllocations ?? []).reduce((sum, a) => sum + size(a.Cidr), 0);
  return Math.max(0, total - used);
}

/**
 * What AWS would refuse when setup allocates `count` addresses for these zones from the pool,
 * read before anything is made: a pool that does not exist here, one that does not serve public
 * IPv4 addresses to these zones' network border groups, or one with too few free addresses.
 */
export async function poolQuota(ctx: StackContext, pool: string, zones: readonly string[]): Promise<Quota> {
  const count = zones.length;
  const region = ctx.aws.region;
  const out = await ctx.aws.ec2.DescribeAvailabilityZones({ ZoneNames: [...zones] });
  const groups = new Map(
    zones.map((zone) => [
      zone,
      out.AvailabilityZones?.find((z) => z.ZoneName === zone)?.NetworkBorderGroup ?? region,
    ]),
  );
  const name = `Free addresses in pool ${pool}`;
  const refuse = (used: number, limit: number, blocker: string): Quota => ({
    name,
    used,
    limit,
    ok: false,
    blocker: `--eip-pool ${pool}: ${blocker}`,
  });
  if (IPAM_POOL.test(pool)) {
    const found = await ctx.aws.ec2
      .DescribeIpamPools({ IpamPoolIds: [pool] })
      .catch(unlessNotFound('InvalidIpamPoolId.NotFound'));
    const ipam = found.IpamPools?.[0];
    if (!ipam)
      return refuse(count, 0, `no such IPAM pool in ${region} (aws ec2 describe-ipam-pools lists yours)`);
    if (ipam.AddressFamily !== 'ipv4' || ipam.PublicIpSource === undefined || ipam.AwsService !== 'ec2')
      return refuse(
        count,
        0,
        'it is not a public IPv4 pool for EC2 (AddressFamily ipv4, a PublicIpSource, AwsService ec2), so AWS cannot allocate an Elastic IP from it',
      );
    const wrong = zones.filter((zone) => ipam.Locale !== region && ipam.Locale !== groups.get(zone));
    if (wrong.length > 0)
      return refuse(
        count,
        0,
        `its locale is ${ipam.Locale ?? 'none'}, and ${wrong.join(', ')} ${wrong.length > 1 ? 'are' : 'is'} in ${[...new Set(wrong.map((zone) => groups.get(zone)))].join(', ')}: give a pool of that locale`,
      );
    if (ipam.State !== undefined && !ipam.State.endsWith('complete'))
      return refuse(count, 0, `it is ${ipam.State}, not ready to allocate from`);
    const free = await ipamFree(ctx, pool);
    if (free !== undefined && free < count)
      return refuse(
        count,
        free,
        `${free} of its addresses ${free === 1 ? 'is' : 'are'} free and setup needs ${count}: release some, or provision more to it (aws ec2 provision-ipam-pool-cidr)`,
      );
    return { name, used: count, limit: free ?? count, ok: true };
  }
  const found = await ctx.aws.ec2
    .DescribePublicIpv4Pools({ PoolIds: [pool] })
    .catch(unlessNotFound('InvalidPublicIpv4PoolID.NotFound'));
  const byoip = found.PublicIpv4Pools?.[0];
  if (!byoip)
    return refuse(
      count,
      0,
      `no such BYOIP pool in ${region} (aws ec2 describe-public-ipv4-pools lists yours)`,
    );
  const wrong = zones.filter((zone) => (byoip.NetworkBorderGroup ?? region) !== groups.get(zone));
  if (wrong.length > 0)
    return refuse(
      count,
      0,
      `its addresses are advertised in network border group ${byoip.NetworkBorderGroup ?? region}, and ${wrong.join(', ')} ${wrong.length > 1 ? 'are' : 'is'} in ${[...new Set(wrong.map((zone) => groups.get(zone)))].join(', ')}: a NAT gateway there cannot use them`,
    );
  const free = byoip.TotalAvailableAddressCount ?? 0;
  if (free < count)
    return refuse(
      count,
      free,
      `${free} of its addresses ${free === 1 ? 'is' : 'are'} free and setup needs ${count}: release some, or provision more (aws ec2 provision-public-ipv4-pool-cidr)`,
    );
  return { name, used: count, limit: free, ok: true };
}
