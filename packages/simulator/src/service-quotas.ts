/**
 * AWS Service Quotas: the account-level quotas the simulator enforces, each one value for the
 * account (AWS's default until an increase is granted: `AwsSimulator.setQuota`). EC2 reads them
 * through `quotaValue`, so a raised quota changes what EC2 accepts.
 *
 * - vpc L-FE5A380F "NAT gateways per Availability Zone" (5): zonal gateways pending, available or
 *   deleting in a zone (ec2/nat-gateways.ts).
 * - vpc L-5F53652F "Elastic IP addresses per public NAT gateway" (2, AWS grants up to 8): a zonal
 *   gateway's addresses, a regional gateway's addresses in one zone (ec2/nat-gateways.ts,
 *   ec2/regional-nat-gateways.ts).
 * - ec2 L-0263D0A3 "EC2-VPC Elastic IPs" (5): the region's Elastic IPs (ec2/addresses.ts).
 *
 * GetServiceQuota answers the applied value (the default when never raised), GetAWSDefaultServiceQuota
 * the default; an unknown service or quota code is NoSuchResourceException. Source: AWS's "Amazon
 * VPC quotas" and "Amazon EC2 service quotas" pages. IAM: `servicequotas:GetServiceQuota` and
 * `servicequotas:GetAWSDefaultServiceQuota` on `*`.
 */
import type { ServiceQuota } from '@aws-sdk/client-service-quotas';
import type { SimContext } from './context.js';
import { serviceQuotasError } from './errors.js';
import type { AccountState } from './model.js';

export interface QuotaDefinition {
  serviceCode: string;
  serviceName: string;
  quotaCode: string;
  quotaName: string;
  defaultValue: number;
  adjustable: boolean;
  /** The most AWS grants, where it says (undefined: no documented ceiling). */
  ceiling?: number;
}

const VPC = 'Amazon Virtual Private Cloud (Amazon VPC)';
const EC2 = 'Amazon Elastic Compute Cloud (Amazon EC2)';

/** Every quota the simulator models. */
export const QUOTAS = {
  natGatewaysPerZone: {
    serviceCode: 'vpc',
    serviceName: VPC,
    quotaCode: 'L-FE5A380F',
    quotaName: 'NAT gateways per Availability Zone',
    defaultValue: 5,
    adjustable: true,
  },
  addressesPerNatGateway: {
    serviceCode: 'vpc',
    serviceName: VPC,
    quotaCode: 'L-5F53652F',
    quotaName: 'Elastic IP addresses per public NAT gateway',
    defaultValue: 2,
    adjustable: true,
    ceiling: 8,
  },
  elasticIps: {
    serviceCode: 'ec2',
    serviceName: EC2,
    quotaCode: 'L-0263D0A3',
    quotaName: 'EC2-VPC Elastic IPs',
    defaultValue: 5,
    adjustable: true,
  },
} as const satisfies Record<string, QuotaDefinition>;

// The account keeps the quotas raised for it here, by `<service code>/<quota code>` (absent until one is).
declare module './model.js' {
  interface AccountState {
    serviceQuotas?: Record<string, number>;
  }
}

const keyOf = (quota: QuotaDefinition): string => `${quota.serviceCode}/${quota.quotaCode}`;

function findQuota(serviceCode: string, quotaCode: string): QuotaDefinition | undefined {
  return Object.values(QUOTAS).find((q) => q.serviceCode === serviceCode && q.quotaCode === quotaCode);
}

/** The quota's applied value for this account: raised, or AWS's default. */
export function quotaValue(state: AccountState, quota: QuotaDefinition): number {
  return state.serviceQuotas?.[keyOf(quota)] ?? quota.defaultValue;
}

/**
 * Sets a quota's applied value, as if AWS had granted an increase. Refuses a quota the simulator
 * does not model, a value that is not a whole number at least the default (an increase cannot
 * lower a quota), and one above AWS's ceiling.
 */
export function raiseQuota(state: AccountState, serviceCode: string, quotaCode: string, value: number): void {
  const quota = findQuota(serviceCode, quotaCode);
  if (!quota) {
    const known = Object.values(QUOTAS)
      .map((q) => keyOf(q))
      .join(', ');
    throw new RangeError(
      `setQuota: the simulator does not model ${serviceCode}/${quotaCode} (it models ${known})`,
    );
  }
  if (!Number.isInteger(value) || value < quota.defaultValue)
    throw new RangeError(
      `setQuota: ${quota.quotaName} must be a whole number of at least its default ${quota.defaultValue}, not ${value}`,
    );
  if (quota.ceiling !== undefined && value > quota.ceiling)
    throw new RangeError(
      `setQuota: AWS grants at most ${quota.ceiling} for ${quota.quotaName}, not ${value}`,
    );
  state.serviceQuotas = { ...state.serviceQuotas, [keyOf(quota)]: value };
}

interface Input {
  ServiceCode?: string;
  QuotaCode?: string;
}

function requireQuota(input: Input): QuotaDefinition {
  // Uncertain: AWS's answer for a missing code; the SDK's model marks both required.
  if (!input.ServiceCode) throw serviceQuotasError('IllegalArgumentException', 'ServiceCode is required.');
  if (!input.QuotaCode) throw serviceQuotasError('IllegalArgumentException', 'QuotaCode is required.');
  if (!Object.values(QUOTAS).some((q) => q.serviceCode === input.ServiceCode))
    throw serviceQuotasError(
      'NoSuchResourceException',
      'The request failed because the specified service does not exist.',
    );
  const quota = findQuota(input.ServiceCode, input.QuotaCode);
  if (!quota)
    throw serviceQuotasError(
      'NoSuchResourceException',
      'The request failed because the specified quota does not exist.',
    );
  return quota;
}

function shown(ctx: SimContext, quota: QuotaDefinition, account: string, value: number): ServiceQuota {
  return {
    ServiceCode: quota.serviceCode,
    ServiceName: quota.serviceName,
    QuotaArn: `arn:aws:servicequotas:${ctx.state.region}:${account}:${keyOf(quota)}`,
    QuotaCode: quota.quotaCode,
    QuotaName: quota.quotaName,
    Value: value,
    Unit: 'None',
    Adjustable: quota.adjustable,
    GlobalQuota: false,
  };
}

export const serviceQuotasOperations = {
  GetServiceQuota(ctx: SimContext, input: Input): object {
    const quota = requireQuota(input);
    return { Quota: shown(ctx, quota, ctx.state.accountId, quotaValue(ctx.state, quota)) };
  },

  /** AWS's default: its ARN names no account. */
  GetAWSDefaultServiceQuota(ctx: SimContext, input: Input): object {
    const quota = requireQuota(input);
    return { Quota: shown(ctx, quota, '', quota.defaultValue) };
  },
};

/** The quotas raised for the account, only when there are some (older pictures stay equal). */
export function serviceQuotasSnapshot(ctx: SimContext): Record<string, unknown> {
  const raised = ctx.state.serviceQuotas ?? {};
  return Object.keys(raised).length === 0
    ? {}
    : {
        serviceQuotas: Object.fromEntries(Object.entries(raised).sort(([a], [b]) => a.localeCompare(b))),
      };
}
