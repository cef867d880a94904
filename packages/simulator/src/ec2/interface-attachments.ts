/**
 * Moving a network interface between instances: AttachNetworkInterface and DetachNetworkInterface.
 * What AWS enforces and this models: the interface must be available (InvalidNetworkInterface.InUse)
 * and in the instance's Availability Zone and VPC; the instance must be running or stopped
 * (IncorrectInstanceState); a device index holds one interface ("already has an interface attached
 * at device index"); an instance type takes so many interfaces (AttachmentLimitExceeded, 2 for the
 * nano types); the primary interface (device index 0) cannot be detached (OperationNotPermitted).
 * Attaching is 'attaching' for interfaceAttachMs, detaching 'detaching' for interfaceDetachMs; the
 * Elastic IP stays on the interface throughout (it is associated with the interface, not the
 * instance). Terminating an instance frees its other interfaces (those not DeleteOnTermination),
 * see lifecycle.ts.
 */
import type { SimContext } from '../context.js';
import { recordsOf } from '../describe.js';
import { ec2Error, Ec2ErrorCode, ec2InvalidParameter, ec2MissingParameter } from '../errors.js';
import { newId } from '../ids.js';
import { attachmentIsLive, instanceState, interfacesOf } from '../lifecycle.js';
import type { InstanceRecord, NetworkInterfaceRecord } from '../model.js';
import { interfaceLimitOf } from './instance-types.js';
import { requireInstance, requireNetworkInterface } from './lookup.js';

/** Every check AttachNetworkInterface makes, then the attachment ('attaching' for a few seconds). */
export function attachInterface(
  ctx: SimContext,
  instance: InstanceRecord,
  eni: NetworkInterfaceRecord,
  deviceIndex: number,
): string {
  const state = instanceState(instance, ctx.now);
  if (state !== 'running' && state !== 'stopped')
    throw ec2Error(
      Ec2ErrorCode.incorrectInstanceState,
      `Instance '${instance.id}' is not 'running' or 'stopped'.`,
    );
  if (attachmentIsLive(ctx, eni))
    throw ec2Error(Ec2ErrorCode.networkInterfaceInUse, `Interface: [${eni.id}] in use.`);
  const az = ctx.state.subnets[eni.subnetId]?.az;
  if (az !== instance.az)
    throw ec2Error(
      Ec2ErrorCode.invalidParameterCombination,
      'You may not attach a network interface to an instance if they are not in the same availability zone',
    );
  if (eni.vpcId !== instance.vpcId)
    throw ec2Error(
      Ec2ErrorCode.invalidParameterCombination,
      `The network interface ${eni.id} and the instance ${instance.id} are not in the same VPC.`,
    );
  const attached = interfacesOf(ctx, instance.id);
  if (attached.some((e) => e.attachment?.deviceIndex === deviceIndex))
    throw ec2InvalidParameter(
      `Instance '${instance.id}' already has an interface attached at device index '${deviceIndex}'.`,
    );
  const limit = interfaceLimitOf(instance.instanceType);
  if (attached.length + 1 > limit)
    throw ec2Error(
      Ec2ErrorCode.attachmentLimitExceeded,
      `Interface count ${attached.length + 1} exceeds the limit for ${instance.instanceType}`,
    );
  eni.attachment = {
    id: newId(ctx.state, 'eni-attach'),
    instanceId: instance.id,
    deviceIndex,
    deleteOnTermination: false,
    attachedAt: ctx.now,
    attachingUntil: ctx.now + ctx.timings.interfaceAttachMs,
  };
  return eni.attachment.id;
}

/** The interface a live attachment id names; AWS's NotFound for any other. */
export function interfaceOfAttachment(
  ctx: SimContext,
  attachmentId: string | undefined,
): NetworkInterfaceRecord {
  const eni = recordsOf(ctx.state.networkInterfaces).find(
    (e) => e.attachment?.id === attachmentId && attachmentIsLive(ctx, e),
  );
  if (!eni)
    throw ec2Error(
      Ec2ErrorCode.attachmentNotFound,
      `The network interface attachment ID '${String(attachmentId)}' does not exist`,
    );
  return eni;
}

/** Every check DetachNetworkInterface makes, then the detach ('detaching' for a few seconds). */
export function detachInterface(ctx: SimContext, eni: NetworkInterfaceRecord): void {
  const attachment = eni.attachment;
  if (!attachment) return;
  if (attachment.deviceIndex === 0)
    throw ec2Error(
      Ec2ErrorCode.operationNotPermitted,
      'The network interface at device index 0 and networkCard index 0 cannot be detached.',
    );
  // Detaching twice is the same detach.
  attachment.detachingUntil ??= ctx.now + ctx.timings.interfaceDetachMs;
}

export const interfaceAttachmentOperations = {
  AttachNetworkInterface(
    ctx: SimContext,
    input: { InstanceId?: string; NetworkInterfaceId?: string; DeviceIndex?: number },
  ): object {
    if (input.NetworkInterfaceId === undefined) throw ec2MissingParameter('networkInterfaceId');
    if (input.InstanceId === undefined) throw ec2MissingParameter('instanceId');
    if (input.DeviceIndex === undefined) throw ec2MissingParameter('deviceIndex');
    const eni = requireNetworkInterface(ctx, input.NetworkInterfaceId);
    const instance = requireInstance(ctx, input.InstanceId);
    const AttachmentId = attachInterface(ctx, instance, eni, input.DeviceIndex);
    return { AttachmentId, NetworkCardIndex: 0 };
  },

  DetachNetworkInterface(ctx: SimContext, input: { AttachmentId?: string; Force?: boolean }): object {
    if (input.AttachmentId === undefined) throw ec2MissingParameter('attachmentId');
    detachInterface(ctx, interfaceOfAttachment(ctx, input.AttachmentId));
    return {};
  },
};
