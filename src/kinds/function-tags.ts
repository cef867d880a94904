import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import { decodeVpcConfig, encodeVpcConfig, TAG_STACK } from '../model/tags.js';
import type { VpcConfigRecord } from '../state/schema.js';

/**
 * Each moved function carries its own previous network settings as tags of its own: the stack that
 * moved it and its VpcConfig before the move. A lost state file loses nothing, and a stack holds
 * any number of functions (the first release kept them on one subnet, whose 50 tags ran out at
 * about 45 functions; such tags are still read).
 */
export const TAG_PREVIOUS = 'fixed-ip:previous';
/** AWS's limits on a Lambda function's tags. */
export const FUNCTION_TAG_LIMIT = 50;
const VALUE_LIMIT = 256;

/** A VpcConfig of 16 subnets and 5 groups is longer than one tag value: it continues in `:2`, `:3`. */
const chunkKey = (index: number): string => (index === 0 ? TAG_PREVIOUS : `${TAG_PREVIOUS}:${index + 1}`);

export function functionTags(stack: string, previous: VpcConfigRecord): Record<string, string> {
  const encoded = encodeVpcConfig(previous);
  const tags: Record<string, string> = { [TAG_STACK]: stack };
  for (let i = 0; i * VALUE_LIMIT < encoded.length; i++)
    tags[chunkKey(i)] = encoded.slice(i * VALUE_LIMIT, (i + 1) * VALUE_LIMIT);
  return tags;
}

/** The previous settings `stack` recorded on the function; undefined when it recorded none. */
export function previousFromTags(
  tags: Record<string, string> | undefined,
  stack: string,
): VpcConfigRecord | undefined {
  if (tags?.[TAG_STACK] !== stack || tags[TAG_PREVIOUS] === undefined) return undefined;
  let encoded = '';
  for (let i = 0; tags[chunkKey(i)] !== undefined; i++) encoded += tags[chunkKey(i)];
  return decodeVpcConfig(encoded);
}

/**
 * How many of AWS's 50 tags a function lacks for ours: 0 when they fit. Tags AWS adds (`aws:`)
 * do not count, and keys of ours already there are overwritten, not added.
 */
export function tagsShort(tags: Record<string, string> | undefined, wanted: Record<string, string>): number {
  const keys = new Set(Object.keys(tags ?? {}).filter((key) => !key.startsWith('aws:')));
  for (const key of Object.keys(wanted)) keys.add(key);
  return Math.max(0, keys.size - FUNCTION_TAG_LIMIT);
}

/**
 * Every key fixed-ip may write on a function: Lambda's largest VpcConfig (16 subnets, 5 groups)
 * takes two values of 256 characters; a third key is kept for margin.
 */
const OUR_KEYS = [TAG_STACK, chunkKey(0), chunkKey(1), chunkKey(2)];

/** Removes fixed-ip's tags from a function (gone already: nothing to do). */
export async function untagFunction(aws: AwsPort, arn: string): Promise<void> {
  try {
    await aws.lambda.UntagResource({ Resource: arn, TagKeys: OUR_KEYS });
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
  }
}

/** A function's tags and the aliases that serve an older, published version (one call each). */
export interface FunctionExtras {
  tags: Record<string, string>;
  /** "prod (version 3)": traffic through these keeps the network the version was published with. */
  staleAliases: string[];
}

export async function functionExtras(aws: AwsPort, name: string): Promise<FunctionExtras> {
  const [got, aliases] = await Promise.all([
    aws.lambda.GetFunction({ FunctionName: name }),
    listAliases(aws, name),
  ]);
  return {
    tags: got.Tags ?? {},
    staleAliases: aliases
      .filter((alias) => alias.FunctionVersion !== undefined && alias.FunctionVersion !== '$LATEST')
      .map((alias) => `${alias.Name ?? ''} (version ${alias.FunctionVersion ?? ''})`),
  };
}

async function listAliases(aws: AwsPort, name: string) {
  const all = [];
  let Marker: string | undefined;
  do {
    const page = await aws.lambda.ListAliases({ FunctionName: name, ...(Marker ? { Marker } : {}) });
    all.push(...(page.Aliases ?? []));
    Marker = page.NextMarker;
  } while (Marker);
  return all;
}

/** A function found in a stack's private subnets, with its tags when they were read. */
export interface FoundFunction {
  config: FunctionConfiguration;
  tags?: Record<string, string> | undefined;
}

/** Every function of the account, page by page (ListFunctions lists VpcConfig, not tags). */
export async function listAllFunctions(aws: AwsPort): Promise<FunctionConfiguration[]> {
  const all: FunctionConfiguration[] = [];
  let Marker: string | undefined;
  do {
    const page = await aws.lambda.ListFunctions({ ...(Marker ? { Marker } : {}), MaxItems: 50 });
    all.push(...(page.Functions ?? []));
    Marker = page.NextMarker;
  } while (Marker);
  return all;
}

/**
 * For a stack found by its tags (its state file lost): the functions in its private subnets, each
 * with its tags, where its previous network settings are. One page per 50 functions of the
 * account, and one call per function of the stack.
 */
export async function functionsInSubnets(
  aws: AwsPort,
  subnetIds: ReadonlySet<string>,
): Promise<FoundFunction[]> {
  if (subnetIds.size === 0) return [];
  const inStack = (await listAllFunctions(aws)).filter((config) =>
    (config.VpcConfig?.SubnetIds ?? []).some((id) => subnetIds.has(id)),
  );
  return Promise.all(
    inStack.map(async (config) => {
      try {
        const got = await aws.lambda.GetFunction({ FunctionName: config.FunctionArn ?? config.FunctionName });
        return { config, tags: got.Tags ?? {} };
      } catch (error) {
        if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
        return { config };
      }
    }),
  );
}

/** What plan, setup and status say of a function whose aliases serve published versions. */
export function aliasWarning(name: string, aliases: readonly string[]): string {
  const many = aliases.length > 1;
  return `${name}'s alias${many ? 'es' : ''} ${aliases.join(', ')} serve${many ? '' : 's'} a published version, which keeps the network it was published with: traffic through ${many ? 'them' : 'it'} does not leave from the fixed IP until you publish a new version (aws lambda publish-version --function-name ${name}) and point the alias at it`;
}
