/** States that move with time, derived from the deadlines stored in the account. */
import type { SimContext } from './context.js';
import { newId } from './ids.js';
import type {
  FunctionRecord,
  InstanceRecord,
  InterfaceAttachmentRecord,
  InstanceStableState,
  InstanceTransition,
  LambdaEniRecord,
  NatGatewayRecord,
  NetworkInterfaceRecord,
  ResourceRecord,
  Tags,
} from './model.js';

export type NatState = 'pending' | 'available' | 'failed' | 'deleting' | 'deleted';

export function natState(nat: NatGatewayRecord, now: number): NatState {
  if (nat.deletingUntil !== null) return now < nat.deletingUntil ? 'deleting' : 'deleted';
  if (now < nat.readyAt) return 'pending';
  return nat.failure ? 'failed' : 'available';
}

/** When a failed or deleted gateway stops showing up in Describe calls. */
export function natGoneAt(nat: NatGatewayRecord, ctx: SimContext): number | undefined {
  const endedAt = nat.deletingUntil ?? (nat.failure ? nat.readyAt : undefined);
  return endedAt === undefined ? undefined : endedAt + ctx.timings.natGoneVisibleMs;
}

export function natIsGone(nat: NatGatewayRecord, ctx: SimContext): boolean {
  const goneAt = natGoneAt(nat, ctx);
  return goneAt !== undefined && ctx.now >= goneAt;
}

/** The gateway's network interface exists from creation until it is deleted (or has failed). */
export function natHoldsInterface(nat: NatGatewayRecord, now: number): boolean {
  const state = natState(nat, now);
  return nat.eniId !== null && (state === 'pending' || state === 'available' || state === 'deleting');
}

/** A gateway that will work keeps its Elastic IP from creation until deleted. */
export function natHoldsAddress(nat: NatGatewayRecord, now: number): boolean {
  const state = natState(nat, now);
  return nat.failure === null && (state === 'pending' || state === 'available' || state === 'deleting');
}

/** A regional address still on its gateway: not yet disassociated, or draining. */
export function regionalAddressIsHeld(address: { drainUntil: number | null }, now: number): boolean {
  return address.drainUntil === null || now < address.drainUntil;
}

/** The Elastic IPs (allocation ids) this gateway holds now. */
export function natAllocationIds(nat: NatGatewayRecord, now: number): string[] {
  if (!natHoldsAddress(nat, now)) return [];
  if (!nat.regional) return [nat.allocationId];
  return nat.regional.addresses.flatMap((a) =>
    a.allocationId !== null && regionalAddressIsHeld(a, now) ? [a.allocationId] : [],
  );
}

/** Describe shows the association once the gateway is up. */
export function natShowsAssociation(nat: NatGatewayRecord, now: number): boolean {
  const state = natState(nat, now);
  return nat.failure === null && (state === 'available' || state === 'deleting');
}

export function lambdaEniIsLive(eni: LambdaEniRecord, now: number): boolean {
  return eni.releaseAt === null || now < eni.releaseAt;
}

export function functionUpdateInProgress(fn: FunctionRecord, now: number): boolean {
  return fn.update !== null && now < fn.update.until;
}

/** A new resource's common part: a fresh id with its prefix, created now, listed from `visibleAt`. */
export function newRecord(ctx: SimContext, prefix: string, visibleAt: number, tags: Tags): ResourceRecord {
  return { id: newId(ctx.state, prefix), createdAt: ctx.now, visibleAt, tags };
}

export function isVisible(resource: ResourceRecord, now: number): boolean {
  return now >= resource.visibleAt;
}

export type InstanceState = InstanceStableState | InstanceTransition;

export function instanceState(instance: InstanceRecord, now: number): InstanceState {
  return now < instance.phase.until ? instance.phase.transition : instance.phase.settles;
}

/** A terminated instance drops out of Describe instanceGoneVisibleMs after it ended. */
export function instanceIsGone(instance: InstanceRecord, ctx: SimContext): boolean {
  return (
    instance.phase.settles === 'terminated' &&
    ctx.now >= instance.phase.until + ctx.timings.instanceGoneVisibleMs
  );
}

/**
 * An interface stays attached until it is detached (the detach is done) or its instance is
 * terminated: a terminated instance's interfaces that outlive it are available again.
 */
export function attachmentIsLive(ctx: SimContext, eni: NetworkInterfaceRecord): boolean {
  const attachment = eni.attachment;
  if (!attachment) return false;
  if (attachment.detachingUntil !== undefined && ctx.now >= attachment.detachingUntil) return false;
  const instance = ctx.state.instances[attachment.instanceId];
  return instance !== undefined && instanceState(instance, ctx.now) !== 'terminated';
}

export type AttachmentStatus = 'attaching' | 'attached' | 'detaching';

/** A live attachment's status (AttachNetworkInterface and DetachNetworkInterface take a few seconds). */
export function attachmentStatus(attachment: InterfaceAttachmentRecord, now: number): AttachmentStatus {
  if (attachment.detachingUntil !== undefined) return 'detaching';
  return attachment.attachingUntil !== undefined && now < attachment.attachingUntil
    ? 'attaching'
    : 'attached';
}

/** When a live attachment is (or became) 'attached'. */
export function attachedSince(attachment: InterfaceAttachmentRecord): number {
  return attachment.attachingUntil ?? attachment.attachedAt;
}

/** The account's interfaces attached to an instance now (attaching and detaching included), by device index. */
export function interfacesOf(ctx: SimContext, instanceId: string): NetworkInterfaceRecord[] {
  return Object.values(ctx.state.networkInterfaces)
    .filter((eni) => eni.attachment?.instanceId === instanceId && attachmentIsLive(ctx, eni))
    .sort((a, b) => (a.attachment?.deviceIndex ?? 0) - (b.attachment?.deviceIndex ?? 0));
}

/** An interface deleted with its instance is gone once the instance is terminated. */
export function interfaceIsLive(ctx: SimContext, eni: NetworkInterfaceRecord): boolean {
  const attachment = eni.attachment;
  if (!attachment || !attachment.deleteOnTermination) return true;
  // Detached before its instance ended: DeleteOnTermination no longer applies.
  if (attachment.detachingUntil !== undefined && ctx.now >= attachment.detachingUntil) return true;
  return attachmentIsLive(ctx, eni);
}
