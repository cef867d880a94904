/**
 * The contract of an EC2 resource type that carries everything of its own in one handler module
 * (the list is in resource-types.ts).
 */
import type { Route } from '@aws-sdk/client-ec2';
import type { OperationTable, SimContext } from '../context.js';
import type { AccountState, RouteTableRecord, Tags } from '../model.js';
import type { AuthRequest } from '../policy.js';

/** What an authorization rule may build on: the call's action, and the ARNs it touches. */
export interface AuthHelpers {
  /** The resource the call creates, of this ARN type, tagged as `TagSpecifications` asks (and ec2:CreateTags). */
  creating: (arnType: string, specs: unknown) => AuthRequest[];
  /** An existing resource, by id (its ARN and live tags); none for no id. */
  own: (id: unknown) => AuthRequest[];
}

export interface Ec2ResourceType {
  /** The id prefix (`vpce`) and the ARN's resource type (`vpc-endpoint`). */
  readonly prefix: string;
  readonly arnType: string;
  readonly operations: OperationTable;
  /** A live resource's tags by id (undefined when there is none). */
  tags(state: AccountState, id: string): Tags | undefined;
  /** A live resource by id, whose tags CreateTags and DeleteTags replace (undefined when there is none). */
  taggable(state: AccountState, id: string): { tags: Tags } | undefined;
  /** Per operation, its authorizations (the Service Authorization Reference's resource types). */
  readonly authorize: Readonly<
    Record<string, (input: Record<string, unknown>, auth: AuthHelpers) => AuthRequest[]>
  >;
  /** Routes it puts in a route table (shown by DescribeRouteTables). */
  routes?(ctx: SimContext, table: RouteTableRecord): Route[];
  /** Its part of the account's snapshot; empty when the account has none. */
  snapshot?(ctx: SimContext): Record<string, unknown>;
}
