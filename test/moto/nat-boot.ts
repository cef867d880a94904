/**
 * moto runs no user data: this plays a fixed-ip NAT instance's boot against moto with the same
 * calls its script makes (src/kinds/nat-instance/user-data.sh): read its own config block, tag
 * itself `fixed-ip:nat-boot=ready`, attach the stack's interface to itself when NAT_SELF_ATTACH
 * is 1 (taking it from an instance that is no longer running, never from a live one), and tag
 * itself `forwarding` while the interface is on it. It talks to moto directly (not through the
 * bridge), as the instance would talk to EC2 with its own role.
 */
import {
  AttachNetworkInterfaceCommand,
  CreateTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DetachNetworkInterfaceCommand,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';

const BOOT_TAG = 'fixed-ip:nat-boot';

interface Config {
  interfaceId: string;
  selfAttach: boolean;
}

function configOf(userData: string): Config | undefined {
  if (!userData.includes('# fixed-ip:nat-config')) return undefined;
  const value = (name: string) => new RegExp(`^${name}='([^']*)'$`, 'm').exec(userData)?.[1];
  const interfaceId = value('NAT_INTERFACE_ID');
  return interfaceId ? { interfaceId, selfAttach: value('NAT_SELF_ATTACH') === '1' } : undefined;
}

export interface NatBootPlayer {
  /** What the played instances did, in order ("i-1 ready", "i-1 attach eni-2", "i-1 forwarding"). */
  readonly log: string[];
  stop(): Promise<void>;
}

/** Plays every running fixed-ip NAT instance's boot until stopped; `fail` makes boots report that failure. */
export function playNatBoots(
  ec2: EC2Client,
  options: { fail?: string; everyMs?: number } = {},
): NatBootPlayer {
  const log: string[] = [];
  const configs = new Map<string, Config | null>();
  let stopped = false;
  const tag = async (instance: Instance, value: string) => {
    if (instance.Tags?.find((t) => t.Key === BOOT_TAG)?.Value === value) return;
    await ec2.send(
      new CreateTagsCommand({
        Resources: [instance.InstanceId ?? ''],
        Tags: [{ Key: BOOT_TAG, Value: value }],
      }),
    );
    log.push(`${instance.InstanceId ?? ''} ${value}`);
  };
  const configFor = async (id: string): Promise<Config | undefined> => {
    if (!configs.has(id)) {
      const out = await ec2.send(
        new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' }),
      );
      const text = Buffer.from(out.UserData?.Value ?? '', 'base64').toString('utf8');
      configs.set(id, configOf(text) ?? null);
    }
    return configs.get(id) ?? undefined;
  };
  const step = async () => {
    const out = await ec2.send(new DescribeInstancesCommand({}));
    const instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    for (const instance of instances) {
      if (instance.State?.Name !== 'running') continue;
      const config = await configFor(instance.InstanceId ?? '');
      if (!config) continue;
      if (options.fail) {
        await tag(instance, `failed: ${options.fail}`);
        continue;
      }
      const eni = (
        await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [config.interfaceId] }))
      ).NetworkInterfaces?.[0];
      const holder = eni?.Attachment?.Status === 'attached' ? eni.Attachment.InstanceId : undefined;
      if (holder === instance.InstanceId) {
        await tag(instance, 'forwarding');
        continue;
      }
      if (config.selfAttach) {
        const held = holder ? instances.find((i) => i.InstanceId === holder) : undefined;
        if (held && ['running', 'pending'].includes(held.State?.Name ?? '')) {
          await tag(instance, `waiting: interface ${config.interfaceId} is held by ${holder ?? ''}`);
          continue;
        }
        if (holder && eni?.Attachment?.AttachmentId) {
          await ec2.send(
            new DetachNetworkInterfaceCommand({ AttachmentId: eni.Attachment.AttachmentId, Force: true }),
          );
          log.push(`${instance.InstanceId ?? ''} detach ${config.interfaceId} from ${holder}`);
        }
        await ec2.send(
          new AttachNetworkInterfaceCommand({
            NetworkInterfaceId: config.interfaceId,
            InstanceId: instance.InstanceId ?? '',
            DeviceIndex: 1,
          }),
        );
        log.push(`${instance.InstanceId ?? ''} attach ${config.interfaceId}`);
        await tag(instance, 'forwarding');
        continue;
      }
      await tag(instance, 'ready');
    }
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        await step();
      } catch {
        // moto between a call and its effect (an instance just terminated): the next round sees it settled.
      }
      await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 250));
    }
  })();
  return {
    log,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
