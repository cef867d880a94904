/**
 * The account as a JSON document, for `--simulate` to keep between runs. Versioned; a document
 * that is not one is an error, never an empty account.
 */
import type { SimTimings } from './contract.js';
import type { AccountState } from './model.js';

export const SIMULATOR_FORMAT = 'fixed-ip-simulated-account';
export const SIMULATOR_FORMAT_VERSION = 1;

export interface SimulatorDocument {
  format: typeof SIMULATOR_FORMAT;
  version: number;
  timings: SimTimings;
  account: AccountState;
}

const RECORD_MAPS = [
  'vpcs',
  'subnets',
  'internetGateways',
  'routeTables',
  'securityGroups',
  'addresses',
  'natGateways',
  'lambdaEnis',
  'functions',
  'roles',
  'clientTokens',
] as const satisfies readonly (keyof AccountState)[];

const LATER_MAPS = [
  'networkInterfaces',
  'instances',
  'parameters',
] as const satisfies readonly (keyof AccountState)[];

const OPTIONAL_MAPS = [
  'instanceProfiles',
  'addressPools',
  'autoScalingGroups',
  'metrics',
  'billing',
  'budgets',
  'ecs',
  'serviceQuotas',
] as const satisfies readonly (keyof AccountState)[];

/** A simulated account document that cannot be loaded; the CLI turns it into its own error. */
export class InvalidAccountError extends Error {
  override readonly name = 'InvalidAccountError';
  readonly hint = 'Delete the simulated account file to start from the demo account again';
}

function invalid(reason: string): InvalidAccountError {
  return new InvalidAccountError(`The simulated account is not valid: ${reason}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function toDocument(account: AccountState, timings: SimTimings): SimulatorDocument {
  return structuredClone({ format: SIMULATOR_FORMAT, version: SIMULATOR_FORMAT_VERSION, timings, account });
}

export function fromDocument(json: unknown): { account: AccountState; timings: Partial<SimTimings> } {
  if (!isObject(json) || json.format !== SIMULATOR_FORMAT) throw invalid('not a simulated account document');
  if (json.version !== SIMULATOR_FORMAT_VERSION) {
    throw invalid(
      `format version ${String(json.version)}, this fixed-ip reads version ${SIMULATOR_FORMAT_VERSION}`,
    );
  }
  const account = json.account;
  if (
    !isObject(account) ||
    typeof account.region !== 'string' ||
    typeof account.accountId !== 'string' ||
    typeof account.rng !== 'number'
  ) {
    throw invalid('missing region, account id or generator state');
  }
  for (const key of RECORD_MAPS) if (!isObject(account[key])) throw invalid(`missing ${key}`);
  // Added after version 1 was first written: an older document has none of them.
  for (const key of LATER_MAPS) {
    if (account[key] === undefined) account[key] = {};
    else if (!isObject(account[key])) throw invalid(`${key} is not a map`);
  }
  // Kept only once the account has some (absent in older documents, and until then).
  for (const key of OPTIONAL_MAPS)
    if (account[key] !== undefined && !isObject(account[key])) throw invalid(`${key} is not a map`);
  for (const [quota, value] of Object.entries(isObject(account.serviceQuotas) ? account.serviceQuotas : {}))
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      throw invalid(`the quota ${quota} is not a whole number`);
  const timings = isObject(json.timings) ? (json.timings as Partial<SimTimings>) : {};
  return { account: structuredClone(account) as unknown as AccountState, timings };
}
