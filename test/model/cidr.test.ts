import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkSubnetCidr,
  chooseFreeBlocks,
  cidrSize,
  contains,
  formatCidr,
  overlaps,
  parseCidr,
  validateSubnetCidr,
  type Cidr,
} from '../../src/model/cidr.js';
import { FixedIpError } from '../../src/errors.js';

/** Runs `fn` and returns what it threw, failing the test if it did not throw. */
function thrown(fn: () => unknown): FixedIpError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FixedIpError);
    return error as FixedIpError;
  }
  throw new Error('expected a FixedIpError');
}

/** The /24s `${twoOctets}.from.0/24` up to, not including, `${twoOctets}.to.0/24`. */
function slash24s(twoOctets: string, from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `${twoOctets}.${from + i}.0/24`);
}

describe('parseCidr', () => {
  it('parses a network address and its prefix', () => {
    expect(parseCidr('10.0.1.0/24')).toEqual({ network: 0x0a000100, prefix: 24, text: '10.0.1.0/24' });
    expect(parseCidr('255.255.255.240/28').network).toBe(0xfffffff0);
    expect(parseCidr(' 0.0.0.0/0 ')).toEqual({ network: 0, prefix: 0, text: '0.0.0.0/0' });
  });

  it.each([
    '',
    'abc',
    '10.0.1',
    '10.0.1.0',
    '10.0.1.0/',
    '10.0.0.0/33',
    '256.0.0.0/24',
    '10.0.0.0/-1',
    '010.0.0.0/8',
    '0xa.0.0.0/8',
    '10.0.0.0/08',
    '10.0.0/16',
    '::/0',
  ])('rejects %j as not an IPv4 CIDR block', (text) => {
    const error = thrown(() => parseCidr(text));
    expect(error.code).toBe('CIDR_INVALID');
    expect(error.line).toContain(`'${text}'`);
  });

  it('rejects an address that is not the network address, naming the one meant', () => {
    const error = thrown(() => parseCidr('10.0.1.5/24', '--public-cidr'));
    expect(error.code).toBe('CIDR_INVALID');
    expect(error.line).toMatch(/^--public-cidr '10\.0\.1\.5\/24'.*use 10\.0\.1\.0\/24$/);
  });

  it('round-trips through formatCidr', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 32 }),
        (address, prefix) => {
          const network = address - (address % 2 ** (32 - prefix));
          const cidr = parseCidr(formatCidr(network, prefix));
          expect(cidr).toEqual({ network, prefix, text: formatCidr(network, prefix) });
          expect(cidrSize(cidr)).toBe(2 ** (32 - prefix));
        },
      ),
    );
  });
});

/** Any aligned IPv4 block with a prefix in [min, max]. */
const anyCidr = (min = 0, max = 32): fc.Arbitrary<Cidr> =>
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min, max })).map(([address, prefix]) => {
    const network = address - (address % 2 ** (32 - prefix));
    return { network, prefix, text: formatCidr(network, prefix) };
  });

describe('overlaps and contains', () => {
  /** The definition, on address ranges: no CIDR cleverness. */
  const rangesMeet = (a: Cidr, b: Cidr): boolean =>
    Math.max(a.network, b.network) <= Math.min(a.network + cidrSize(a), b.network + cidrSize(b)) - 1;

  // Shrinking prefixes toward each other's makes overlapping pairs common enough to matter.
  const pair = fc.oneof(
    fc.tuple(anyCidr(), anyCidr()),
    anyCidr(0, 28).chain((a) =>
      fc.tuple(fc.constant(a), fc.integer({ min: a.prefix, max: 32 }), fc.nat()).map(([outer, prefix, n]) => {
        const size = 2 ** (32 - prefix);
        const network = outer.network + (n % 2 ** (prefix - outer.prefix)) * size;
        return [outer, { network, prefix, text: formatCidr(network, prefix) }] as [Cidr, Cidr];
      }),
    ),
  );

  it('overlaps is symmetric and agrees with the address ranges', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(overlaps(a, b)).toBe(overlaps(b, a));
        expect(overlaps(a, b)).toBe(rangesMeet(a, b));
      }),
    );
  });

  it('two CIDR blocks overlap exactly when one contains the other', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(overlaps(a, b)).toBe(contains(a, b) || contains(b, a));
        expect(contains(a, b) && contains(b, a)).toBe(a.text === b.text);
        expect(contains(a, a)).toBe(true);
      }),
    );
  });
});

describe('validateSubnetCidr and checkSubnetCidr', () => {
  const vpc = ['10.0.0.0/16', '10.1.0.0/16'];
  const existing = ['10.0.0.0/24', '10.0.4.0/22'];

  it('accepts a free block inside a VPC CIDR block, the secondary one too', () => {
    expect(validateSubnetCidr('10.0.1.0/24', vpc, existing, '--public-cidr').text).toBe('10.0.1.0/24');
    expect(validateSubnetCidr('10.1.0.0/28', vpc, existing, '--public-cidr').text).toBe('10.1.0.0/28');
    expect(validateSubnetCidr('10.0.0.0/16', ['10.0.0.0/16'], [], '--public-cidr').prefix).toBe(16);
    expect(checkSubnetCidr('10.0.2.0/24', vpc, existing, '--private-cidr')).toBe(true);
  });

  const failures: Array<[string, string, RegExp]> = [
    ['not a CIDR', 'ten-dot-zero', /'ten-dot-zero' is not an IPv4 CIDR block; give one like 10\.0\.1\.0\/24/],
    ['host bits set', '10.0.1.5/24', /'10\.0\.1\.5\/24' has host bits set.*use 10\.0\.1\.0\/24/],
    ['too small for AWS', '10.0.1.0/29', /10\.0\.1\.0\/29: AWS allows subnets from \/16 to \/28 only/],
    ['too large for AWS', '10.0.0.0/15', /10\.0\.0\.0\/15: AWS allows subnets from \/16 to \/28 only/],
    [
      'outside the VPC',
      '192.168.0.0/24',
      /192\.168\.0\.0\/24: not inside the VPC's CIDR \(10\.0\.0\.0\/16, 10\.1\.0\.0\/16\)/,
    ],
    [
      'overlapping an existing subnet',
      '10.0.0.0/25',
      /10\.0\.0\.0\/25: overlaps the existing subnet 10\.0\.0\.0\/24/,
    ],
    [
      'containing an existing subnet',
      '10.0.4.0/23',
      /10\.0\.4\.0\/23: overlaps the existing subnet 10\.0\.4\.0\/22/,
    ],
  ];

  it.each(failures)('rejects a block %s, naming it and the option', (_, text, reason) => {
    const error = thrown(() => validateSubnetCidr(text, vpc, existing, '--public-cidr'));
    expect(error.code).toBe('CIDR_INVALID');
    expect(error.line).toMatch(/^--public-cidr /);
    expect(error.line).toMatch(reason);
    expect(error.line).not.toContain('\n');
    expect(checkSubnetCidr(text, vpc, existing, '--public-cidr')).toBe(error.line);
  });

  it('names a clash as the caller names it: a subnet by its id, an option by its value', () => {
    const taken = [
      { cidr: '10.0.0.0/24', name: 'subnet subnet-0abc (10.0.0.0/24)' },
      { cidr: '10.0.1.0/24', name: '--public-cidr 10.0.1.0/24' },
    ];
    expect(checkSubnetCidr('10.0.0.0/23', vpc, taken, '--private-cidr')).toBe(
      '--private-cidr 10.0.0.0/23: overlaps subnet subnet-0abc (10.0.0.0/24); give a free block such as 10.0.2.0/24, or omit --private-cidr to have one chosen',
    );
    expect(checkSubnetCidr('10.0.1.0/25', vpc, taken, '--private-cidr')).toMatch(
      /^--private-cidr 10\.0\.1\.0\/25: overlaps --public-cidr 10\.0\.1\.0\/24;/,
    );
  });

  it('rejects a block that straddles two adjacent VPC CIDR blocks, as AWS does', () => {
    const halves = ['10.0.0.0/17', '10.0.128.0/17'];
    expect(checkSubnetCidr('10.0.0.0/16', halves, [], '--public-cidr')).toMatch(/not inside the VPC's CIDR/);
  });

  it('tells the user what to do when the block is outside the VPC or taken', () => {
    expect(checkSubnetCidr('192.168.0.0/24', vpc, existing, '--private-cidr')).toMatch(
      /give a block inside 10\.0\.0\.0\/16 or 10\.1\.0\.0\/16 such as 10\.0\.1\.0\/24, or omit --private-cidr to have one chosen$/,
    );
    expect(checkSubnetCidr('10.0.0.0/24', vpc, existing, '--private-cidr')).toMatch(
      /give a free block such as 10\.0\.1\.0\/24, or omit --private-cidr to have one chosen$/,
    );
  });

  it('suggests a free block inside this VPC, never a fixed example outside it', () => {
    const defaultVpc = ['172.31.0.0/16'];
    const taken = ['172.31.0.0/20', '172.31.16.0/20'];
    for (const typed of ['ten-dot-zero', '172.31.32.0/29', '192.168.0.0/24', '172.31.0.0/24']) {
      const line = checkSubnetCidr(typed, defaultVpc, taken, 'private subnet CIDR');
      expect(line, typed).toMatch(/172\.31\.32\.0\/24/);
      expect(line, typed).not.toMatch(/10\.0\.1\.0/);
      expect(checkSubnetCidr('172.31.32.0/24', defaultVpc, taken, 'private subnet CIDR')).toBe(true);
    }
  });
});

describe('chooseFreeBlocks, examples', () => {
  it('finds the first free /24s after the default subnets of a default VPC', () => {
    const defaults = ['172.31.0.0/20', '172.31.16.0/20', '172.31.32.0/20'];
    expect(chooseFreeBlocks(['172.31.0.0/16'], defaults, 2)).toEqual(['172.31.48.0/24', '172.31.49.0/24']);
  });

  it('starts at the bottom of an empty VPC', () => {
    expect(chooseFreeBlocks(['10.0.0.0/16'], [], 2)).toEqual(['10.0.0.0/24', '10.0.1.0/24']);
  });

  it('fills holes between existing subnets in address order, whatever order they are listed in', () => {
    const existing = ['10.0.2.0/24', '10.0.0.0/24', '10.0.4.0/23'];
    expect(chooseFreeBlocks(['10.0.0.0/16'], existing, 3)).toEqual([
      '10.0.1.0/24',
      '10.0.3.0/24',
      '10.0.6.0/24',
    ]);
  });

  it('moves on to a secondary VPC CIDR block when the first is full', () => {
    const existing = slash24s('10.0', 0, 256);
    expect(chooseFreeBlocks(['10.1.0.0/16', '10.0.0.0/16'], existing, 2)).toEqual([
      '10.1.0.0/24',
      '10.1.1.0/24',
    ]);
  });

  it('falls back to smaller blocks, all of one size, when /24s no longer fit', () => {
    // One free /24 left: two /25s fit in it.
    const existing = slash24s('10.0', 0, 255);
    expect(chooseFreeBlocks(['10.0.0.0/16'], existing, 2)).toEqual(['10.0.255.0/25', '10.0.255.128/25']);
    // Still /24 when only one block is wanted.
    expect(chooseFreeBlocks(['10.0.0.0/16'], existing, 1)).toEqual(['10.0.255.0/24']);
  });

  it('goes straight to smaller sizes in a VPC smaller than the preferred block', () => {
    expect(chooseFreeBlocks(['10.0.0.0/27'], [], 2)).toEqual(['10.0.0.0/28', '10.0.0.16/28']);
    expect(chooseFreeBlocks(['10.0.0.0/26'], [], 2, 20)).toEqual(['10.0.0.0/27', '10.0.0.32/27']);
  });

  it('honours a preferred prefix', () => {
    expect(chooseFreeBlocks(['10.0.0.0/16'], [], 2, 20)).toEqual(['10.0.0.0/20', '10.0.16.0/20']);
    expect(chooseFreeBlocks(['10.0.0.0/16'], [], 1, 28)).toEqual(['10.0.0.0/28']);
  });

  it('says the VPC is full, and what to do, when not even /28s fit', () => {
    const error = thrown(() => chooseFreeBlocks(['10.0.0.0/16'], slash24s('10.0', 0, 256), 2));
    expect(error.code).toBe('CIDR_EXHAUSTED');
    expect(error.line).toContain('10.0.0.0/16');
    expect(error.line).toContain('--new-vpc');
    expect(error.line).toMatch(/delete an unused subnet/);
    // One /28 left is not two.
    expect(thrown(() => chooseFreeBlocks(['10.0.0.0/27'], ['10.0.0.0/28'], 2)).code).toBe('CIDR_EXHAUSTED');
    expect(chooseFreeBlocks(['10.0.0.0/27'], ['10.0.0.0/28'], 1)).toEqual(['10.0.0.16/28']);
  });

  it('handles a /16 with hundreds of subnets, found or full (timed by npm run bench, not here)', () => {
    const some = slash24s('10.0', 0, 200);
    const all = Array.from({ length: 4096 }, (_, i) => formatCidr(0x0a000000 + i * 16, 28));
    expect(chooseFreeBlocks(['10.0.0.0/16'], some, 2)).toEqual(['10.0.200.0/24', '10.0.201.0/24']);
    expect(thrown(() => chooseFreeBlocks(['10.0.0.0/16'], all, 2)).code).toBe('CIDR_EXHAUSTED');
  });
});

/**
 * The obvious, slow way: every aligned block of `prefix` in each VPC block, ascending, that meets no
 * existing subnet. Only usable on small VPCs or coarse prefixes.
 */
function bruteFreeBlocks(vpcs: Cidr[], existing: Cidr[], prefix: number): Cidr[] {
  const free: Cidr[] = [];
  for (const vpc of [...vpcs].sort((a, b) => a.network - b.network)) {
    if (vpc.prefix > prefix) continue;
    const size = 2 ** (32 - prefix);
    for (let network = vpc.network; network < vpc.network + cidrSize(vpc); network += size) {
      const block = { network, prefix, text: formatCidr(network, prefix) };
      if (!existing.some((e) => overlaps(e, block))) free.push(block);
    }
  }
  return free;
}

/** A VPC block with a prefix in [min, max] and a set of non-overlapping subnets inside it. */
const vpcWithSubnets = (min: number, max: number, maxSubnets: number) =>
  anyCidr(min, max).chain((vpc) =>
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: 28 - vpc.prefix }), fc.nat()), { maxLength: maxSubnets })
      .map((specs) => {
        const subnets: Cidr[] = [];
        for (const [extraBits, n] of specs) {
          const prefix = vpc.prefix + extraBits;
          const network = vpc.network + (n % 2 ** extraBits) * 2 ** (32 - prefix);
          const subnet = { network, prefix, text: formatCidr(network, prefix) };
          // AWS never lets subnets overlap, so neither does the generator.
          if (!subnets.some((s) => overlaps(s, subnet))) subnets.push(subnet);
        }
        return { vpc, subnets };
      }),
  );

describe('chooseFreeBlocks, properties', () => {
  const count = fc.integer({ min: 1, max: 4 });
  const preferred = fc.integer({ min: 16, max: 28 });

  it('returns free, disjoint blocks inside the VPC, or CIDR_EXHAUSTED only when too few /28s are free', () => {
    fc.assert(
      fc.property(vpcWithSubnets(16, 28, 40), count, preferred, ({ vpc, subnets }, n, prefer) => {
        const existing = subnets.map((s) => s.text);
        let chosen: Cidr[];
        try {
          chosen = chooseFreeBlocks([vpc.text], existing, n, prefer).map((text) => parseCidr(text));
        } catch (error) {
          expect(error).toBeInstanceOf(FixedIpError);
          expect((error as FixedIpError).code).toBe('CIDR_EXHAUSTED');
          // /28s exist only by the thousand in a large VPC; a full one needs few subnets to check.
          expect(bruteFreeBlocks([vpc], subnets, 28).length).toBeLessThan(n);
          return;
        }
        expect(chosen).toHaveLength(n);
        const prefix = chosen[0].prefix;
        expect(prefix).toBeGreaterThanOrEqual(Math.max(16, prefer));
        expect(prefix).toBeLessThanOrEqual(28);
        chosen.forEach((block, i) => {
          expect(block.prefix).toBe(prefix);
          expect(contains(vpc, block)).toBe(true);
          expect(subnets.filter((s) => overlaps(s, block))).toEqual([]);
          chosen.slice(i + 1).forEach((other) => expect(overlaps(block, other)).toBe(false));
          if (i > 0) expect(block.network).toBeGreaterThan(chosen[i - 1].network);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('picks exactly what the brute-force search picks: the largest size that fits, lowest addresses first', () => {
    fc.assert(
      fc.property(vpcWithSubnets(20, 28, 60), count, preferred, ({ vpc, subnets }, n, prefer) => {
        let expected: string[] | undefined;
        for (let prefix = prefer; prefix <= 28 && expected === undefined; prefix++) {
          const free = bruteFreeBlocks([vpc], subnets, prefix);
          if (free.length >= n) expected = free.slice(0, n).map((b) => b.text);
        }
        const run = () =>
          chooseFreeBlocks(
            [vpc.text],
            subnets.map((s) => s.text),
            n,
            prefer,
          );
        if (expected === undefined) expect(thrown(run).code).toBe('CIDR_EXHAUSTED');
        else expect(run()).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('never picks one block twice across several VPC CIDR blocks', () => {
    const twoVpcs = fc
      .tuple(vpcWithSubnets(22, 28, 10), vpcWithSubnets(22, 28, 10))
      .filter(([a, b]) => !overlaps(a.vpc, b.vpc));
    fc.assert(
      fc.property(twoVpcs, count, ([a, b], n) => {
        const vpcs = [a.vpc, b.vpc];
        const subnets = [...a.subnets, ...b.subnets];
        let expected: string[] | undefined;
        for (let prefix = 24; prefix <= 28 && expected === undefined; prefix++) {
          const free = bruteFreeBlocks(vpcs, subnets, prefix);
          if (free.length >= n) expected = free.slice(0, n).map((x) => x.text);
        }
        const run = () =>
          chooseFreeBlocks(
            vpcs.map((v) => v.text),
            subnets.map((s) => s.text),
            n,
          );
        if (expected === undefined) expect(thrown(run).code).toBe('CIDR_EXHAUSTED');
        else expect(run()).toEqual(expected);
      }),
    );
  });
});
