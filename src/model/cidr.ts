/**
 * IPv4 CIDR arithmetic for the public and private subnets: parsing user input strictly, checking it
 * against the VPC the way EC2's CreateSubnet would, and picking free blocks when the user gives none.
 */
import ipaddr from 'ipaddr.js';
import { FixedIpError } from '../errors.js';

export interface Cidr {
  /** The network address as an unsigned 32-bit integer. */
  network: number;
  prefix: number;
  /** Canonical form, e.g. '10.0.1.0/24'. */
  text: string;
}

/** AWS's limits for a subnet's IPv4 block (CreateSubnet rejects anything outside them). */
export const MIN_SUBNET_PREFIX = 16;
export const MAX_SUBNET_PREFIX = 28;

const EXAMPLE = '10.0.1.0/24';
const CIDR_SHAPE = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}\/(0|[1-9]\d?)$/;

export function formatCidr(network: number, prefix: number): string {
  const octets = [network >>> 24, (network >>> 16) & 255, (network >>> 8) & 255, network & 255];
  return `${octets.join('.')}/${prefix}`;
}

/** Number of addresses in the block (2^32 for /0, so a plain number, not a uint32). */
export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

function end(c: Cidr): number {
  return c.network + cidrSize(c);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.network >= outer.network && end(inner) <= end(outer);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network < end(b) && b.network < end(a);
}

/** Parses a strict IPv4 CIDR block whose address is the network address; `what` names it in errors. */
export function parseCidr(text: string, what = 'CIDR'): Cidr {
  const invalid = () =>
    new FixedIpError('CIDR_INVALID', `${what} '${text}' is not an IPv4 CIDR block`, {
      hint: `give one like ${EXAMPLE}`,
    });
  const trimmed = text.trim();
  // ipaddr.js alone accepts '10.1/16', octal '010.0.0.0/8', hex '0xa.0.0.0/8' and '/08', which mean
  // something else than the user likely thinks; only the dotted-decimal shape passes, and ipaddr.js
  // then checks the ranges (octets up to 255, prefix up to 32). One parse, as this runs per subnet.
  if (!CIDR_SHAPE.test(trimmed)) throw invalid();
  let parsed: [ipaddr.IPv4, number];
  try {
    parsed = ipaddr.IPv4.parseCIDR(trimmed);
  } catch {
    throw invalid();
  }
  const [address, prefix] = parsed;
  const value = address.octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const network = value - (value % 2 ** (32 - prefix));
  if (network !== value) {
    throw new FixedIpError(
      'CIDR_INVALID',
      `${what} '${text}' has host bits set: its address is not the network address`,
      { hint: `use ${formatCidr(network, prefix)}` },
    );
  }
  return { network, prefix, text: formatCidr(network, prefix) };
}

type Verdict = { ok: true; cidr: Cidr } | { ok: false; error: FixedIpError };

/**
 * A block already spoken for, and how an error names it: a subnet by its id, the stack's own
 * subnet by its zone, or the other option's value. A bare string is an existing subnet's block.
 */
export interface TakenBlock {
  cidr: string;
  /** e.g. 'subnet subnet-0abc (10.0.9.0/24)', '--public-cidr 10.0.1.0/24'. */
  name: string;
}
export type Taken = string | TakenBlock;

const takenBlock = (taken: Taken): TakenBlock =>
  typeof taken === 'string' ? { cidr: taken, name: `the existing subnet ${taken}` } : taken;

function judgeSubnetCidr(
  text: string,
  vpcCidrs: string[],
  existing: readonly Taken[],
  label: string,
): Verdict {
  // An example is one that would pass: a free block of this VPC, never a fixed one outside it.
  const example = freeExample(vpcCidrs, existing);
  const such = example ? ` such as ${example}` : '';
  let cidr: Cidr;
  try {
    cidr = parseCidr(text, label);
  } catch (error) {
    if (!(error instanceof FixedIpError)) throw error;
    if (!example || error.hint === undefined || !error.hint.includes(EXAMPLE)) return { ok: false, error };
    const hint = error.hint.replace(EXAMPLE, example);
    return { ok: false, error: new FixedIpError(error.code, error.message, { hint }) };
  }
  const fail = (message: string, hint: string): Verdict => ({
    ok: false,
    error: new FixedIpError('CIDR_INVALID', `${label} ${cidr.text}: ${message}`, { hint }),
  });
  if (cidr.prefix < MIN_SUBNET_PREFIX || cidr.prefix > MAX_SUBNET_PREFIX) {
    return fail(
      `AWS allows subnets from /${MIN_SUBNET_PREFIX} to /${MAX_SUBNET_PREFIX} only`,
      `give a block between /${MIN_SUBNET_PREFIX} and /${MAX_SUBNET_PREFIX}${such}`,
    );
  }
  const vpcBlocks = vpcCidrs.map((c) => parseCidr(c, 'VPC CIDR block'));
  if (!vpcBlocks.some((vpc) => contains(vpc, cidr))) {
    return fail(
      `not inside the VPC's CIDR (${vpcCidrs.join(', ')})`,
      `give a block inside ${vpcCidrs.join(' or ')}${such}, or omit ${label} to have one chosen`,
    );
  }
  const clash = existing.map(takenBlock).find((c) => overlaps(parseCidr(c.cidr, 'subnet CIDR block'), cidr));
  if (clash !== undefined) {
    return fail(`overlaps ${clash.name}`, `give a free block${such}, or omit ${label} to have one chosen`);
  }
  return { ok: true, cidr };
}

/** The first free /24 (or smaller) block of the VPC, for an error's example; none when it is full. */
function freeExample(vpcCidrs: string[], existing: readonly Taken[]): string | undefined {
  try {
    return chooseFreeBlocks(
      vpcCidrs,
      existing.map((taken) => takenBlock(taken).cidr),
      1,
    )[0];
  } catch (error) {
    if (error instanceof FixedIpError) return undefined;
    throw error;
  }
}

/**
 * The checks CreateSubnet would make, done before any AWS call: syntax, /16../28, inside one of the
 * VPC's CIDR blocks, no overlap with an existing subnet. `label` is the option, e.g. '--public-cidr'.
 */
export function validateSubnetCidr(
  text: string,
  vpcCidrs: string[],
  existing: readonly Taken[],
  label: string,
): Cidr {
  const verdict = judgeSubnetCidr(text, vpcCidrs, existing, label);
  if (!verdict.ok) throw verdict.error;
  return verdict.cidr;
}

/** Same checks, for live validation in a prompt: `true`, or the reason as one line. */
export function checkSubnetCidr(
  text: string,
  vpcCidrs: string[],
  existing: readonly Taken[],
  label: string,
): true | string {
  const verdict = judgeSubnetCidr(text, vpcCidrs, existing, label);
  return verdict.ok ? true : verdict.error.line;
}

/** Sorted, merged [start, end) address ranges: the gaps between them are what is free. */
function usedRanges(cidrs: Cidr[]): Array<[number, number]> {
  const sorted = [...cidrs].sort((a, b) => a.network - b.network);
  const merged: Array<[number, number]> = [];
  for (const c of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && c.network <= last[1]) last[1] = Math.max(last[1], end(c));
    else merged.push([c.network, end(c)]);
  }
  return merged;
}

/** The first `count` aligned free blocks of one prefix length, ascending; fewer if they do not fit. */
function freeBlocksOfPrefix(
  vpcBlocks: Cidr[],
  used: Array<[number, number]>,
  prefix: number,
  count: number,
): Cidr[] {
  const size = 2 ** (32 - prefix);
  const found: Cidr[] = [];
  for (const vpc of vpcBlocks) {
    if (vpc.prefix > prefix) continue; // a /28 VPC has no room for a /24
    // Walk the gaps between used ranges instead of testing every candidate block: the cost is
    // O(used + count) per prefix, however large the VPC.
    let cursor = vpc.network;
    const stop = end(vpc);
    for (const [usedStart, usedEnd] of [...used, [stop, stop] as [number, number]]) {
      if (usedEnd <= cursor) continue;
      const gapEnd = Math.min(usedStart, stop);
      let block = Math.ceil(cursor / size) * size;
      while (block + size <= gapEnd) {
        found.push({ network: block, prefix, text: formatCidr(block, prefix) });
        if (found.length === count) return found;
        block += size;
      }
      cursor = Math.max(cursor, usedEnd);
      if (cursor >= stop) break;
    }
  }
  return found;
}

/**
 * Picks `count` free, non-overlapping blocks inside the VPC, all of one prefix length: /preferredPrefix
 * if that many fit, else the largest smaller block (/25, /26 … /28) that does.
 */
export function chooseFreeBlocks(
  vpcCidrs: string[],
  existing: string[],
  count: number,
  preferredPrefix = 24,
): string[] {
  if (count <= 0) return [];
  // AWS keeps a VPC's CIDR blocks disjoint; dropping any nested one guarantees we never pick twice.
  const parsed = vpcCidrs.map((c) => parseCidr(c, 'VPC CIDR block'));
  const vpcBlocks = parsed
    .filter((c, i) => !parsed.some((o, j) => j !== i && contains(o, c) && (o.prefix < c.prefix || j < i)))
    .sort((a, b) => a.network - b.network);
  const used = usedRanges(existing.map((c) => parseCidr(c, 'subnet CIDR block')));
  const first = Math.max(MIN_SUBNET_PREFIX, Math.min(preferredPrefix, MAX_SUBNET_PREFIX));
  for (let prefix = first; prefix <= MAX_SUBNET_PREFIX; prefix++) {
    const blocks = freeBlocksOfPrefix(vpcBlocks, used, prefix, count);
    if (blocks.length === count) return blocks.map((b) => b.text);
  }
  throw new FixedIpError(
    'CIDR_EXHAUSTED',
    `the VPC's CIDR (${vpcCidrs.join(', ')}) is full: no room for ${count} free /${MAX_SUBNET_PREFIX} subnet${count === 1 ? '' : 's'}`,
    { hint: 'run with --new-vpc to create a VPC for fixed-ip, or delete an unused subnet in this one' },
  );
}
