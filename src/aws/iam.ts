/**
 * IAM's client and the IAM operations fixed-ip calls (setup's role check and fix, verify's probe
 * role, a NAT instance's role), in a module of their own that clients.ts imports on the first IAM
 * call: a command on a stack without a NAT instance that never checks a role never loads it.
 */
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  GetRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  SimulatePrincipalPolicyCommand,
  UntagInstanceProfileCommand,
  UntagRoleCommand,
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
  // A NAT instance's role and instance profile (src/kinds/nat-role.ts).
  AddRoleToInstanceProfile: AddRoleToInstanceProfileCommand,
  CreateInstanceProfile: CreateInstanceProfileCommand,
  DeleteInstanceProfile: DeleteInstanceProfileCommand,
  DeleteRolePolicy: DeleteRolePolicyCommand,
  GetInstanceProfile: GetInstanceProfileCommand,
  GetRolePolicy: GetRolePolicyCommand,
  PutRolePolicy: PutRolePolicyCommand,
  RemoveRoleFromInstanceProfile: RemoveRoleFromInstanceProfileCommand,
  // fixed-ip forget: its tags off the role and the instance profile it hands over.
  UntagInstanceProfile: UntagInstanceProfileCommand,
  UntagRole: UntagRoleCommand,
} as const;
