/**
 * What a NAT instance is told and what it says back: the config block fixed-ip writes into its
 * user data (src/kinds/nat-instance/user-data.sh), and the boot report it sets as a tag on itself.
 */
import { readFileSync } from 'node:fs';
import type { Instance } from '@aws-sdk/client-ec2';
import { tagValue } from '../../model/tags.js';

/** The tag a NAT instance sets on itself to report its boot (its role may set no other). */
export const BOOT_TAG = 'fixed-ip:nat-boot';

/** What fixed-ip writes into the user data for one instance (the script's config block). */
export interface NatConfig {
  /** The stack's interface, attached as device index 1. */
  interfaceId: string;
  region: string;
  /** --ha: the instance attaches the interface to itself at boot. */
  selfAttach: boolean;
}

const CONFIG_MARK = '# fixed-ip:nat-config';

/** AWS's limit on user data, before its base64 encoding (RunInstances and launch templates alike). */
export const USER_DATA_LIMIT = 16 * 1024;

/**
 * The script cloud-init runs at first boot (src/kinds/nat-instance/user-data.sh, shipped in dist),
 * with the config block after its first line when a config is given. What is sent has the script's
 * comment lines and blank lines taken out (they are for its readers, and AWS allows 16 KB); the
 * shebang and the config block's marker stay.
 */
export function userData(config?: NatConfig): string {
  const source = readFileSync(new URL('./user-data.sh', import.meta.url), 'utf8');
  if (!config) return source;
  const script = source
    .split('\n')
    .filter((line, index) => index === 0 || !/^\s*(#.*)?$/.test(line))
    .join('\n');
  const [first, ...rest] = script.split('\n');
  const block = [
    CONFIG_MARK,
    `NAT_INTERFACE_ID='${config.interfaceId}'`,
    `NAT_REGION='${config.region}'`,
    `NAT_SELF_ATTACH='${config.selfAttach ? '1' : '0'}'`,
  ];
  return [first, ...block, ...rest].join('\n');
}

/** What the instance said about its boot, from the tag it sets on itself (src/kinds/nat-role.ts). */
export type Boot =
  | { state: 'unreported' }
  | { state: 'ready' }
  | { state: 'forwarding' }
  | { state: 'waiting'; why: string }
  | { state: 'failed'; why: string };

export function bootOf(instance: Instance | undefined): Boot {
  const value = tagValue(instance?.Tags, BOOT_TAG);
  if (value === 'ready' || value === 'forwarding') return { state: value };
  const [word, ...why] = (value ?? '').split(': ');
  if (word === 'failed' || word === 'waiting') return { state: word, why: why.join(': ') };
  return { state: 'unreported' };
}
