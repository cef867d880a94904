/**
 * The recipe walked backward: each resource is removed once everything that depends on it is
 * (a kind's `removeAfter`, in every zone and every layer), and the VPC last of all.
 */
import type { RemoveOptions, RemoveOutcome, Step } from '../kinds/kind.js';
import type { StackContext } from './context.js';
import { type GraphNode, runGraph } from './graph.js';

export interface Removal {
  ctx: StackContext;
  step: Step;
  zone: string | undefined;
  options: RemoveOptions;
  /** A duplicate an interrupted run left (said in the output). */
  duplicate?: boolean;
}

export async function removeInOrder(
  removals: readonly Removal[],
  done: (removal: Removal, result: RemoveOutcome) => void,
  /** Returns true when the failure is handled (what depends on the removal still waits for nothing). */
  failed?: (removal: Removal, error: unknown) => boolean,
): Promise<void> {
  const key = (r: Removal, index: number): string => `${index}:${r.step.name}@${r.zone ?? ''}`;
  const nodes: GraphNode<string>[] = removals.map((removal, index) => ({
    key: key(removal, index),
    after:
      removal.step.name === 'vpc'
        ? removals.map(key).filter((_, other) => other !== index && removals[other]?.step.name !== 'vpc')
        : removals
            .map((other, otherIndex) => ({ other, otherKey: key(other, otherIndex) }))
            .filter(({ other }) => removal.step.removeAfter.includes(other.step.name))
            .map(({ otherKey }) => otherKey),
    run: async () => {
      try {
        done(removal, await removal.step.remove(removal.ctx, removal.zone, removal.options));
      } catch (error) {
        if (!failed?.(removal, error)) throw error;
      }
    },
  }));
  await runGraph(nodes);
}
