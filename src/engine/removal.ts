/**
 * The recipe walked backward: each resource is removed once everything that depends on it in the
 * recipe's graph is (`dependentsOf`, in every zone and every layer), so the VPC goes last of all.
 *
 * A state record decides nothing on its own: before anything is deleted, on every path (teardown,
 * a change of shape, duplicates), the live resource the record names is described wherever it is,
 * and only one whose complete tag set proves this stack's fixed-ip made it is deleted. Anything
 * else is kept, named, and said. `decideRemovals` is that one decision; teardown's confirmation
 * shows it, and `removeInOrder` carries it out.
 */
import { kindOf } from '../kinds/index.js';
import { whyNotOwnedBy, ownedBy } from '../kinds/find.js';
import {
  identityKey,
  isWorkload,
  type Kind,
  type Listed,
  type RemoveOptions,
  type RemoveOutcome,
  type Step,
} from '../model/kind.js';
import type { ResourceRecord } from '../state/schema.js';
import type { Payloads } from '../ports/messages.js';
import { dropRecord, type StackContext } from '../model/context.js';
import { type GraphNode, runGraph } from '../model/graph.js';
import { dependentsOf } from './recipe.js';
import { tagValue, TAG_STACK } from '../model/tags.js';
import { emptyWorld, idsIn, loadByIds, mergeWorlds, type World, type WorldPart } from '../model/world.js';

export interface Removal {
  ctx: StackContext;
  step: Step;
  zone: string | undefined;
  options: RemoveOptions;
  /** A duplicate an interrupted run left (said in the output). */
  duplicate?: boolean;
}

/**
 * A recorded resource kept because its live tags do not prove fixed-ip made it for this stack: the
 * payload of the `removal.unproven` message (src/ports/messages.ts).
 */
export type Unproven = Payloads['removal.unproven'];

/**
 * What happens to one removal: the kind's `remove` runs, or the resource is kept (its record
 * forgotten, or kept for a later run).
 */
export type Verdict =
  { action: 'remove' } | { action: 'keep'; why: string; forget: boolean; unproven?: Unproven };

const REMOVE: Verdict = { action: 'remove' };

/**
 * The one decision for each removal, from the live resources: those the removals' world lacks
 * are described by id, one call per part, wherever they are (not only in the stack's VPC).
 */
export async function decideRemovals(removals: readonly Removal[]): Promise<Verdict[]> {
  const wanted = new Map<WorldPart, string[]>();
  for (const removal of removals) {
    const record = recordOf(removal);
    if (!record) continue;
    const { part } = kindOf(record.kind);
    const { world } = removal.ctx;
    if (world.loaded.has(part.name) && idsIn(world, part).has(record.id)) continue;
    const ids = wanted.get(part) ?? [];
    if (!ids.includes(record.id)) ids.push(record.id);
    wanted.set(part, ids);
  }
  const first = removals[0];
  const elsewhere = first && wanted.size > 0 ? await loadByIds(first.ctx.aws, wanted) : emptyWorld();
  return removals.map((removal) => verdictFor(removal, elsewhere));
}

function recordOf(removal: Removal): ResourceRecord | undefined {
  const { step, zone, ctx } = removal;
  return isWorkload(step) ? undefined : ctx.state.resources[identityKey({ kind: step.name, zone })];
}

function liveOf(world: World, kind: Kind, id: string): Listed | undefined {
  return kind.list(world).find((item) => item.id === id);
}

function verdictFor(removal: Removal, elsewhere: World): Verdict {
  const { ctx, zone, options } = removal;
  const record = recordOf(removal);
  if (!record) return REMOVE;
  const kind = kindOf(record.kind);
  const live =
    liveOf(ctx.world, kind, record.id) ??
    (idsIn(elsewhere, kind.part).has(record.id)
      ? liveOf(mergeWorlds(ctx.world, elsewhere), kind, record.id)
      : undefined);
  // Not listed anywhere: gone (the kind's remove finds it so, and forgets it).
  const proven = live === undefined ? record.owned : provenOurs(ctx, kind, record, live);
  if (!proven) {
    if (!record.owned || live === undefined)
      return { action: 'keep', why: 'not made by fixed-ip', forget: true };
    const why = whyNotOwnedBy(live, ctx.name, kind, zone) ?? 'its tags do not prove fixed-ip made it';
    const looksOurs = tagValue(live.tags, TAG_STACK) === ctx.name;
    return {
      action: 'keep',
      why: `fixed-ip cannot prove it made it: ${why}`,
      // One that carries the stack's name stays recorded, so every later run says it again.
      forget: !looksOurs,
      unproven: {
        title: kind.title,
        id: record.id,
        zone,
        why,
        looksOurs,
        hourlyUsd: kind.hourlyUsd(ctx.aws.region, ctx.state.shape),
      },
    };
  }
  const kept = kind.keeps?.(ctx, record, options);
  return kept ? { action: 'keep', ...kept } : REMOVE;
}

/**
 * The live resource a record names is this stack's to delete: the kind's own rule, else the record
 * says fixed-ip made it and its complete tag set names this stack, kind and zone.
 */
export function provenOurs(ctx: StackContext, kind: Kind, record: ResourceRecord, live: Listed): boolean {
  return kind.proves?.(ctx, record, live) ?? (record.owned && ownedBy(live, ctx.name, kind, record.zone));
}

export async function removeInOrder(
  removals: readonly Removal[],
  done: (removal: Removal, result: RemoveOutcome) => void,
  /** Returns true when the failure is handled (what depends on the removal still waits for nothing). */
  failed?: (removal: Removal, error: unknown) => boolean,
  /** The decision already shown to the user (decideRemovals), else made now. */
  decided?: readonly Verdict[],
): Promise<void> {
  const verdicts = decided ?? (await decideRemovals(removals));
  const key = (r: Removal, index: number): string => `${index}:${r.step.name}@${r.zone ?? ''}`;
  const nodes: GraphNode<string>[] = removals.map((removal, index) => ({
    key: key(removal, index),
    after: removals
      .map((other, otherIndex) => ({ other, otherKey: key(other, otherIndex) }))
      .filter(({ other }) => dependentsOf(removal.step.name).has(other.step.name))
      .map(({ otherKey }) => otherKey),
    run: async () => {
      try {
        const verdict = verdicts[index] ?? REMOVE;
        done(
          removal,
          verdict.action === 'remove'
            ? await removal.step.remove(removal.ctx, removal.zone, removal.options)
            : await keep(removal, verdict),
        );
      } catch (error) {
        if (!failed?.(removal, error)) throw error;
      }
    },
  }));
  await runGraph(nodes);
}

/** Keeps a resource: says why (a warning when fixed-ip cannot prove it made it), and forgets it if so decided. */
async function keep(removal: Removal, verdict: Extract<Verdict, { action: 'keep' }>): Promise<RemoveOutcome> {
  const { ctx, step, zone } = removal;
  const record = recordOf(removal);
  const id = record?.id ?? '';
  if (verdict.unproven) {
    const { unproven } = verdict;
    ctx.ui.notify({
      level: 'warn',
      code: 'removal.unproven',
      text: `Kept ${step.title} ${id}${zone ? ` (${zone})` : ''}: the state file names it, but ${verdict.why}; it was not deleted${unproven.looksOurs ? " (restore its tags, or delete it yourself if it is the stack's)" : ''}`,
      data: unproven,
    });
  }
  if (verdict.forget && !isWorkload(step)) await dropRecord(ctx, step.name, zone);
  const label = record && 'publicIp' in record ? `${record.publicIp} (${id})` : id;
  return { outcome: 'kept', detail: `${label} (${verdict.why})`, why: verdict.why };
}
