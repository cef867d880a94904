/** Every EC2 operation the simulator models, by the SDK command's name without 'Command'. */
import type { OperationTable } from '../context.js';
import { accountAttributeOperations, addressOperations, associationOperations } from './addresses.js';
import { addressPoolOperations } from './address-pools.js';
import { imageOperations } from './images.js';
import { instanceTypeOperations } from './instance-types.js';
import { instanceOperations } from './instances.js';
import { interfaceAttachmentOperations } from './interface-attachments.js';
import { availabilityZoneOperations } from './availability-zones.js';
import { internetGatewayOperations } from './internet-gateways.js';
import { natGatewayOperations } from './nat-gateways.js';
import { networkInterfaceOperations } from './network-interfaces.js';
import { routeTableOperations } from './route-tables.js';
import { securityGroupRuleOperations } from './security-group-rules.js';
import { securityGroupOperations } from './security-groups.js';
import { subnetOperations } from './subnets.js';
import { tagOperations } from './tags.js';
import { EC2_RESOURCE_TYPES } from './resource-types.js';
import { vpcOperations } from './vpcs.js';

export const ec2Operations: OperationTable = {
  ...vpcOperations,
  ...availabilityZoneOperations,
  ...subnetOperations,
  ...internetGatewayOperations,
  ...routeTableOperations,
  ...securityGroupOperations,
  ...addressOperations,
  ...addressPoolOperations,
  ...natGatewayOperations,
  // Tags on any resource, the types of their own included.
  ...tagOperations((ctx, id) =>
    EC2_RESOURCE_TYPES.find((type) => id.startsWith(`${type.prefix}-`))?.taggable(ctx.state, id),
  ),
  ...networkInterfaceOperations,
  ...accountAttributeOperations,
  ...associationOperations,
  ...imageOperations,
  ...instanceTypeOperations,
  ...instanceOperations,
  ...interfaceAttachmentOperations,
  ...securityGroupRuleOperations,
  // The resource types that carry everything of their own (resource-types.ts).
  ...(Object.assign({}, ...EC2_RESOURCE_TYPES.map((type) => type.operations)) as OperationTable),
};
