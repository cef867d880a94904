/**
 * A fixed-ip NAT instance's boot, played on the clock: what its user data does once the instance
 * is running (the contract between fixed-ip, its user data and this simulator). An instance whose
 * user data carries the `# fixed-ip:nat-config` block:
 * - is done booting natBootMs after it is running, and reports `ready` (or, given a `natBootFails`
 *   fault, `failed: <reason>`, and nothing more);
 * - while its interface NAT_INTERFACE_ID is attached to it (status attached), configures it for
 *   natConfigureMs and reports `forwarding`; detached again, it reports `ready`;
 * - with NAT_SELF_ATTACH='1', goes and gets the interface (device index 1): from nobody, or from an
 *   instance that is no longer pending or running (it detaches it first), never from a live one
 *   (it reports `waiting: interface … is held by …` and looks again every natRetryMs); it gives up
 *   natAttachGiveUpMs after it began (`failed: interface … not attached after 10 minutes (…)`);
 *   once it has had the interface it never takes it again this boot (a planned replacement
 *   detaches it for the next instance, which must not race this one for it).
 * It acts as its instance profile's role: every call it makes (CreateTags on itself, Describe,
 * Attach, Detach) is authorized by the simulator's policy engine against the role's policies with
 * the request's condition keys (`ec2:SourceInstanceARN` its own ARN, `aws:ARN` the resource's, the
 * tags), so a role that may not tag gives no report, and one that may not attach never attaches.
 * What the script does and what it could report are kept apart (`natBoot.state` and the tag):
 * egress follows what it does.
 *
 * Time passes lazily: each call first plays every boot forward to the call's time, event by event
 * in time order (the simulator's prune), with each effect at the time it happened.
 */
import { authorizationsOf } from './authorization.js';
import type { SimContext } from './context.js';
import { recordsOf } from './describe.js';
import { attachInterface, detachInterface } from './ec2/interface-attachments.js';
import { rolePolicy, roleAssumable } from './iam.js';
import {
  attachedSince,
  attachmentIsLive,
  attachmentStatus,
  instanceState,
  interfaceIsLive,
} from './lifecycle.js';
import type { InstanceRecord, NatBootRecord, NetworkInterfaceRecord } from './model.js';
import { type NatConfig, natConfigOf } from './nat-config.js';
import { evaluate } from './policy.js';

export const NAT_BOOT_TAG = 'fixed-ip:nat-boot';

/** When the running period the instance is in began; undefined unless it is (going to be) running. */
function runningSince(instance: InstanceRecord): number | undefined {
  return instance.phase.settles === 'running' ? instance.phase.until : undefined;
}

/** The instance's boot in its current running period (undefined before it is done booting). */
function bootOf(instance: InstanceRecord): NatBootRecord | undefined {
  const since = runningSince(instance);
  return since !== undefined && instance.natBoot?.runningSince === since ? instance.natBoot : undefined;
}

/** What the instance's boot script is doing now: '' before it is done booting (and when stopped). */
export function natBootState(ctx: SimContext, instance: InstanceRecord): string {
  if (instanceState(instance, ctx.now) !== 'running') return '';
  return bootOf(instance)?.state ?? '';
}

function theInterface(ctx: SimContext, config: NatConfig): NetworkInterfaceRecord | undefined {
  const eni = ctx.state.networkInterfaces[config.interfaceId];
  return eni && interfaceIsLive(ctx, eni) ? eni : undefined;
}

/** The interface's attachment to this instance, if it is on it now. */
function attachmentHere(ctx: SimContext, instance: InstanceRecord, eni: NetworkInterfaceRecord | undefined) {
  if (!eni?.attachment || !attachmentIsLive(ctx, eni)) return undefined;
  return eni.attachment.instanceId === instance.id ? eni.attachment : undefined;
}

/** Whether the instance's role may make this EC2 call, as IAM would decide it. */
function roleMay(
  ctx: SimContext,
  instance: InstanceRecord,
  operation: string,
  input: Record<string, unknown>,
): boolean {
  const profile = instance.instanceProfile && ctx.state.instanceProfiles?.[instance.instanceProfile.name];
  const role = profile?.roleName ? ctx.state.roles[profile.roleName] : undefined;
  // No credentials without a role that EC2 may assume.
  if (!role || !roleAssumable(ctx, role) || !(role.assumeRolePolicy ?? '').includes('ec2.amazonaws.com'))
    return false;
  const self = `arn:aws:ec2:${ctx.state.region}:${ctx.state.accountId}:instance/${instance.id}`;
  try {
    const policy = rolePolicy(role);
    return authorizationsOf(ctx, 'ec2', operation, input).every(
      (request) =>
        evaluate(policy, {
          ...request,
          context: { ...request.context, 'aws:ARN': request.resource, 'ec2:SourceInstanceARN': self },
        }) === 'allowed',
    );
  } catch {
    // A policy the simulator cannot read or evaluate allows nothing.
    return false;
  }
}

/** The boot report: the tag on its own instance, when its role may set it (reporting never fails a boot). */
function report(ctx: SimContext, instance: InstanceRecord, boot: NatBootRecord, state: string): void {
  boot.state = state;
  const value = state.slice(0, 256);
  const tags = [{ Key: NAT_BOOT_TAG, Value: value }];
  if (!roleMay(ctx, instance, 'CreateTags', { Resources: [instance.id], Tags: tags })) return;
  if (!(NAT_BOOT_TAG in instance.tags) && Object.keys(instance.tags).length >= 50) return;
  instance.tags = { ...instance.tags, [NAT_BOOT_TAG]: value };
}

/** One self-attach move, as the script's self_attach makes it; sets `why` when it did not work out. */
function selfAttach(ctx: SimContext, instance: InstanceRecord, boot: NatBootRecord, config: NatConfig): void {
  boot.why = '';
  const eni = theInterface(ctx, config);
  const id = config.interfaceId;
  if (!eni || !roleMay(ctx, instance, 'DescribeNetworkInterfaces', { NetworkInterfaceIds: [id] })) {
    boot.why = `cannot describe interface ${id}`;
    return;
  }
  const attachment = eni.attachment && attachmentIsLive(ctx, eni) ? eni.attachment : undefined;
  if (!attachment) {
    const input = { NetworkInterfaceId: id, InstanceId: instance.id, DeviceIndex: 1 };
    if (!roleMay(ctx, instance, 'AttachNetworkInterface', input)) {
      boot.why = `attaching interface ${id} failed`;
      return;
    }
    try {
      attachInterface(ctx, instance, eni, 1);
    } catch {
      boot.why = `attaching interface ${id} failed`;
    }
    return;
  }
  // Attaching or detaching: let it settle.
  if (attachmentStatus(attachment, ctx.now) !== 'attached') return;
  const holder = ctx.state.instances[attachment.instanceId];
  const holderState = holder ? instanceState(holder, ctx.now) : 'terminated';
  if (holderState === 'pending' || holderState === 'running') {
    // Never taken from a live instance: that one is forwarding.
    boot.why = `interface ${id} is held by ${attachment.instanceId}`;
    if (boot.state !== `waiting: ${boot.why}`) report(ctx, instance, boot, `waiting: ${boot.why}`);
    return;
  }
  if (!roleMay(ctx, instance, 'DetachNetworkInterface', { AttachmentId: attachment.id, Force: true })) {
    boot.why = `detaching interface ${id} from ${attachment.instanceId} failed`;
    return;
  }
  try {
    detachInterface(ctx, eni);
  } catch {
    // Its primary interface (device index 0): EC2 refuses.
    boot.why = `detaching interface ${id} from ${attachment.instanceId} failed`;
  }
}

/** When the instance's boot script does something next, from the account as it is; undefined: nothing until a call. */
function nextAt(
  ctx: SimContext,
  instance: InstanceRecord,
  config: NatConfig,
  changedAt: number | undefined,
): number | undefined {
  const since = runningSince(instance);
  if (since === undefined) return undefined;
  const boot = bootOf(instance);
  if (!boot) return since + ctx.timings.natBootMs;
  if (boot.state.startsWith('failed')) return undefined;
  const eni = theInterface(ctx, config);
  const here = attachmentHere(ctx, instance, eni);
  if (here) {
    if (here.detachingUntil !== undefined) return Math.max(boot.checkedAt, here.detachingUntil);
    if (boot.state === 'forwarding') return undefined;
    const bootAt = since + ctx.timings.natBootMs;
    return Math.max(boot.checkedAt, Math.max(attachedSince(here), bootAt) + ctx.timings.natConfigureMs);
  }
  if (boot.state !== 'ready' && !boot.state.startsWith('waiting')) return boot.checkedAt;
  if (!config.selfAttach || boot.hadIt === true) return undefined;
  const giveUpAt = (boot.attachSince ?? boot.checkedAt) + ctx.timings.natAttachGiveUpMs;
  const retry = boot.checkedAt + ctx.timings.natRetryMs;
  // Between calls, only deadlines change the account: the interface's attachment and its holder's
  // state; and a call changes it when it is made (noticed at the script's next look). Until one of
  // those, looking again changes nothing: skip to it (or to the call's time).
  const deadlines = [
    eni?.attachment?.attachingUntil,
    eni?.attachment?.detachingUntil,
    eni?.attachment ? ctx.state.instances[eni.attachment.instanceId]?.phase.until : undefined,
    changedAt !== undefined && changedAt >= boot.checkedAt ? changedAt + ctx.timings.natRetryMs : undefined,
  ].filter((at): at is number => at !== undefined && at > boot.checkedAt);
  const quiet = deadlines.length > 0 ? Math.min(...deadlines) : ctx.now;
  return Math.min(giveUpAt, Math.max(retry, quiet));
}

/** What the boot script does at `ctx.now` (an event nextAt announced). */
function act(ctx: SimContext, instance: InstanceRecord, config: NatConfig): void {
  const since = runningSince(instance) ?? ctx.now;
  let boot = bootOf(instance);
  if (!boot) {
    boot = { runningSince: since, state: '', checkedAt: ctx.now, attachSince: null, why: '' };
    instance.natBoot = boot;
    if (instance.natBootFailure !== undefined) {
      report(ctx, instance, boot, `failed: ${instance.natBootFailure}`);
      return;
    }
  }
  boot.checkedAt = ctx.now;
  const eni = theInterface(ctx, config);
  const here = attachmentHere(ctx, instance, eni);
  if (here) {
    boot.attachSince = null;
    // Once it has had the interface, it never takes it again this boot (the script's /run marker).
    boot.hadIt = true;
    const configuredAt =
      Math.max(attachedSince(here), since + ctx.timings.natBootMs) + ctx.timings.natConfigureMs;
    if (here.detachingUntil === undefined && ctx.now >= configuredAt && boot.state !== 'forwarding')
      report(ctx, instance, boot, 'forwarding');
    return;
  }
  if (boot.state !== 'ready' && !boot.state.startsWith('waiting')) report(ctx, instance, boot, 'ready');
  if (!config.selfAttach || boot.hadIt === true) return;
  boot.attachSince ??= ctx.now;
  if (ctx.now >= boot.attachSince + ctx.timings.natAttachGiveUpMs) {
    const minutes = Math.round(ctx.timings.natAttachGiveUpMs / 60_000);
    report(
      ctx,
      instance,
      boot,
      `failed: interface ${config.interfaceId} not attached after ${minutes} minutes${boot.why ? ` (${boot.why})` : ''}`,
    );
    return;
  }
  selfAttach(ctx, instance, boot, config);
}

/**
 * Plays every fixed-ip NAT instance's boot forward to `ctx.now`, event by event in time order;
 * `changedAt` is when the last call was made (its changes are what a waiting script notices next).
 */
export function advanceNatBoots(ctx: SimContext, changedAt?: number): void {
  const booting = recordsOf(ctx.state.instances).flatMap((instance) => {
    const config = natConfigOf(instance.userData);
    return config ? [{ instance, config }] : [];
  });
  if (booting.length === 0) return;
  // Events at one instant for one instance: a few are a boot's steps (ready, then an attach), many
  // would be a loop, which a look one retry later ends.
  const atOnce = new Map<string, number>();
  // A bound, not a limit anyone should reach: each step moves some instance's time forward.
  for (let step = 0; step < 100_000; step++) {
    let next: { at: number; instance: InstanceRecord; config: NatConfig } | undefined;
    for (const { instance, config } of booting) {
      const at = nextAt(ctx, instance, config, changedAt);
      if (at !== undefined && at <= ctx.now && (next === undefined || at < next.at))
        next = { at, instance, config };
    }
    if (!next) return;
    act({ ...ctx, now: next.at }, next.instance, next.config);
    const key = `${next.instance.id}@${next.at}`;
    atOnce.set(key, (atOnce.get(key) ?? 0) + 1);
    if ((atOnce.get(key) ?? 0) > 4 && next.instance.natBoot)
      next.instance.natBoot.checkedAt = next.at + ctx.timings.natRetryMs;
  }
}
