import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import { listAllFunctions } from './function-tags.js';

/** Lambda's page size for ListFunctions, whatever MaxItems asks. */
const PAGE = 50;

/**
 * The current configuration of each named function (absent: no such function), in calls that
 * grow with pages of the account's functions, not with the stack's: one GetFunctionConfiguration
 * for a single function, otherwise ListFunctions pages until every name is seen. ListFunctions
 * leaves out State and LastUpdateStatus, so the functions `needsStatus` names (one that may still
 * be moving) are asked one by one, as is a name no page lists (an ARN, a partial ARN).
 */
export async function functionConfigs(
  aws: AwsPort,
  names: readonly string[],
  needsStatus: (name: string) => boolean = () => false,
): Promise<Map<string, FunctionConfiguration>> {
  const found = new Map<string, FunctionConfiguration>();
  const one = async (name: string): Promise<void> => {
    try {
      found.set(name, await aws.lambda.GetFunctionConfiguration({ FunctionName: name }));
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    }
  };
  const listed = names.length > 1 ? names.filter((name) => !needsStatus(name)) : [];
  if (listed.length > 0) {
    const wanted = new Set(listed);
    let Marker: string | undefined;
    do {
      const page = await aws.lambda.ListFunctions({ MaxItems: PAGE, ...(Marker ? { Marker } : {}) });
      for (const config of page.Functions ?? []) {
        const name = [config.FunctionName, config.FunctionArn].find((key) => key && wanted.has(key));
        if (name === undefined) continue;
        found.set(name, config);
        wanted.delete(name);
      }
      Marker = page.NextMarker;
    } while (Marker && wanted.size > 0);
  }
  await Promise.all(names.filter((name) => !found.has(name)).map(one));
  return found;
}

/**
 * functionConfigs, and also every other function whose subnets include one of `subnetIds` (one
 * moved into a stack's private subnets by hand, which loses its internet access when the stack
 * goes). The account's functions are listed whole, one call per 50 of them (a stack of one
 * function in an account of up to 50 takes the one call functionConfigs would); a name no page
 * lists (an ARN, a deleted function) is asked on its own.
 */
export async function functionConfigsAround(
  aws: AwsPort,
  names: readonly string[],
  subnetIds: ReadonlySet<string>,
): Promise<{ configs: Map<string, FunctionConfiguration>; others: FunctionConfiguration[] }> {
  if (subnetIds.size === 0) return { configs: await functionConfigs(aws, names), others: [] };
  const listed = await listAllFunctions(aws);
  const configs = new Map<string, FunctionConfiguration>();
  for (const name of names) {
    const config = listed.find((f) => f.FunctionName === name || f.FunctionArn === name);
    if (config) configs.set(name, config);
  }
  const unlisted = names.filter((name) => !configs.has(name));
  for (const [name, config] of await functionConfigs(aws, unlisted, () => true)) configs.set(name, config);
  const held = new Set([...configs.values()].map((f) => f.FunctionArn));
  const others = listed.filter(
    (f) => !held.has(f.FunctionArn) && (f.VpcConfig?.SubnetIds ?? []).some((id) => subnetIds.has(id)),
  );
  return { configs, others };
}
