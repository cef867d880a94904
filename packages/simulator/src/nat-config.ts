/**
 * The config block fixed-ip writes into a NAT instance's user data (the contract's "User data"):
 *
 *     # fixed-ip:nat-config
 *     NAT_INTERFACE_ID='eni-…'
 *     NAT_REGION='…'
 *     NAT_SELF_ATTACH='0'
 *
 * A script without the marker line is a first-release script. Kept apart from nat-boot.ts, which
 * plays the boot, so that RunInstances can read it without depending on the boot's machinery.
 */
const CONFIG_MARKER = /^# fixed-ip:nat-config$/m;

export interface NatConfig {
  interfaceId: string;
  selfAttach: boolean;
}

/** The config block of a fixed-ip NAT instance's user data (given base64, as RunInstances takes it). */
export function natConfigOf(userData: string | null): NatConfig | undefined {
  if (!userData) return undefined;
  const decoded = Buffer.from(userData, 'base64').toString('utf8');
  const text = CONFIG_MARKER.test(decoded) ? decoded : userData;
  if (!CONFIG_MARKER.test(text)) return undefined;
  const value = (name: string) => new RegExp(`^${name}='([^']*)'$`, 'm').exec(text)?.[1];
  return { interfaceId: value('NAT_INTERFACE_ID') ?? '', selfAttach: value('NAT_SELF_ATTACH') === '1' };
}
