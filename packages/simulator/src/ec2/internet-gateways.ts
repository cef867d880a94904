/** Internet gateways: at most one per VPC, and not detachable while public addresses are mapped. */
import { autoPublicIp } from './public-ips.js';
import type { InternetGateway, InternetGatewayAttachment, TagSpecification } from '@aws-sdk/client-ec2';
import type { SimContext } from '../context.js';
import { describeOperation, recordsOf } from '../describe.js';
import {
  ec2DependencyViolation,
  ec2Error,
  Ec2ErrorCode,
  ec2InvalidParameter,
  ec2NotFound,
} from '../errors.js';
import type { FilterFields } from '../filters.js';
import { natHoldsAddress, newRecord } from '../lifecycle.js';
import type { InternetGatewayRecord, Tags } from '../model.js';
import { requireInternetGateway, requireVpc } from './lookup.js';
import { tagList, tagsFromSpecifications } from './tags.js';

export function insertInternetGateway(ctx: SimContext, tags: Tags, visibleAt: number): InternetGatewayRecord {
  const igw: InternetGatewayRecord = {
    ...newRecord(ctx, 'igw', visibleAt, tags),
    vpcId: null,
  };
  ctx.state.internetGateways[igw.id] = igw;
  return igw;
}

/** Every check AttachInternetGateway makes, then the attachment. */
export function attachInternetGateway(
  ctx: SimContext,
  igwId: string | undefined,
  vpcId: string | undefined,
): void {
  const igw = requireInternetGateway(ctx, igwId);
  const vpc = requireVpc(ctx, vpcId);
  if (igw.vpcId !== null)
    throw ec2Error(
      Ec2ErrorCode.alreadyAssociated,
      `resource ${igw.id} is already attached to network ${igw.vpcId}`,
    );
  if (attachedGateway(ctx, vpc.id))
    throw ec2InvalidParameter(`Network ${vpc.id} already has an internet gateway attached`);
  igw.vpcId = vpc.id;
}

export function attachedGateway(ctx: SimContext, vpcId: string): InternetGatewayRecord | undefined {
  return recordsOf(ctx.state.internetGateways).find((igw) => igw.vpcId === vpcId);
}

/**
 * "Mapped public addresses": an Elastic IP held by a NAT gateway of the VPC that is not yet
 * deleted, or associated with a network interface in the VPC (a NAT instance's).
 */
function hasMappedPublicAddresses(ctx: SimContext, vpcId: string): boolean {
  const onGateway = recordsOf(ctx.state.natGateways).some(
    (nat) => nat.vpcId === vpcId && natHoldsAddress(nat, ctx.now),
  );
  const onInterface = recordsOf(ctx.state.addresses).some((address) => {
    const eniId = address.externalAssociation?.networkInterfaceId;
    return eniId !== undefined && ctx.state.networkInterfaces[eniId]?.vpcId === vpcId;
  });
  // An instance's auto-assigned public IPv4 is a mapped address too.
  const onInstance = recordsOf(ctx.state.instances).some(
    (instance) => instance.vpcId === vpcId && autoPublicIp(ctx, instance) !== undefined,
  );
  return onGateway || onInterface || onInstance;
}

function toInternetGateway(ctx: SimContext, igw: InternetGatewayRecord): InternetGateway {
  return {
    InternetGatewayId: igw.id,
    // AWS reports an attached gateway as 'available', a value the SDK's type does not list.
    Attachments:
      igw.vpcId === null
        ? []
        : [{ VpcId: igw.vpcId, State: 'available' as InternetGatewayAttachment['State'] }],
    OwnerId: ctx.state.accountId,
    Tags: tagList(igw.tags),
  };
}

function internetGatewayFields(ctx: SimContext): FilterFields<InternetGatewayRecord> {
  return {
    'internet-gateway-id': (g) => g.id,
    'attachment.vpc-id': (g) => g.vpcId,
    'attachment.state': (g) => (g.vpcId === null ? undefined : 'available'),
    'owner-id': () => ctx.state.accountId,
  };
}

export const internetGatewayOperations = {
  DescribeInternetGateways: describeOperation({
    list: 'InternetGateways',
    records: (ctx) => recordsOf(ctx.state.internetGateways),
    ids: (input: { InternetGatewayIds?: string[] }) => input.InternetGatewayIds,
    fields: internetGatewayFields,
    notFound: (missing) => ec2NotFound(Ec2ErrorCode.internetGatewayNotFound, 'internetGateway', missing),
    show: toInternetGateway,
  }),

  CreateInternetGateway(ctx: SimContext, input: { TagSpecifications?: TagSpecification[] }): object {
    const tags = tagsFromSpecifications(input.TagSpecifications, 'internet-gateway');
    const igw = insertInternetGateway(ctx, tags, ctx.now + ctx.timings.eventualConsistencyMs);
    return { InternetGateway: toInternetGateway(ctx, igw) };
  },

  AttachInternetGateway(ctx: SimContext, input: { InternetGatewayId?: string; VpcId?: string }): object {
    attachInternetGateway(ctx, input.InternetGatewayId, input.VpcId);
    return {};
  },

  DetachInternetGateway(ctx: SimContext, input: { InternetGatewayId?: string; VpcId?: string }): object {
    const igw = requireInternetGateway(ctx, input.InternetGatewayId);
    const vpc = requireVpc(ctx, input.VpcId);
    if (igw.vpcId !== vpc.id)
      throw ec2Error(
        Ec2ErrorCode.gatewayNotAttached,
        `resource ${igw.id} is not attached to network ${vpc.id}`,
      );
    if (hasMappedPublicAddresses(ctx, vpc.id)) {
      throw ec2DependencyViolation(
        `Network ${vpc.id} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
      );
    }
    igw.vpcId = null;
    return {};
  },

  DeleteInternetGateway(ctx: SimContext, input: { InternetGatewayId?: string }): object {
    const igw = requireInternetGateway(ctx, input.InternetGatewayId);
    if (igw.vpcId !== null)
      throw ec2DependencyViolation(`The internetGateway '${igw.id}' has dependencies and cannot be deleted.`);
    delete ctx.state.internetGateways[igw.id];
    return {};
  },
};
