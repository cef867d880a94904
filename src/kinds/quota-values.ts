import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import type { PolicyGrant } from '../model/kind.js';

/**
 * A quota of the account that Service Quotas holds (AWS's "Amazon VPC quotas" page): its codes,
 * its name as the console shows it, and AWS's default (the least an account has).
 */
export interface QuotaSpec {
  serviceCode: string;
  quotaCode: string;
  name: string;
  default: number;
}

/**
 * "Elastic IP addresses per public NAT gateway": 2, raised up to 8 for a zonal gateway. A regional
 * gateway is held to it zone by zone (AWS documents its ceiling per zone, 32; the Terraform AWS
 * provider's acceptance tests put 4 addresses on one regional gateway at 2 per zone).
 */
export const NAT_ADDRESSES: QuotaSpec = {
  serviceCode: 'vpc',
  quotaCode: 'L-5F53652F',
  name: 'Elastic IP addresses per public NAT gateway',
  default: 2,
};

/** "NAT gateways per Availability Zone": 5 (pending, available and deleting ones count). */
export const NAT_GATEWAYS_PER_ZONE: QuotaSpec = {
  serviceCode: 'vpc',
  quotaCode: 'L-FE5A380F',
  name: 'NAT gateways per Availability Zone',
  default: 5,
};

/** What setup and plan call to read a quota: read-only, and no resource-level permissions used. */
export const QUOTA_READ_GRANT: PolicyGrant = {
  sid: 'FixedIpQuotaRead',
  actions: ['servicequotas:GetServiceQuota'],
  resource: '*',
};

/** A quota's value for this account: as Service Quotas has it, or AWS's default and why. */
export interface QuotaValue {
  value: number;
  /** Why the default stands in (undefined: the account's applied value was read). */
  assumed?: string;
}

/**
 * The account's applied value of a quota. Called only when the default would refuse what a plan
 * needs (the default is the least an account has), so most runs make no Service Quotas call. A
 * caller without `servicequotas:GetServiceQuota`, or a quota Service Quotas does not answer for,
 * gets the default, and says so.
 */
export async function quotaValue(aws: AwsPort, quota: QuotaSpec): Promise<QuotaValue> {
  try {
    const out = await aws.servicequotas.GetServiceQuota({
      ServiceCode: quota.serviceCode,
      QuotaCode: quota.quotaCode,
    });
    const value = out.Quota?.Value;
    if (typeof value === 'number' && Number.isFinite(value)) return { value };
    return { value: quota.default, assumed: 'Service Quotas gave no value' };
  } catch (error) {
    const name = awsErrorName(error) ?? 'an error';
    const why = ['AccessDeniedException', 'AccessDenied'].includes(name)
      ? 'servicequotas:GetServiceQuota is not allowed'
      : name === 'NoSuchResourceException'
        ? 'Service Quotas has no value for it here'
        : `Service Quotas answered ${name}`;
    return { value: quota.default, assumed: why };
  }
}

/** How to ask AWS for more: the CLI call. */
export function raiseQuota(quota: QuotaSpec, wanted: number): string {
  return `aws service-quotas request-service-quota-increase --service-code ${quota.serviceCode} --quota-code ${quota.quotaCode} --desired-value ${wanted}`;
}

/** The quota as plan names it: `"NAT gateways per Availability Zone" 5 (AWS's default: …)`. */
export function quotaWords(quota: QuotaSpec, value: QuotaValue): string {
  const assumed = value.assumed ? ` (AWS's default; ${value.assumed})` : '';
  return `"${quota.name}" is ${value.value}${assumed}`;
}
