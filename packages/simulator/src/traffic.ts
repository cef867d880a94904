/**
 * Traffic through the account's NATs, as CloudWatch counts it. Traffic from a subnet follows the
 * subnet's route (egress.ts) to the NAT serving it, which records the bytes on its metrics:
 * a NAT gateway in `AWS/NATGateway` (`BytesInFromSource` and `BytesOutToDestination`: what the
 * private side sent; `BytesInFromDestination` and `BytesOutToSource`: what came back), a NAT
 * instance in `AWS/EC2` (`NetworkIn` and `NetworkOut`: it receives and re-sends every byte, both
 * ways). Traffic that goes nowhere records nothing.
 */
import type { SimContext } from './context.js';
import { type Egress, egressOfSubnet } from './egress.js';
import { recordDatapoint } from './metrics.js';

/** What an egress probe's invocation sends (a small HTTPS request) and gets back. */
export const PROBE_BYTES_OUT = 2_048;
export const PROBE_BYTES_BACK = 6_144;

export interface Traffic {
  subnetId: string;
  /** Bytes the private side sends out. */
  bytesOut: number;
  /** Bytes that come back. */
  bytesBack: number;
  /** When (default: the clock's now). */
  at?: Date;
}

/** Records traffic that took this egress; nothing when it went nowhere. */
export function recordTraffic(
  ctx: SimContext,
  egress: Egress,
  bytes: { out: number; back: number },
  at: number,
): void {
  if (egress.publicIp === null) return;
  const record = (namespace: string, dimensions: Record<string, string>, metricName: string, value: number) =>
    recordDatapoint(ctx.state, { namespace, metricName, dimensions, timestamp: at, value, unit: 'Bytes' });
  const nat = ctx.state.natGateways[egress.via];
  if (nat) {
    const dimensions = { NatGatewayId: nat.id };
    record('AWS/NATGateway', dimensions, 'BytesInFromSource', bytes.out);
    record('AWS/NATGateway', dimensions, 'BytesOutToDestination', bytes.out);
    record('AWS/NATGateway', dimensions, 'BytesInFromDestination', bytes.back);
    record('AWS/NATGateway', dimensions, 'BytesOutToSource', bytes.back);
    return;
  }
  const instanceId = ctx.state.networkInterfaces[egress.via]?.attachment?.instanceId;
  if (instanceId === undefined) return;
  const dimensions = { InstanceId: instanceId };
  record('AWS/EC2', dimensions, 'NetworkIn', bytes.out + bytes.back);
  record('AWS/EC2', dimensions, 'NetworkOut', bytes.out + bytes.back);
}

/** Sends traffic from a subnet through its route as the account is now; where it went, or why nowhere. */
export function sendTraffic(ctx: SimContext, traffic: Traffic): Egress {
  for (const [name, value] of [
    ['bytesOut', traffic.bytesOut],
    ['bytesBack', traffic.bytesBack],
  ] as const)
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`${name} must be a number of bytes, not ${value}`);
  const egress = egressOfSubnet(ctx, traffic.subnetId);
  recordTraffic(
    ctx,
    egress,
    { out: traffic.bytesOut, back: traffic.bytesBack },
    traffic.at?.getTime() ?? ctx.now,
  );
  return egress;
}
