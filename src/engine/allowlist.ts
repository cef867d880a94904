/**
 * The allowlist as a guarantee: the IPs a team states (`--expect-ips`) against the IPs the stack's
 * NATs send traffic from now. Read from the world the command already loaded; no AWS call.
 */
import { KINDS } from '../kinds/index.js';
import { recordsOf } from '../state/schema.js';
import type { StackContext } from '../model/context.js';
import { badOption } from '../errors.js';
import { PROJECT_CONFIG } from '../state/location.js';

/** What `status --expect-ips` and `verify --expect-ips` report (JSON field `allowlist`). */
export interface AllowlistCheck {
  /** The stated IPs, sorted. */
  expected: string[];
  /** The IPs traffic leaves from now, sorted. */
  live: string[];
  /** Live but not stated: a partner would refuse this traffic. */
  added: string[];
  /** Stated but no longer live: an allowlisted IP the stack no longer uses. */
  missing: string[];
  ok: boolean;
  /** Where the stated list came from: `--expect-ips` or `.fixed-ip/config.json`. */
  source?: AllowlistSource;
}

/** Where a stated allowlist comes from: the flag, or the project file. */
export type AllowlistSource = '--expect-ips' | typeof PROJECT_CONFIG;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** `--expect-ips A,B` (also repeatable): IPv4 addresses, each once. `label` names where they came from. */
export function parseExpectIps(
  values: string | readonly string[] | undefined,
  label = '--expect-ips',
): string[] | undefined {
  if (values === undefined) return undefined;
  const list = (typeof values === 'string' ? [values] : values)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (list.length === 0)
    throw badOption(
      `${label} names no IP`,
      'give the allowlist, e.g. --expect-ips 203.0.113.10,203.0.113.11',
    );
  for (const ip of list)
    if (!IPV4.test(ip))
      throw badOption(`${label} "${ip}" is not an IPv4 address`, 'give the allowlisted IPs, comma-separated');
  return [...new Set(list)].sort();
}

/** The allowlist a run holds the account to, and where it was stated. */
export interface StatedAllowlist {
  ips: string[];
  /** `--expect-ips`, or the project file (`.fixed-ip/config.json`). */
  source: AllowlistSource;
}

/** `--expect-ips` when given (the flag wins), else the project file's list for the stack, else none. */
export function statedAllowlist(
  flag: readonly string[] | undefined,
  configured: { values: readonly string[]; where: string } | undefined,
): StatedAllowlist | undefined {
  const fromFlag = parseExpectIps(flag);
  if (fromFlag) return { ips: fromFlag, source: '--expect-ips' };
  const fromConfig = configured && parseExpectIps(configured.values, configured.where);
  return fromConfig && { ips: fromConfig, source: PROJECT_CONFIG };
}

/**
 * The public IPs traffic leaves from now: whatever each of the stack's private route tables sends
 * 0.0.0.0/0 to (the stack's NAT, or one put there by hand), as each NAT kind reads its own.
 */
export function liveEgressIps(ctx: StackContext): string[] {
  const tables = new Set(recordsOf(ctx.state, 'privateRouteTable').map((r) => r.id));
  const targets = ctx.world.routeTables
    .filter((t) => tables.has(t.RouteTableId ?? ''))
    .flatMap((t) => t.Routes?.filter((r) => r.DestinationCidrBlock === '0.0.0.0/0') ?? [])
    .flatMap((r) => [r.NatGatewayId, r.NetworkInterfaceId].filter((id): id is string => id !== undefined));
  const ips = KINDS.flatMap((kind) => targets.flatMap((id) => kind.egressIps?.(ctx, id) ?? []));
  return [...new Set(ips)].sort();
}

export function compareAllowlist(expected: readonly string[], live: readonly string[]): AllowlistCheck {
  const added = live.filter((ip) => !expected.includes(ip));
  const missing = expected.filter((ip) => !live.includes(ip));
  return {
    expected: [...expected].sort(),
    live: [...live].sort(),
    added,
    missing,
    ok: added.length === 0 && missing.length === 0,
  };
}

/** One line naming what changed, for text output and the JSON `problem`. */
export function allowlistLine(check: AllowlistCheck): string {
  const parts = [
    ...(check.added.length > 0 ? [`now also leaves from ${check.added.join(', ')} (not allowlisted)`] : []),
    ...(check.missing.length > 0 ? [`no longer leaves from ${check.missing.join(', ')}`] : []),
  ];
  return `The allowlist changed: traffic ${parts.join('; ')}. Stated: ${check.expected.join(', ')}; live: ${check.live.join(', ') || 'none'}`;
}
