/**
 * IAM's client and the IAM operations fixed-ip calls (setup's role check and fix, verify's probe
 * role), in a module of their own that clients.ts imports on the first IAM call: commands that
 * never call IAM (status, teardown) never load its package.
 */
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';

export { IAMClient };

export const IAM_OPERATIONS = {
  AttachRolePolicy: AttachRolePolicyCommand,
  // verify's probe role: made, given the VPC access policy, and removed by each run.
  CreateRole: CreateRoleCommand,
  DeleteRole: DeleteRoleCommand,
  DetachRolePolicy: DetachRolePolicyCommand,
  GetRole: GetRoleCommand,
  SimulatePrincipalPolicy: SimulatePrincipalPolicyCommand,
} as const;
