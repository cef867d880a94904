/**
 * Every AWS operation fixed-ip calls, by service: with iam.ts and ssm.ts beside it (IAM's and
 * SSM's, loaded on their first call), the only files that name SDK command classes. The port's
 * methods, the IAM policy's action names and the simulator's contract are derived from these
 * tables, so an operation used anywhere is one line here.
 */
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AssociateNatGatewayAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AttachNetworkInterfaceCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
  CreateNatGatewayCommand,
  CreateVpcEndpointCommand,
  DeleteVpcEndpointsCommand,
  DescribeVpcEndpointsCommand,
  ModifyVpcEndpointCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteNatGatewayCommand,
  DeleteNetworkInterfaceCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DescribeAccountAttributesCommand,
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeIpamPoolsCommand,
  DescribePublicIpv4PoolsCommand,
  GetIpamPoolAllocationsCommand,
  GetIpamPoolCidrsCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DetachNetworkInterfaceCommand,
  DisassociateAddressCommand,
  DisassociateNatGatewayAddressCommand,
  DisassociateRouteTableCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReleaseAddressCommand,
  ReplaceRouteCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListFunctionsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { CommandImpl } from '@smithy/core/client';
import type { AUTOSCALING_OPERATIONS } from './autoscaling.js';
import type { BUDGETS_OPERATIONS } from './budgets.js';
import type { CE_OPERATIONS } from './cost-explorer.js';
import type { CLOUDWATCH_OPERATIONS } from './cloudwatch.js';
import type { ECS_OPERATIONS } from './ecs.js';
import type { IAM_OPERATIONS } from './iam.js';
import type { SERVICEQUOTAS_OPERATIONS } from './service-quotas.js';
import type { SSM_OPERATIONS } from './ssm.js';

export type {
  AUTOSCALING_OPERATIONS,
  BUDGETS_OPERATIONS,
  CE_OPERATIONS,
  CLOUDWATCH_OPERATIONS,
  ECS_OPERATIONS,
  IAM_OPERATIONS,
  SERVICEQUOTAS_OPERATIONS,
  SSM_OPERATIONS,
};

export const EC2_OPERATIONS = {
  AllocateAddress: AllocateAddressCommand,
  AssociateAddress: AssociateAddressCommand,
  AssociateNatGatewayAddress: AssociateNatGatewayAddressCommand,
  AssociateRouteTable: AssociateRouteTableCommand,
  AttachInternetGateway: AttachInternetGatewayCommand,
  AttachNetworkInterface: AttachNetworkInterfaceCommand,
  AuthorizeSecurityGroupIngress: AuthorizeSecurityGroupIngressCommand,
  CreateInternetGateway: CreateInternetGatewayCommand,
  // A NAT instance's launch template with --ha (src/kinds/nat-launch-template.ts).
  CreateLaunchTemplate: CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersion: CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplate: DeleteLaunchTemplateCommand,
  DescribeLaunchTemplates: DescribeLaunchTemplatesCommand,
  // What a version holds, for export.
  DescribeLaunchTemplateVersions: DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplate: ModifyLaunchTemplateCommand,
  CreateNatGateway: CreateNatGatewayCommand,
  // Gateway VPC endpoints (src/kinds/gateway-endpoint.ts).
  CreateVpcEndpoint: CreateVpcEndpointCommand,
  DeleteVpcEndpoints: DeleteVpcEndpointsCommand,
  DescribeVpcEndpoints: DescribeVpcEndpointsCommand,
  ModifyVpcEndpoint: ModifyVpcEndpointCommand,
  CreateNetworkInterface: CreateNetworkInterfaceCommand,
  CreateRoute: CreateRouteCommand,
  CreateRouteTable: CreateRouteTableCommand,
  CreateSecurityGroup: CreateSecurityGroupCommand,
  CreateSubnet: CreateSubnetCommand,
  CreateTags: CreateTagsCommand,
  CreateVpc: CreateVpcCommand,
  DeleteInternetGateway: DeleteInternetGatewayCommand,
  DeleteNatGateway: DeleteNatGatewayCommand,
  DeleteNetworkInterface: DeleteNetworkInterfaceCommand,
  DeleteRouteTable: DeleteRouteTableCommand,
  DeleteSecurityGroup: DeleteSecurityGroupCommand,
  DeleteSubnet: DeleteSubnetCommand,
  // fixed-ip forget: its tags off what it hands over.
  DeleteTags: DeleteTagsCommand,
  DeleteVpc: DeleteVpcCommand,
  DescribeAccountAttributes: DescribeAccountAttributesCommand,
  DescribeAddresses: DescribeAddressesCommand,
  DescribeAvailabilityZones: DescribeAvailabilityZonesCommand,
  DescribeImages: DescribeImagesCommand,
  DescribeInstanceStatus: DescribeInstanceStatusCommand,
  DescribeInstanceTypeOfferings: DescribeInstanceTypeOfferingsCommand,
  DescribeInstances: DescribeInstancesCommand,
  DescribeInternetGateways: DescribeInternetGatewaysCommand,
  // --eip-pool: the pool new Elastic IPs come from (src/kinds/eip-pool.ts).
  DescribeIpamPools: DescribeIpamPoolsCommand,
  DescribePublicIpv4Pools: DescribePublicIpv4PoolsCommand,
  // An IPAM pool's free addresses: its provisioned CIDRs less its allocations.
  GetIpamPoolAllocations: GetIpamPoolAllocationsCommand,
  GetIpamPoolCidrs: GetIpamPoolCidrsCommand,
  DescribeNatGateways: DescribeNatGatewaysCommand,
  DescribeNetworkInterfaces: DescribeNetworkInterfacesCommand,
  DescribeRouteTables: DescribeRouteTablesCommand,
  DescribeSecurityGroups: DescribeSecurityGroupsCommand,
  DescribeSubnets: DescribeSubnetsCommand,
  DescribeVpcs: DescribeVpcsCommand,
  DetachInternetGateway: DetachInternetGatewayCommand,
  DetachNetworkInterface: DetachNetworkInterfaceCommand,
  DisassociateAddress: DisassociateAddressCommand,
  DisassociateNatGatewayAddress: DisassociateNatGatewayAddressCommand,
  DisassociateRouteTable: DisassociateRouteTableCommand,
  ModifyNetworkInterfaceAttribute: ModifyNetworkInterfaceAttributeCommand,
  ReleaseAddress: ReleaseAddressCommand,
  ReplaceRoute: ReplaceRouteCommand,
  RevokeSecurityGroupIngress: RevokeSecurityGroupIngressCommand,
  RunInstances: RunInstancesCommand,
  TerminateInstances: TerminateInstancesCommand,
} as const;

export const LAMBDA_OPERATIONS = {
  CreateFunction: CreateFunctionCommand,
  DeleteFunction: DeleteFunctionCommand,
  Invoke: InvokeCommand,
  GetFunction: GetFunctionCommand,
  GetFunctionConfiguration: GetFunctionConfigurationCommand,
  ListAliases: ListAliasesCommand,
  ListFunctions: ListFunctionsCommand,
  TagResource: TagResourceCommand,
  UntagResource: UntagResourceCommand,
  UpdateFunctionConfiguration: UpdateFunctionConfigurationCommand,
} as const;

export const STS_OPERATIONS = { GetCallerIdentity: GetCallerIdentityCommand } as const;

/** The services every command calls; IAM's and SSM's tables come with their clients (clients.ts). */
export const OPERATIONS = {
  ec2: EC2_OPERATIONS,
  lambda: LAMBDA_OPERATIONS,
  sts: STS_OPERATIONS,
} as const;

interface Tables {
  ec2: typeof EC2_OPERATIONS;
  lambda: typeof LAMBDA_OPERATIONS;
  sts: typeof STS_OPERATIONS;
  iam: typeof IAM_OPERATIONS;
  ssm: typeof SSM_OPERATIONS;
  autoscaling: typeof AUTOSCALING_OPERATIONS;
  cloudwatch: typeof CLOUDWATCH_OPERATIONS;
  ce: typeof CE_OPERATIONS;
  budgets: typeof BUDGETS_OPERATIONS;
  ecs: typeof ECS_OPERATIONS;
  servicequotas: typeof SERVICEQUOTAS_OPERATIONS;
}

export type Service = keyof Tables;

/** `ec2:CreateVpc`: the IAM action of an operation. */
export type ActionOf<S extends Service> = `${S}:${keyof Tables[S] & string}`;
export type Action = { [S in Service]: ActionOf<S> }[Service];

/* eslint-disable @typescript-eslint/no-explicit-any -- matching any SDK command's generic parameters */
export type AnyCommand = new (...args: any[]) => CommandImpl<any, any, any, any, any>;
type InputOf<C extends AnyCommand> =
  InstanceType<C> extends CommandImpl<infer I, any, any, any, any> ? I : never;
type OutputOf<C extends AnyCommand> =
  InstanceType<C> extends CommandImpl<any, infer O, any, any, any> ? O : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** One method per operation: `ec2.CreateVpc(input)`. */
export type OperationsPort<T extends Record<string, AnyCommand>> = {
  readonly [K in keyof T]: (input: InputOf<T[K]>) => Promise<OutputOf<T[K]>>;
};
