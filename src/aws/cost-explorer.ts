/**
 * Cost Explorer's client and the one operation fixed-ip calls: the billed cost of a stack's
 * resources (`fixed-ip cost --actual`; each request costs 0.01 USD, so only when asked). Imported
 * on the first call.
 */
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';

export { CostExplorerClient };

export const CE_OPERATIONS = {
  GetCostAndUsage: GetCostAndUsageCommand,
} as const;
