/**
 * IAM's client and the IAM operations fixed-ip calls (setup's role check and fix), in a module of
 * their own that clients.ts imports on the first IAM call: commands that never call IAM (status,
 * teardown) never load its package.
 */
import {
  AttachRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';

export { IAMClient };

export const IAM_OPERATIONS = {
  AttachRolePolicy: AttachRolePolicyCommand,
  GetRole: GetRoleCommand,
  SimulatePrincipalPolicy: SimulatePrincipalPolicyCommand,
} as const;
