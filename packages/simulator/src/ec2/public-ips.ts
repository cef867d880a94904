/**
 * The public IPv4 addresses Amazon assigns at launch (AssociatePublicIpAddress): not Elastic IPs,
 * owned by `amazon`, released when the instance stops or terminates, and a new one at every start.
 * They come from TEST-NET-1 (RFC 5737, 192.0.2.0/24), apart from the Elastic IPs' pools, so no
 * output names a real host and neither kind can take the other's address.
 */
import type { SimContext } from '../context.js';
import { recordsOf } from '../describe.js';
import { ec2Error, Ec2ErrorCode } from '../errors.js';
import { randomInt } from '../ids.js';
import { instanceState } from '../lifecycle.js';
import type { InstanceRecord } from '../model.js';

const POOL = '192.0.2';

/** The instance's auto-assigned address while it has one (pending or running). */
export function autoPublicIp(ctx: SimContext, instance: InstanceRecord): string | undefined {
  const state = instanceState(instance, ctx.now);
  if (state !== 'pending' && state !== 'running') return undefined;
  return instance.publicIp ?? undefined;
}

export function newAutoPublicIp(ctx: SimContext): string {
  const taken = new Set(
    recordsOf(ctx.state.instances).flatMap((i) => {
      const ip = autoPublicIp(ctx, i);
      return ip === undefined ? [] : [ip];
    }),
  );
  const free: string[] = [];
  for (let host = 1; host <= 254; host++) if (!taken.has(`${POOL}.${host}`)) free.push(`${POOL}.${host}`);
  const ip = free[randomInt(ctx.state, free.length)];
  if (ip === undefined)
    throw ec2Error(Ec2ErrorCode.insufficientFreeAddresses, 'No public IPv4 address is free in the region.');
  return ip;
}
