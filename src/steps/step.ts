import type { StackContext, Targets } from '../core/context.js';
import type { ResourceKey } from '../state/schema.js';

export type StepKey = ResourceKey | 'functions';

export type Action = 'create' | 'move' | 'reuse' | 'done' | 'repair' | 'skip';

/** Whether setup must change something in AWS for this line. */
export const isWork = (action: Action): boolean =>
  action === 'create' || action === 'move' || action === 'repair';

export interface PlanLine {
  action: Action;
  /** The resource id or what will be made ("10.0.1.0/24 in ap-northeast-1a"). */
  detail: string;
}

export interface Check {
  ok: boolean;
  id: string | undefined;
  /** AWS's state word, or 'missing'. */
  state: string;
  /** What drifted, and what to do about it. */
  problem?: string;
}

/** status for a step the state file has no record of. */
export function notRecorded(what: string): Check {
  return { ok: false, id: undefined, state: 'missing', problem: `no ${what} recorded; run fixed-ip setup` };
}

export interface RemoveOptions {
  keepEip: boolean;
  /** clock time after which waits on Lambda's network interfaces give up. */
  deadline: number;
}

/** 'removed', 'kept' (reused, or --keep-eip), or 'gone' (nothing was there). */
export type RemoveOutcome = { outcome: 'removed' | 'kept' | 'gone'; detail: string };

/**
 * One resource of the article's recipe: it knows how to find itself (state, then tags), check
 * itself, create itself and delete itself. setup walks the steps forward, teardown backward.
 */
export interface Step {
  key: StepKey;
  /** The article's step number: 1-6; 0 for a VPC fixed-ip creates, 7 for moving the functions. */
  article: number;
  title: string;
  /** Setup starts this step when these are done. */
  after: readonly StepKey[];
  /** Teardown removes this step's resource when these are removed. */
  removeAfter: readonly StepKey[];
  plan(ctx: StackContext, targets: Targets): PlanLine;
  /** Makes it so; returns the line shown when done, e.g. "subnet-0abc (10.0.1.0/24)". */
  ensure(ctx: StackContext, targets: Targets): Promise<string>;
  check(ctx: StackContext): Check;
  remove(ctx: StackContext, options: RemoveOptions): Promise<RemoveOutcome>;
}
