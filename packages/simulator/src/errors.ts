/**
 * Errors shaped exactly as the SDK delivers AWS's: the service's exception class, AWS's code as
 * `name`, its wording as `message`, and `$metadata.httpStatusCode`, because the code under test and
 * the SDK's retry policy both decide on those fields.
 */
import type { SimService } from './contract.js';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  IAMServiceException,
  InvalidInputException,
  LimitExceededException,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  ServiceFailureException,
} from '@aws-sdk/client-iam';
import {
  InvalidParameterValueException,
  LambdaServiceException,
  ResourceConflictException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { SSMServiceException } from '@aws-sdk/client-ssm';
import { STSServiceException } from '@aws-sdk/client-sts';
import { AutoScalingServiceException } from '@aws-sdk/client-auto-scaling';
import {
  AccessDeniedException as BudgetsAccessDeniedException,
  BudgetsServiceException,
  CreationLimitExceededException,
  DuplicateRecordException,
  InternalErrorException,
  InvalidParameterException,
  NotFoundException,
  ThrottlingException as BudgetsThrottlingException,
} from '@aws-sdk/client-budgets';
import {
  CloudWatchServiceException,
  InternalServiceFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException as CloudWatchInvalidParameterValueException,
  MissingRequiredParameterException,
  ValidationException as CloudWatchValidationException,
} from '@aws-sdk/client-cloudwatch';
import {
  CostExplorerServiceException,
  DataUnavailableException,
  InvalidNextTokenException,
  LimitExceededException as CostExplorerLimitExceededException,
} from '@aws-sdk/client-cost-explorer';
import * as ecsExceptions from '@aws-sdk/client-ecs';
import {
  AccessDeniedException as ServiceQuotasAccessDeniedException,
  IllegalArgumentException,
  NoSuchResourceException,
  ServiceException as ServiceQuotasServerException,
  ServiceQuotasServiceException,
  TooManyRequestsException as ServiceQuotasTooManyRequestsException,
} from '@aws-sdk/client-service-quotas';
import { newRequestId } from './ids.js';

function metadata(httpStatusCode: number): {
  httpStatusCode: number;
  requestId: string;
  attempts: number;
  totalRetryDelay: number;
} {
  return { httpStatusCode, requestId: newRequestId(), attempts: 1, totalRetryDelay: 0 };
}

function faultOf(status: number): 'client' | 'server' {
  return status >= 500 ? 'server' : 'client';
}

/** AWS's EC2 error codes the simulator raises, so callers can match them without magic strings. */
export const Ec2ErrorCode = {
  invalidParameterValue: 'InvalidParameterValue',
  invalidParameterCombination: 'InvalidParameterCombination',
  missingParameter: 'MissingParameter',
  invalidFilter: 'InvalidParameterValue',
  alreadyAssociated: 'Resource.AlreadyAssociated',
  operationInProgress: 'OperationInProgress',
  subnetConflict: 'InvalidSubnet.Conflict',
  subnetRange: 'InvalidSubnet.Range',
  vpcRange: 'InvalidVpc.Range',
  vpcLimit: 'VpcLimitExceeded',
  routeAlreadyExists: 'RouteAlreadyExists',
  routeNotFound: 'InvalidRoute.NotFound',
  dependencyViolation: 'DependencyViolation',
  cannotDelete: 'CannotDelete',
  addressInUse: 'InvalidIPAddress.InUse',
  gatewayNotAttached: 'Gateway.NotAttached',
  vpcNotFound: 'InvalidVpcID.NotFound',
  subnetNotFound: 'InvalidSubnetID.NotFound',
  allocationNotFound: 'InvalidAllocationID.NotFound',
  addressNotFound: 'InvalidAddress.NotFound',
  internetGatewayNotFound: 'InvalidInternetGatewayID.NotFound',
  routeTableNotFound: 'InvalidRouteTableID.NotFound',
  groupNotFound: 'InvalidGroup.NotFound',
  groupIdMalformed: 'InvalidGroupId.Malformed',
  groupDuplicate: 'InvalidGroup.Duplicate',
  tagLimitExceeded: 'TagLimitExceeded',
  natGatewayIdNotFound: 'InvalidNatGatewayID.NotFound',
  /** A zone holding as many NAT gateways as the quota "NAT gateways per Availability Zone" allows. */
  natGatewayLimitExceeded: 'NatGatewayLimitExceeded',
  /** What DescribeNatGateways and DeleteNatGateway say for an unknown id (the SDK's waiters test it). */
  natGatewayNotFound: 'NatGatewayNotFound',
  networkInterfaceNotFound: 'InvalidNetworkInterfaceID.NotFound',
  associationNotFound: 'InvalidAssociationID.NotFound',
  networkInterfaceInUse: 'InvalidNetworkInterface.InUse',
  instanceNotFound: 'InvalidInstanceID.NotFound',
  volumeNotFound: 'InvalidVolume.NotFound',
  incorrectInstanceState: 'IncorrectInstanceState',
  amiNotFound: 'InvalidAMIID.NotFound',
  unsupported: 'Unsupported',
  permissionDuplicate: 'InvalidPermission.Duplicate',
  permissionNotFound: 'InvalidPermission.NotFound',
  authFailure: 'AuthFailure',
  insufficientFreeAddresses: 'InsufficientFreeAddressesInSubnet',
  idempotentParameterMismatch: 'IdempotentParameterMismatch',
  addressLimitExceeded: 'AddressLimitExceeded',
  ipamPoolNotFound: 'InvalidIpamPoolId.NotFound',
  publicIpv4PoolNotFound: 'InvalidPublicIpv4PoolID.NotFound',
  /** A pool with no free address left. Uncertain: AWS's exact code for an exhausted pool. */
  insufficientAddressCapacity: 'InsufficientAddressCapacity',
  dryRunOperation: 'DryRunOperation',
  unauthorizedOperation: 'UnauthorizedOperation',
  requestLimitExceeded: 'RequestLimitExceeded',
  internalError: 'InternalError',
  invalidAction: 'InvalidAction',
  vpcEndpointNotFound: 'InvalidVpcEndpointId.NotFound',
  invalidServiceName: 'InvalidServiceName',
  attachmentNotFound: 'InvalidAttachmentID.NotFound',
  attachmentLimitExceeded: 'AttachmentLimitExceeded',
  operationNotPermitted: 'OperationNotPermitted',
  launchTemplateIdNotFound: 'InvalidLaunchTemplateId.NotFound',
  launchTemplateNameNotFound: 'InvalidLaunchTemplateName.NotFoundException',
  launchTemplateNameExists: 'InvalidLaunchTemplateName.AlreadyExistsException',
  launchTemplateVersionNotFound: 'InvalidLaunchTemplateId.VersionNotFound',
} as const;
export type Ec2ErrorCode = (typeof Ec2ErrorCode)[keyof typeof Ec2ErrorCode];

export function ec2Error(code: Ec2ErrorCode, message: string, httpStatusCode = 400): EC2ServiceException {
  const error = new EC2ServiceException({
    name: code,
    $fault: faultOf(httpStatusCode),
    $metadata: metadata(httpStatusCode),
    message,
  });
  // The SDK's EC2 deserializer also exposes the code as `Code`.
  return Object.assign(error, { Code: code });
}

export function ec2InvalidParameter(message: string): EC2ServiceException {
  return ec2Error(Ec2ErrorCode.invalidParameterValue, message);
}

export function ec2MissingParameter(name: string): EC2ServiceException {
  return ec2Error(Ec2ErrorCode.missingParameter, `The request must contain the parameter ${name}`);
}

export function ec2DependencyViolation(message: string): EC2ServiceException {
  return ec2Error(Ec2ErrorCode.dependencyViolation, message);
}

/** AWS names every missing id at once: "The vpc ID 'vpc-1' does not exist" / "The vpc IDs '…' do not exist". */
export function ec2NotFound(code: Ec2ErrorCode, noun: string, ids: readonly string[]): EC2ServiceException {
  const message =
    ids.length === 1
      ? `The ${noun} ID '${ids[0]}' does not exist`
      : `The ${noun} IDs '${ids.join(', ')}' do not exist`;
  return ec2Error(code, message);
}

type LambdaClientError =
  | 'InvalidParameterValueException'
  | 'ResourceNotFoundException'
  | 'ResourceConflictException'
  | 'AccessDeniedException'
  | 'ValidationException';

export function lambdaError(kind: LambdaClientError, message: string): LambdaServiceException {
  const options = { message, Type: 'User', Message: message };
  switch (kind) {
    case 'InvalidParameterValueException':
      return new InvalidParameterValueException({ ...options, $metadata: metadata(400) });
    case 'ResourceNotFoundException':
      return new ResourceNotFoundException({ ...options, $metadata: metadata(404) });
    case 'ResourceConflictException':
      return new ResourceConflictException({ ...options, $metadata: metadata(409) });
    case 'ValidationException':
      return new LambdaServiceException({
        name: 'ValidationException',
        $fault: 'client',
        $metadata: metadata(400),
        message,
      });
    case 'AccessDeniedException':
      return new LambdaServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: metadata(403),
        message,
      });
  }
}

/** SSM's errors: ParameterNotFound, ThrottlingException… as the SDK's SSMServiceException. */
export function ssmError(name: string, message: string, httpStatusCode = 400): SSMServiceException {
  return new SSMServiceException({
    name,
    $fault: faultOf(httpStatusCode),
    $metadata: metadata(httpStatusCode),
    message,
  });
}

export function iamNoSuchEntity(message: string): IAMServiceException {
  return new NoSuchEntityException({ message, $metadata: metadata(404) });
}

/**
 * IAM's modelled errors as the SDK delivers them: the exception's name (`DeleteConflictException`)
 * and AWS's code as `Code` (`DeleteConflict`), which is what the SDK's query-protocol parser gives.
 */
export function iamError(
  code: 'EntityAlreadyExists' | 'DeleteConflict' | 'MalformedPolicyDocument' | 'LimitExceeded',
  message: string,
): IAMServiceException {
  const status = code === 'MalformedPolicyDocument' ? 400 : 409;
  const options = { message, $metadata: metadata(status) };
  const error =
    code === 'EntityAlreadyExists'
      ? new EntityAlreadyExistsException(options)
      : code === 'DeleteConflict'
        ? new DeleteConflictException(options)
        : code === 'LimitExceeded'
          ? new LimitExceededException(options)
          : new MalformedPolicyDocumentException(options);
  return Object.assign(error, { Code: code });
}

export function iamInvalidInput(message: string): IAMServiceException {
  return new InvalidInputException({ message, $metadata: metadata(400) });
}

/** Throttling as each service spells it; all of them are what the SDK's retry policy calls throttling. */
export function throttlingError(service: SimService): Error {
  switch (service) {
    case 'ec2':
      return ec2Error(Ec2ErrorCode.requestLimitExceeded, 'Request limit exceeded.', 503);
    case 'lambda':
      return new TooManyRequestsException({
        message: 'Rate exceeded',
        Type: 'User',
        Reason: 'CallerRateLimitExceeded',
        retryAfterSeconds: '1',
        $metadata: metadata(429),
      });
    case 'iam':
      return new IAMServiceException({
        name: 'Throttling',
        $fault: 'client',
        $metadata: metadata(400),
        message: 'Rate exceeded',
      });
    case 'sts':
      return new STSServiceException({
        name: 'Throttling',
        $fault: 'client',
        $metadata: metadata(400),
        message: 'Rate exceeded',
      });
    case 'ssm':
      return ssmError('ThrottlingException', 'Rate exceeded', 400);
    case 'autoscaling':
      return autoscalingError('Throttling', 'Rate exceeded', 400);
    case 'cloudwatch':
      return cloudwatchError('Throttling', 'Rate exceeded', 400);
    case 'ce':
      return costExplorerError(
        'LimitExceededException',
        'You have exceeded the rate limit for this operation.',
      );
    case 'budgets':
      return budgetsError('ThrottlingException', 'Rate exceeded');
    case 'ecs':
      return ecsError('ThrottlingException', 'Rate exceeded');
    case 'servicequotas':
      return serviceQuotasError('TooManyRequestsException', 'Rate exceeded');
  }
}

export function serverError(service: SimService): Error {
  switch (service) {
    case 'ec2':
      return ec2Error(Ec2ErrorCode.internalError, 'An internal error has occurred', 500);
    case 'lambda':
      return new ServiceException({
        message: 'An internal error occurred.',
        Type: 'Service',
        $metadata: metadata(500),
      });
    case 'iam':
      return new ServiceFailureException({
        message: 'An internal error occurred.',
        $metadata: metadata(500),
      });
    case 'sts':
      return new STSServiceException({
        name: 'InternalError',
        $fault: 'server',
        $metadata: metadata(500),
        message: 'An internal error occurred.',
      });
    case 'ssm':
      return ssmError('InternalServerError', 'An internal error occurred.', 500);
    case 'autoscaling':
      return autoscalingError('InternalFailure', 'An internal error occurred.', 500);
    case 'cloudwatch':
      return cloudwatchError('InternalServiceError', 'An internal error occurred.', 500);
    case 'ce':
      return costExplorerError('InternalFailure', 'An internal error occurred.', 500);
    case 'budgets':
      return budgetsError('InternalErrorException', 'An internal error occurred.');
    case 'ecs':
      return ecsError('ServerException', 'Service Unavailable. Please try again later.');
    case 'servicequotas':
      return serviceQuotasError('ServiceException', 'An internal error occurred.');
  }
}

/** A connection reset: no AWS error at all, which the SDK's standard retry treats as transient. */
export function networkError(): Error {
  return Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET', $metadata: {} });
}

export function callerArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:user/simulated`;
}

export function accessDenied(service: SimService, action: string, accountId: string): Error {
  const user = callerArn(accountId);
  switch (service) {
    case 'ec2':
      return ec2Error(
        Ec2ErrorCode.unauthorizedOperation,
        `You are not authorized to perform this operation. User: ${user} is not authorized to perform: ${action}`,
        403,
      );
    case 'lambda':
      return new LambdaServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: metadata(403),
        message: `User: ${user} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
      });
    case 'iam':
      return new IAMServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: metadata(403),
        message: `User: ${user} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
      });
    case 'sts':
      return new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: metadata(403),
        message: `User: ${user} is not authorized to perform: ${action}`,
      });
    case 'ssm':
      return ssmError(
        'AccessDeniedException',
        `User: ${user} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
        400,
      );
    case 'autoscaling':
      return autoscalingError('AccessDenied', `User: ${user} is not authorized to perform: ${action}`, 403);
    case 'cloudwatch':
      return cloudwatchError(
        'AccessDenied',
        `User: ${user} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
        403,
      );
    case 'ce':
      return costExplorerError(
        'AccessDeniedException',
        `User: ${user} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
      );
    case 'budgets':
      return budgetsError(
        'AccessDeniedException',
        `User: ${user} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
      );
    case 'ecs':
      return ecsError(
        'AccessDeniedException',
        `User: ${user} is not authorized to perform: ${action} on resource: * because no identity-based policy allows the ${action} action`,
      );
    case 'servicequotas':
      return serviceQuotasError(
        'AccessDeniedException',
        `User: ${user} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
      );
  }
}

export function dryRunSucceeded(): Error {
  return ec2Error(Ec2ErrorCode.dryRunOperation, 'Request would have succeeded, but DryRun flag is set.', 412);
}

export function unsupportedOperation(service: SimService, operation: string): Error {
  const message = `The action ${operation} is not valid for this web service (the simulator does not model it).`;
  switch (service) {
    case 'ec2':
      return ec2Error(Ec2ErrorCode.invalidAction, message);
    case 'lambda':
      return new LambdaServiceException({
        name: 'InvalidAction',
        $fault: 'client',
        $metadata: metadata(400),
        message,
      });
    case 'iam':
      return new IAMServiceException({
        name: 'InvalidAction',
        $fault: 'client',
        $metadata: metadata(400),
        message,
      });
    case 'sts':
      return new STSServiceException({
        name: 'InvalidAction',
        $fault: 'client',
        $metadata: metadata(400),
        message,
      });
    case 'ssm':
      return ssmError('InvalidAction', message, 400);
    case 'autoscaling':
      return autoscalingError('InvalidAction', message, 400);
    case 'cloudwatch':
      return cloudwatchError('InvalidAction', message, 400);
    case 'ce':
      return costExplorerError('UnknownOperationException', message);
    case 'budgets':
      return budgetsError('UnknownOperationException', message);
    case 'ecs':
      return ecsError('UnknownOperationException', message);
    case 'servicequotas':
      return serviceQuotasError('UnknownOperationException', message);
  }
}

/** An Auto Scaling error (awsQuery, like IAM's). */
export function autoscalingError(name: string, message: string, status: number): AutoScalingServiceException {
  return new AutoScalingServiceException({
    name,
    $fault: faultOf(status),
    $metadata: metadata(status),
    message,
  });
}

/** CloudWatch's codes (awsQuery's, which its JSON protocol still sends) and the SDK's exception for each. */
const CLOUDWATCH_EXCEPTIONS = {
  InvalidParameterValue: CloudWatchInvalidParameterValueException,
  InvalidParameterCombination: InvalidParameterCombinationException,
  MissingParameter: MissingRequiredParameterException,
  ValidationError: CloudWatchValidationException,
  InternalServiceError: InternalServiceFault,
} as const;

type ErrorOptions = { message: string; Message?: string; $metadata: ReturnType<typeof metadata> };
type ErrorClass = new (options: ErrorOptions) => Error;

/**
 * A CloudWatch error as the SDK builds it from AWS's answer (JSON with awsQueryCompatible): the
 * exception the code names (`InvalidParameterValueException` for `InvalidParameterValue`), AWS's
 * code as `Code` and its fault as `Type`.
 */
export function cloudwatchError(
  code: keyof typeof CLOUDWATCH_EXCEPTIONS | 'Throttling' | 'AccessDenied' | 'InvalidAction',
  message: string,
  status = 400,
): CloudWatchServiceException {
  const modelled = (CLOUDWATCH_EXCEPTIONS as Partial<Record<string, ErrorClass>>)[code];
  const error = modelled
    ? new modelled({ message, $metadata: metadata(status) })
    : new CloudWatchServiceException({
        name: code,
        $fault: faultOf(status),
        $metadata: metadata(status),
        message,
      });
  return Object.assign(error as CloudWatchServiceException, {
    Code: code,
    Type: status >= 500 ? 'Receiver' : 'Sender',
  });
}

function jsonError<E extends Error>(
  modelled: Partial<Record<string, ErrorClass>>,
  base: new (options: ConstructorParameters<typeof BudgetsServiceException>[0]) => E,
  name: string,
  message: string,
  status: number,
): E {
  const known = modelled[name];
  if (known) return new known({ message, Message: message, $metadata: metadata(status) }) as unknown as E;
  return new base({ name, $fault: faultOf(status), $metadata: metadata(status), message });
}

const COST_EXPLORER_EXCEPTIONS: Partial<Record<string, ErrorClass>> = {
  DataUnavailableException,
  InvalidNextTokenException,
  LimitExceededException: CostExplorerLimitExceededException,
};

/** Cost Explorer's errors (awsJson1_1): modelled ones as their class, `ValidationException` as the service's. */
export function costExplorerError(name: string, message: string, status = 400): CostExplorerServiceException {
  return jsonError(COST_EXPLORER_EXCEPTIONS, CostExplorerServiceException, name, message, status);
}

const BUDGETS_EXCEPTIONS: Record<string, { type: ErrorClass; status: number }> = {
  AccessDeniedException: { type: BudgetsAccessDeniedException, status: 403 },
  CreationLimitExceededException: { type: CreationLimitExceededException, status: 405 },
  DuplicateRecordException: { type: DuplicateRecordException, status: 409 },
  InternalErrorException: { type: InternalErrorException, status: 500 },
  InvalidParameterException: { type: InvalidParameterException, status: 400 },
  NotFoundException: { type: NotFoundException, status: 404 },
  ThrottlingException: { type: BudgetsThrottlingException, status: 400 },
};

/** AWS Budgets' errors (awsJson1_1), with the HTTP status its model gives each. */
export function budgetsError(name: string, message: string): BudgetsServiceException {
  const known = BUDGETS_EXCEPTIONS[name];
  return jsonError(
    Object.fromEntries(Object.entries(BUDGETS_EXCEPTIONS).map(([key, value]) => [key, value.type])),
    BudgetsServiceException,
    name,
    message,
    known?.status ?? 400,
  );
}

/**
 * Amazon ECS's errors (awsJson1_1): its modelled exceptions as their SDK class, the rest (the
 * unmodelled ThrottlingException) as the service's. AWS answers every one with 400 but
 * ServerException (500).
 */
export function ecsError(name: string, message: string): ecsExceptions.ECSServiceException {
  const modelled = (ecsExceptions as unknown as Record<string, unknown>)[name];
  const known =
    typeof modelled === 'function' && name.endsWith('Exception') && name !== 'ECSServiceException'
      ? (modelled as ErrorClass)
      : undefined;
  return jsonError(
    known ? { [name]: known } : {},
    ecsExceptions.ECSServiceException,
    name,
    message,
    name === 'ServerException' ? 500 : 400,
  );
}

const SERVICE_QUOTAS_EXCEPTIONS: Record<string, { type: ErrorClass; status: number }> = {
  AccessDeniedException: { type: ServiceQuotasAccessDeniedException, status: 403 },
  IllegalArgumentException: { type: IllegalArgumentException, status: 400 },
  NoSuchResourceException: { type: NoSuchResourceException, status: 404 },
  ServiceException: { type: ServiceQuotasServerException, status: 500 },
  TooManyRequestsException: { type: ServiceQuotasTooManyRequestsException, status: 429 },
};

/** Service Quotas' errors (awsJson1_1): its modelled exceptions as their SDK class, with their model's status. */
export function serviceQuotasError(name: string, message: string): ServiceQuotasServiceException {
  const known = SERVICE_QUOTAS_EXCEPTIONS[name];
  return jsonError(
    Object.fromEntries(Object.entries(SERVICE_QUOTAS_EXCEPTIONS).map(([key, value]) => [key, value.type])),
    ServiceQuotasServiceException,
    name,
    message,
    known?.status ?? 400,
  );
}
