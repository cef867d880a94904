/**
 * The egress probe's deployment package, built in memory: one ES module that asks
 * checkip.amazonaws.com which address the internet sees, and returns it. fflate makes the zip
 * (small, no dependencies, synchronous in-memory API); nothing is written to disk.
 */
import { strToU8, zipSync } from 'fflate';

/**
 * nodejs24.x: supported by Lambda until 2028 (nodejs22.x ends in April 2027). Its global fetch
 * needs no dependency; its handlers must be async (callbacks were removed), as this one is.
 */
export const PROBE_RUNTIME = 'nodejs24.x';
export const PROBE_HANDLER = 'index.handler';
/** The function's timeout; the fetch gives up earlier, so a probe without a way out says so itself. */
export const PROBE_TIMEOUT_SECONDS = 15;
export const CHECKIP_URL = 'https://checkip.amazonaws.com/';

export const PROBE_SOURCE = `// fixed-ip verify: reports the public IP this function's traffic leaves from.
export const handler = async () => {
  const response = await fetch('${CHECKIP_URL}', { signal: AbortSignal.timeout(10000) });
  if (!response.ok) throw new Error('${CHECKIP_URL} answered ' + response.status);
  return { publicIp: (await response.text()).trim() };
};
`;

export function probePackage(): Uint8Array {
  // A fixed timestamp: the same source always makes the same archive (and CodeSha256).
  return zipSync({ 'index.mjs': [strToU8(PROBE_SOURCE), { mtime: new Date(Date.UTC(2026, 0, 1)) }] });
}
