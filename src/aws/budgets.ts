/**
 * AWS Budgets' client and the operations fixed-ip calls: the stack's cost budget (`--budget`,
 * src/kinds/budget.ts). Imported on the first call.
 */
import {
  BudgetsClient,
  CreateBudgetCommand,
  DeleteBudgetCommand,
  DescribeBudgetCommand,
} from '@aws-sdk/client-budgets';

export { BudgetsClient };

export const BUDGETS_OPERATIONS = {
  CreateBudget: CreateBudgetCommand,
  DeleteBudget: DeleteBudgetCommand,
  DescribeBudget: DescribeBudgetCommand,
} as const;
