/**
 * EC2 resource types that carry everything of their own in one handler module: their operations,
 * how IAM authorizes them, how their ids' tags are read, the routes they put in route tables, and
 * their part of the account's snapshot. Adding one is its module and its line here; the rest of the
 * simulator (the operation table, authorization, route tables, snapshots) reads this list.
 */
import type { Ec2ResourceType } from './resource-type.js';
import { launchTemplateType } from './launch-templates.js';
import { vpcEndpointType } from './vpc-endpoints.js';

export type { Ec2ResourceType };
export const EC2_RESOURCE_TYPES: readonly Ec2ResourceType[] = [vpcEndpointType, launchTemplateType];
