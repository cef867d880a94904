import { awsErrorName } from '../aws/errors.js';
import type { AwsPort } from '../aws/port.js';
import { FixedIpError } from '../errors.js';
import { type LeaseBackend, type LeaseBody, ownWrite } from './lease.js';

/** The holder rewrites the run guard this often while its run lasts... */
export const GUARD_HEARTBEAT_MS = 30_000;
/** ...so a guard not rewritten for this long was left by a run that is gone. */
export const GUARD_STALE_MS = 120_000;

export function guardName(stack: string): string {
  return `/fixed-ip/${stack}/run-lock`;
}

/**
 * The lease as an SSM parameter in the stack's account and region (`/fixed-ip/<stack>/run-lock`),
 * so two runs that change one stack never work at once, even with two state files on two machines.
 * SSM has no conditional overwrite, but it numbers every write: a run that overwrites version v
 * holds the lease only if its write became v+1, so of any number of runs exactly one gets it. A
 * released guard is kept, marked released, so its version tells a run whether anyone changed the
 * stack since it looked. Standard-tier parameters cost nothing.
 */
export function ssmLease(aws: AwsPort, stack: string): LeaseBackend {
  const name = guardName(stack);
  const put = (body: LeaseBody, overwrite: boolean) =>
    aws.ssmWrite.PutParameter({
      Name: name,
      Value: JSON.stringify(body),
      Type: 'String',
      // Standard tier: free, up to 4 KB.
      Tier: 'Standard',
      Overwrite: overwrite,
      ...(overwrite ? {} : { Description: 'fixed-ip: the run changing this stack now' }),
    });
  const backend: LeaseBackend = {
    title: `the run guard of stack ${stack}`,
    where: name,
    heartbeatMs: GUARD_HEARTBEAT_MS,
    staleMs: GUARD_STALE_MS,
    keepsReleased: true,
    read: async () => {
      try {
        const out = await aws.ssm.GetParameter({ Name: name });
        let body: Partial<LeaseBody> = {};
        try {
          const parsed = JSON.parse(out.Parameter?.Value ?? '') as Partial<LeaseBody> & {
            owner?: string;
            startedAt?: string;
          };
          // A guard written by the release before the one lease named its holder `owner`, `startedAt`.
          const { owner, startedAt, ...rest } = parsed;
          body = {
            ...(owner === undefined ? {} : { who: owner }),
            ...(startedAt === undefined ? {} : { since: startedAt }),
            ...rest,
          };
        } catch {
          // unreadable: it still guards the stack; unlock removes it
        }
        return {
          body,
          token: String(out.Parameter?.Version ?? 0),
          modifiedAt: out.Parameter?.LastModifiedDate?.getTime(),
        };
      } catch (error) {
        if (awsErrorName(error) === 'ParameterNotFound') return null;
        throw error;
      }
    },
    create: async (body) => {
      try {
        return String((await put(body, false)).Version ?? 1);
      } catch (error) {
        // Another run was faster, or the put's answer was lost while it took effect: ours, then.
        const own = await ownWrite(backend, body).catch(() => null);
        if (own !== null || awsErrorName(error) === 'ParameterAlreadyExists') return own;
        throw error;
      }
    },
    replace: async (expected, body) => {
      let version: number | undefined;
      try {
        version = (await put(body, true)).Version;
      } catch (error) {
        // The answer may be lost while the write took effect: then it is the version it became.
        const own = await ownWrite(backend, body).catch(() => null);
        if (own === null) throw error;
        version = Number(own);
      }
      // Only the write that became the next version holds it: a later one lost the race.
      return version === Number(expected.token) + 1 ? String(version) : null;
    },
    remove: async () => {
      try {
        await aws.ssmWrite.DeleteParameter({ Name: name });
        return true;
      } catch (error) {
        if (awsErrorName(error) === 'ParameterNotFound') return false;
        throw error;
      }
    },
    explain: (error, action) => {
      if (!isDenied(error)) return error;
      const call = { read: 'ssm:GetParameter', create: 'ssm:PutParameter', replace: 'ssm:PutParameter' }[
        action
      ];
      return new FixedIpError(
        'PERMISSION_MISSING',
        `AWS denied ${call ?? 'ssm:DeleteParameter'} on ${name} (the stack's run guard)`,
        {
          hint: 'grant the permissions listed by `fixed-ip iam-policy` (ssm:GetParameter, ssm:PutParameter and ssm:DeleteParameter on parameter/fixed-ip/*)',
          cause: error,
        },
      );
    },
  };
  return backend;
}

/** AWS refused for want of a permission. */
export function isDenied(error: unknown): boolean {
  return ['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation'].includes(
    awsErrorName(error) ?? '',
  );
}
