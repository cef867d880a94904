/**
 * Deterministic ids and addresses. The generator's whole state is one uint32 kept in the account,
 * so the same seed and the same calls give the same ids in every run and across `--simulate` runs.
 */

export interface RandomState {
  rng: number;
}

/** mulberry32: tiny and good enough to look like AWS's ids. */
export function nextRandom(state: RandomState): number {
  state.rng = (state.rng + 0x6d2b79f5) >>> 0;
  let t = state.rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export function randomInt(state: RandomState, exclusiveMax: number): number {
  return Math.floor(nextRandom(state) * exclusiveMax);
}

/** `vpc-0a1b…`: AWS's current ids are the prefix and 17 hex digits. */
export function newId(state: RandomState, prefix: string): string {
  let hex = '';
  while (hex.length < 17) hex += randomInt(state, 16).toString(16);
  return `${prefix}-${hex}`;
}

/** Role ids look like `AROA` and 17 upper-case letters and digits (instance profiles: `AIPA`). */
export function newRoleId(state: RandomState, prefix: 'AROA' | 'AIPA' = 'AROA'): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id: string = prefix;
  while (id.length < 21) id += alphabet[randomInt(state, alphabet.length)];
  return id;
}

/** Elastic IPs come from the documentation ranges (RFC 5737), so no output ever names a real host. */
const PUBLIC_POOLS = ['203.0.113', '198.51.100'];

export function newPublicIp(state: RandomState, inUse: ReadonlySet<string>): string | undefined {
  const free: string[] = [];
  for (const pool of PUBLIC_POOLS) {
    for (let host = 1; host <= 254; host++) {
      const ip = `${pool}.${host}`;
      if (!inUse.has(ip)) free.push(ip);
    }
  }
  return free.length === 0 ? undefined : free[randomInt(state, free.length)];
}

let requestCounter = 0;

/** Request ids only need to be unique in a run; they are not part of the account. */
export function newRequestId(): string {
  requestCounter += 1;
  return `00000000-0000-4000-8000-${requestCounter.toString(16).padStart(12, '0')}`;
}
