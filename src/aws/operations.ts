/**
 * Every AWS operation fixed-ip calls, by service: the only file that names SDK command classes.
 * The port's methods, the IAM policy's action names and the simulator's contract are derived from
 * these tables, so an operation used anywhere is one line here.
 */
import {
  AllocateAddressCommand,
  AssociateNatGatewayAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteNatGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DescribeAccountAttributesCommand,
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateNatGatewayAddressCommand,
  DisassociateRouteTableCommand,
  ReleaseAddressCommand,
  ReplaceRouteCommand,
} from '@aws-sdk/client-ec2';
import { AttachRolePolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListFunctionsCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { CommandImpl } from '@smithy/core/client';

export const EC2_OPERATIONS = {
  AllocateAddress: AllocateAddressCommand,
  AssociateNatGatewayAddress: AssociateNatGatewayAddressCommand,
  AssociateRouteTable: AssociateRouteTableCommand,
  AttachInternetGateway: AttachInternetGatewayCommand,
  CreateInternetGateway: CreateInternetGatewayCommand,
  CreateNatGateway: CreateNatGatewayCommand,
  CreateRoute: CreateRouteCommand,
  CreateRouteTable: CreateRouteTableCommand,
  CreateSecurityGroup: CreateSecurityGroupCommand,
  CreateSubnet: CreateSubnetCommand,
  CreateTags: CreateTagsCommand,
  CreateVpc: CreateVpcCommand,
  DeleteInternetGateway: DeleteInternetGatewayCommand,
  DeleteNatGateway: DeleteNatGatewayCommand,
  DeleteRouteTable: DeleteRouteTableCommand,
  DeleteSecurityGroup: DeleteSecurityGroupCommand,
  DeleteSubnet: DeleteSubnetCommand,
  DeleteTags: DeleteTagsCommand,
  DeleteVpc: DeleteVpcCommand,
  DescribeAccountAttributes: DescribeAccountAttributesCommand,
  DescribeAddresses: DescribeAddressesCommand,
  DescribeAvailabilityZones: DescribeAvailabilityZonesCommand,
  DescribeInternetGateways: DescribeInternetGatewaysCommand,
  DescribeNatGateways: DescribeNatGatewaysCommand,
  DescribeNetworkInterfaces: DescribeNetworkInterfacesCommand,
  DescribeRouteTables: DescribeRouteTablesCommand,
  DescribeSecurityGroups: DescribeSecurityGroupsCommand,
  DescribeSubnets: DescribeSubnetsCommand,
  DescribeVpcs: DescribeVpcsCommand,
  DetachInternetGateway: DetachInternetGatewayCommand,
  DisassociateNatGatewayAddress: DisassociateNatGatewayAddressCommand,
  DisassociateRouteTable: DisassociateRouteTableCommand,
  ReleaseAddress: ReleaseAddressCommand,
  ReplaceRoute: ReplaceRouteCommand,
} as const;

export const LAMBDA_OPERATIONS = {
  CreateFunction: CreateFunctionCommand,
  DeleteFunction: DeleteFunctionCommand,
  Invoke: InvokeCommand,
  GetFunctionConfiguration: GetFunctionConfigurationCommand,
  ListFunctions: ListFunctionsCommand,
  UpdateFunctionConfiguration: UpdateFunctionConfigurationCommand,
} as const;

export const STS_OPERATIONS = { GetCallerIdentity: GetCallerIdentityCommand } as const;

export const IAM_OPERATIONS = {
  AttachRolePolicy: AttachRolePolicyCommand,
  SimulatePrincipalPolicy: SimulatePrincipalPolicyCommand,
} as const;

export const OPERATIONS = {
  ec2: EC2_OPERATIONS,
  lambda: LAMBDA_OPERATIONS,
  sts: STS_OPERATIONS,
  iam: IAM_OPERATIONS,
} as const;

export type Service = keyof typeof OPERATIONS;

/** `ec2:CreateVpc`: the IAM action of an operation. */
export type ActionOf<S extends Service> = `${S}:${keyof (typeof OPERATIONS)[S] & string}`;
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
