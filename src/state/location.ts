import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { badOption } from '../errors.js';

/** Where a stack's state is: a local file, or an object in S3 (team use). */
export type StateLocation =
  | { kind: 'file'; path: string }
  /** perStack: the setting was a prefix, and the key is `<prefix><stack>.json`. */
  | { kind: 's3'; bucket: string; key: string; url: string; perStack: boolean };

/** The project file a team commits so everyone uses the same state without a flag. */
export const PROJECT_CONFIG = '.fixed-ip/config.json';

/** A state setting and where it came from, so an error names the place to fix. */
export interface StateSetting {
  value: string;
  /** '--state', '--to', 'FIXED_IP_STATE' or '.fixed-ip/config.json'. */
  source: string;
}

/**
 * The state setting when --state is not given: FIXED_IP_STATE, else the project file's "state".
 * (The flag wins over both; the caller applies it per command.)
 */
export function defaultStateSetting(
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): StateSetting | undefined {
  if (env.FIXED_IP_STATE) return { value: env.FIXED_IP_STATE, source: 'FIXED_IP_STATE' };
  const read = readProjectConfig(cwd);
  if (!read) return undefined;
  const { path, config } = read;
  const state = (config as { state?: unknown } | null)?.state;
  if (state === undefined) return undefined;
  if (typeof state !== 'string' || state === '') {
    throw badOption(
      `"state" in ${path} must be a path or an s3:// URL`,
      'e.g. { "state": "s3://my-bucket/fixed-ip/" }',
    );
  }
  return { value: state, source: PROJECT_CONFIG };
}

/** The project file, parsed; undefined when there is none. Invalid JSON is one line (exit 2). */
function readProjectConfig(cwd: string): { path: string; config: unknown } | undefined {
  const path = join(cwd, PROJECT_CONFIG);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return { path, config: JSON.parse(text) };
  } catch {
    throw badOption(`${path} is not valid JSON`, 'fix it, e.g. { "state": "s3://my-bucket/fixed-ip/" }');
  }
}

/** The allowlist the project file states for a stack, as written there, and where (for errors). */
export interface ConfiguredAllowlist {
  values: string[];
  /** e.g. `"expectIps.default" in /repo/.fixed-ip/config.json`. */
  where: string;
}

/**
 * The project file's `"expectIps": { "<stack>": ["203.0.113.10", …] }` for this stack: the list
 * status and verify hold the account to when no --expect-ips is given. A malformed entry is one line
 * (exit 2); whether each entry is an IP is checked with the flag's own rules by the caller.
 */
export function configuredAllowlist(
  stackName: string,
  cwd: string = process.cwd(),
): ConfiguredAllowlist | undefined {
  const read = readProjectConfig(cwd);
  const expectIps = (read?.config as { expectIps?: unknown } | null | undefined)?.expectIps;
  if (read === undefined || expectIps === undefined) return undefined;
  const example = `e.g. "expectIps": { "${stackName}": ["203.0.113.10", "203.0.113.11"] }`;
  if (typeof expectIps !== 'object' || expectIps === null || Array.isArray(expectIps))
    throw badOption(`"expectIps" in ${read.path} must map stack names to lists of IPs`, example);
  const entry = (expectIps as Record<string, unknown>)[stackName];
  if (entry === undefined) return undefined;
  const where = `"expectIps.${stackName}" in ${read.path}`;
  if (!Array.isArray(entry) || entry.some((ip) => typeof ip !== 'string'))
    throw badOption(`${where} must be a list of IPs`, example);
  return { values: entry as string[], where };
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses a state setting. A setting ending in "/" is a folder (or key prefix) holding one
 * `<stack>.json` per stack, so one FIXED_IP_STATE serves every --name.
 */
export function parseStateLocation(setting: string, stackName: string, source = '--state'): StateLocation {
  if (!/^s3:\/\//i.test(setting)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(setting)) {
      throw badOption(
        `${source} "${setting}" is neither a path nor an s3:// URL`,
        'use a path or s3://bucket/key.json',
      );
    }
    return { kind: 'file', path: resolve(setting.endsWith('/') ? `${setting}${stackName}.json` : setting) };
  }
  const rest = setting.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1);
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw badOption(
      `${source} "${setting}" does not name an S3 bucket`,
      'bucket names are 3-63 lowercase letters, digits, dots and hyphens: s3://my-bucket/fixed-ip/prod.json',
    );
  }
  const perStack = prefix === '' || prefix.endsWith('/');
  const key = perStack ? `${prefix}${stackName}.json` : prefix;
  if (key.startsWith('/') || key.includes('//') || Buffer.byteLength(key) > 1000) {
    throw badOption(`${source} "${setting}" is not a usable S3 key`, 'use s3://bucket/path/to/state.json');
  }
  return { kind: 's3', bucket, key, url: `s3://${bucket}/${key}`, perStack };
}

/** True when S3 calls go to a local endpoint (moto, MinIO, LocalStack) rather than AWS. */
export function customS3Endpoint(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}
