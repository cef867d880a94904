import type { NetworkInterface } from '@aws-sdk/client-ec2';
import { awsErrorName } from '../aws/errors.js';
import type { StackContext } from '../model/context.js';
import { POLL, sleepAfter } from '../model/wait.js';
import { FixedIpError } from '../errors.js';

/**
 * Lambda's network interfaces, watched. After a function leaves the VPC, Lambda keeps its
 * interfaces in the subnets and the security group for up to 20 minutes (longer is reported);
 * until they go, AWS refuses to delete the subnet or the group. Rather than retrying the delete
 * with backoff (a refusal every 30 s, and up to 30 s late), the subnets and the group wait here:
 * one DescribeNetworkInterfaces at a time on POLL.lambdaInterfaces' schedule (every second around
 * the 20-minute mark), shared by everything waiting in the same teardown, so each is deleted
 * within about a second of its last interface going, and the user sees how many remain.
 */

/** What waits: a subnet (held by any interface in it) or a security group (by any that uses it). */
export type Holder = { subnetId: string } | { groupId: string };

interface Waiter {
  holder: Holder;
  deadline: number;
  onCount: (count: number) => void;
  done: (error?: Error) => void;
}

/** Lambda's: its type, or (a detached one is reported to change type) its description. */
export function isLambdaInterface(eni: NetworkInterface): boolean {
  return eni.InterfaceType === 'lambda' || (eni.Description ?? '').startsWith('AWS Lambda VPC ENI');
}

function holds(holder: Holder, eni: NetworkInterface): boolean {
  return 'subnetId' in holder
    ? eni.SubnetId === holder.subnetId
    : (eni.Groups ?? []).some((group) => group.GroupId === holder.groupId);
}

class Watcher {
  private readonly waiters = new Set<Waiter>();
  private running = false;

  constructor(private readonly ctx: StackContext) {}

  wait(waiter: Waiter): void {
    this.waiters.add(waiter);
    if (!this.running) {
      this.running = true;
      void this.loop();
    }
  }

  private finish(waiter: Waiter, error?: Error): void {
    this.waiters.delete(waiter);
    waiter.done(error);
  }

  private async loop(): Promise<void> {
    const began = this.ctx.clock.now();
    try {
      while (this.waiters.size > 0) {
        const sentAt = this.ctx.clock.now() - began;
        const listed = await this.list();
        // Not allowed to look (a policy without ec2:DescribeNetworkInterfaces): the deletes find out.
        if (listed === undefined) {
          for (const waiter of [...this.waiters]) this.finish(waiter);
          break;
        }
        const lambda = listed.filter(isLambdaInterface);
        const delay = sleepAfter(POLL.lambdaInterfaces, sentAt, this.ctx.clock.now() - began);
        for (const waiter of [...this.waiters]) {
          const count = lambda.filter((eni) => holds(waiter.holder, eni)).length;
          if (count === 0) this.finish(waiter);
          else if (this.ctx.clock.now() + delay > waiter.deadline)
            this.finish(waiter, new WaitExpired(count));
          else waiter.onCount(count);
        }
        if (this.waiters.size > 0) await this.ctx.clock.sleep(delay, this.ctx.signal);
      }
    } catch (error) {
      // An AWS error or the AbortError of Ctrl-C, passed on as it came.
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const waiter of [...this.waiters]) this.finish(waiter, failure);
    } finally {
      this.running = false;
    }
  }

  /**
   * The interfaces in the waiting subnets that use the waiting groups, managed ones included
   * (EC2 may hide what AWS services manage). Not filtered by interface-type: a detached Lambda
   * interface is reported to change type, so `isLambdaInterface` also matches the description.
   */
  private async list(): Promise<NetworkInterface[] | undefined> {
    this.ctx.checkpoint();
    const holders = [...this.waiters].map((waiter) => waiter.holder);
    const subnets = holders.flatMap((h) => ('subnetId' in h ? [h.subnetId] : []));
    const groups = holders.flatMap((h) => ('groupId' in h ? [h.groupId] : []));
    const Filters = [
      ...(subnets.length > 0 ? [{ Name: 'subnet-id', Values: subnets }] : []),
      ...(groups.length > 0 ? [{ Name: 'group-id', Values: groups }] : []),
    ];
    const found: NetworkInterface[] = [];
    let NextToken: string | undefined;
    try {
      do {
        const page = await this.ctx.aws.ec2.DescribeNetworkInterfaces({
          Filters,
          IncludeManagedResources: true,
          ...(NextToken ? { NextToken } : {}),
        });
        found.push(...(page.NetworkInterfaces ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
    } catch (error) {
      if (['UnauthorizedOperation', 'AccessDenied'].includes(awsErrorName(error) ?? '')) return undefined;
      throw error;
    }
    return found;
  }
}

class WaitExpired extends Error {
  constructor(readonly count: number) {
    super('wait expired');
  }
}

const watchers = new WeakMap<StackContext, Watcher>();

/** The teardown's one watcher: every removal of a run shares its context. */
function watcherFor(ctx: StackContext): Watcher {
  let watcher = watchers.get(ctx);
  if (!watcher) {
    watcher = new Watcher(ctx);
    watchers.set(ctx, watcher);
  }
  return watcher;
}

function clockTime(ms: number): string {
  const at = new Date(ms);
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/**
 * Resolves once Lambda holds no interface in `holder`, showing how many remain and since when;
 * a WAIT_EXPIRED error when they outlast `deadline`. Returns at once (after one call) when none
 * are there.
 */
export async function untilLambdaLetsGo(
  ctx: StackContext,
  options: { what: string; holder: Holder; deadline: number },
): Promise<void> {
  const since = ctx.clock.now();
  let progress: ReturnType<StackContext['ui']['progress']> | undefined;
  let shown = -1;
  const onCount = (count: number): void => {
    if (count === shown) return;
    shown = count;
    const text = `${options.what}: ${count} of Lambda's network interfaces ${count === 1 ? 'remains' : 'remain'} (waiting since ${clockTime(since)}; AWS takes up to 20 minutes after a function leaves)`;
    if (progress) progress.update(text);
    else progress = ctx.ui.progress('teardown.wait', text);
  };
  await new Promise<void>((resolve, reject) => {
    watcherFor(ctx).wait({
      holder: options.holder,
      deadline: options.deadline,
      onCount,
      done: (error) => {
        if (error === undefined) {
          progress?.succeed(`${options.what}: Lambda's network interfaces are gone`);
          resolve();
        } else if (error instanceof WaitExpired) {
          progress?.warn(`${options.what}: gave up waiting for Lambda's network interfaces`);
          reject(
            new FixedIpError(
              'WAIT_EXPIRED',
              `${options.what} is still held by ${error.count} of Lambda's network interfaces`,
              {},
            ),
          );
        } else {
          progress?.fail(`${options.what}: stopped waiting for Lambda's network interfaces`);
          reject(error);
        }
      },
    });
  });
}
