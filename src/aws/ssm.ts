/**
 * SSM's client and the one SSM operation fixed-ip calls: AWS's public parameters naming the latest
 * Amazon Linux images (a NAT instance's). A module of its own that clients.ts imports on the first
 * SSM call, so every other command never loads SSM's package.
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

export { SSMClient };

export const SSM_OPERATIONS = { GetParameter: GetParameterCommand } as const;
