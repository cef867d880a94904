/**
 * The IPs a stack's functions really leave from, read back from AWS: each function's subnets, the
 * route table each subnet uses, its 0.0.0.0/0 target, and that target's public address. setup
 * prints these, never what the run believes it made (a teammate's run, a hand edit, or a second
 * run at the same time may have changed the path since).
 */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { World } from './world.js';

export interface Egress {
  subnetId: string;
  zone: string | undefined;
  /** undefined: no route to a working NAT (the function has no internet from this subnet). */
  ip: string | undefined;
}

export function egressOf(world: World, functions: readonly FunctionConfiguration[]): Egress[] {
  const seen = new Map<string, Egress>();
  for (const fn of functions) {
    for (const subnetId of fn.VpcConfig?.SubnetIds ?? []) {
      if (seen.has(subnetId)) continue;
      const subnet = world.subnets.find((s) => s.SubnetId === subnetId);
      const table =
        world.routeTables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId)) ??
        world.routeTables.find((t) => t.Associations?.some((a) => a.Main));
      const route = table?.Routes?.find(
        (r) => r.DestinationCidrBlock === '0.0.0.0/0' && r.State !== 'blackhole',
      );
      let ip: string | undefined;
      if (route?.NatGatewayId) {
        const nat = world.natGateways.find(
          (n) => n.NatGatewayId === route.NatGatewayId && n.State === 'available',
        );
        const addresses = nat?.NatGatewayAddresses ?? [];
        // A regional gateway uses the address in the subnet's zone.
        ip = (addresses.find((a) => a.AvailabilityZone === subnet?.AvailabilityZone) ?? addresses[0])
          ?.PublicIp;
      } else if (route?.NetworkInterfaceId) {
        ip = world.networkInterfaces.find((e) => e.NetworkInterfaceId === route.NetworkInterfaceId)
          ?.Association?.PublicIp;
      }
      seen.set(subnetId, { subnetId, zone: subnet?.AvailabilityZone, ip });
    }
  }
  return [...seen.values()].sort((a, b) => (a.zone ?? '').localeCompare(b.zone ?? ''));
}
