/**
 * What `fixed-ip forget` leaves where a stack's state lived: that the stack was handed over, when,
 * and which resources it had. teardown, status and setup of the name read it before anything else,
 * so a forgotten stack is never deleted, and its name never makes a stack of its resources again.
 * Validated on read like the state: a missing file is "none", a corrupt one is an error.
 */
import * as z from 'zod/mini';
import { FixedIpError } from '../errors.js';

export const TOMBSTONE_VERSION = 1;

/** Where the tombstone of a state at `path` (a file or an S3 key) lives. */
export const tombstoneOf = (path: string): string => `${path}.forgotten.json`;

const TOMBSTONE_SCHEMA = z.object({
  version: z.literal(TOMBSTONE_VERSION),
  stack: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1)),
  forgottenAt: z.iso.datetime(),
  /** Whether forget took fixed-ip's tags off the resources, or kept them (--keep-tags). */
  tags: z.enum(['removed', 'kept']),
  resources: z.array(
    z.object({ kind: z.string(), id: z.string().check(z.minLength(1)), zone: z.optional(z.string()) }),
  ),
});
export type Tombstone = z.infer<typeof TOMBSTONE_SCHEMA>;

export function decodeTombstone(text: string, where: string): Tombstone {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(where, 'it is not valid JSON', error);
  }
  const parsed = z.safeParse(TOMBSTONE_SCHEMA, json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = issue?.path.length ? `"${issue.path.map(String).join('.')}": ` : '';
  throw invalid(where, `${at}${issue?.message ?? 'invalid'}`);
}

export function encodeTombstone(tombstone: Tombstone): string {
  return `${JSON.stringify(tombstone, null, 2)}\n`;
}

function invalid(where: string, problem: string, cause?: unknown): FixedIpError {
  return new FixedIpError(
    'STATE_INVALID',
    `${where} is not the record fixed-ip forget leaves of a stack it handed over: ${problem}`,
    {
      hint: 'restore it from your backups or version history; while it is unreadable, fixed-ip does nothing with this stack name',
      cause,
    },
  );
}
