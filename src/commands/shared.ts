import type { Identity } from '../engine/inputs.js';

export function whoLine(identity: Identity, region: string, profile: string | undefined): string {
  return `Account ${identity.accountId} (${identity.arn}) in ${region}${profile ? `, profile ${profile}` : ''}`;
}
