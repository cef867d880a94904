/**
 * SSM's client and the SSM operations fixed-ip calls: AWS's public parameters naming the latest
 * Amazon Linux images (a NAT instance's), and the run guard, one parameter per stack under
 * /fixed-ip/ (src/engine/run-guard.ts). A module of its own that clients.ts imports on the first SSM
 * call, so a command that makes none (status) never loads SSM's package.
 */
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';

export { SSMClient };

export const SSM_OPERATIONS = {
  GetParameter: GetParameterCommand,
  PutParameter: PutParameterCommand,
  DeleteParameter: DeleteParameterCommand,
} as const;
