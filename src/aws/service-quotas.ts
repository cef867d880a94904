/**
 * Service Quotas' client and the operations fixed-ip calls: an account's applied value of a quota
 * (src/kinds/quota-values.ts), read only when AWS's default would refuse what a plan needs. A module
 * of its own that clients.ts imports on the first call, so most runs never load its package.
 */
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';

export { ServiceQuotasClient };

export const SERVICEQUOTAS_OPERATIONS = {
  GetServiceQuota: GetServiceQuotaCommand,
} as const;
