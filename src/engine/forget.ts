/**
 * What `fixed-ip forget` does to a stack's resources, derived from the kinds: every one stays
 * exactly as it is. fixed-ip's own tags (`fixed-ip:*`) come off those it made, proven as teardown
 * proves them (the record says fixed-ip made it, and the live tags name this stack: the kinds'
 * rule), and off the workloads that carry this stack's; never off what it reused or cannot prove.
 * A kind keeps the tags something that stays relies on (`keepsTags`).
 */
import { kindOf, WORKLOADS } from '../kinds/index.js';
import { untagOf } from '../kinds/untag.js';
import type { StackContext } from '../model/context.js';
import { inSentence, type Kind, type Listed, type Workload } from '../model/kind.js';
import { ourTagKeys, tagValue, TAG_STACK } from '../model/tags.js';
import { idsIn, loadByIds, mergeWorlds, type World, type WorldPart } from '../model/world.js';
import type { ResourceRecord } from '../state/schema.js';
import { provenOurs } from './removal.js';

/** One resource of the stack, handed over. */
export interface Handover {
  record: ResourceRecord;
  kind: Kind;
  /** fixed-ip's tag keys that come off it (none: its tags stay as they are). */
  keys: string[];
  /** Why its tags stay as they are: it was reused, fixed-ip cannot prove it made it, or it is gone. */
  untouched?: string;
  /** fixed-ip's keys it keeps all the same, and why. */
  keeps?: { keys: string[]; why: string };
}

/** A workload of the stack (a function) carrying fixed-ip's tags for it. */
export interface WorkloadHandover {
  step: Workload;
  name: string;
  keys: string[];
}

/**
 * Each resource the stack records, with what comes off it. Resources the world lacks (an Elastic
 * IP in another VPC's view) are described by id first, wherever they are.
 */
export async function handovers(ctx: StackContext): Promise<Handover[]> {
  const records = Object.values(ctx.state.resources);
  const world = await withRecorded(ctx, records);
  return records.map((record) => {
    const kind = kindOf(record.kind);
    const live = kind.list(world).find((item) => item.id === record.id);
    if (!record.owned) return { record, kind, keys: [], untouched: 'not made by fixed-ip' };
    if (!live) return { record, kind, keys: [], untouched: 'not found in AWS' };
    const all = ourTagKeys(live.tags);
    if (all.length === 0) return { record, kind, keys: [], untouched: "it carries no tag of fixed-ip's" };
    if (!ours(ctx, kind, record, live))
      return { record, kind, keys: [], untouched: "its tags do not prove it is this stack's" };
    const kept = all.filter((key) => kind.keepsTags?.keys.includes(key));
    return {
      record,
      kind,
      keys: all.filter((key) => !kept.includes(key)),
      ...(kept.length > 0 && kind.keepsTags ? { keeps: { keys: kept, why: kind.keepsTags.why } } : {}),
    };
  });
}

/** The stack's workloads carrying fixed-ip's tags for it. */
export async function workloadHandovers(ctx: StackContext): Promise<WorkloadHandover[]> {
  const found = await Promise.all(
    WORKLOADS.map(async (step) => [...((await step.ourTags?.(ctx)) ?? new Map<string, string[]>())]),
  );
  return WORKLOADS.flatMap((step, i) => (found[i] ?? []).map(([name, keys]) => ({ step, name, keys })));
}

/**
 * Takes fixed-ip's tags off, one resource at a time (Ctrl-C stops between them; a re-run finds
 * what is left by the same rule). `done` hears of each.
 */
export async function removeOurTags(
  ctx: StackContext,
  resources: readonly Handover[],
  workloads: readonly WorkloadHandover[],
  done: (what: string) => void,
): Promise<void> {
  for (const { record, kind, keys } of resources) {
    if (keys.length === 0) continue;
    await untagOf(kind)(ctx, record, keys);
    done(`${inSentence(kind.title)} ${record.id}`);
  }
  for (const { step, name, keys } of workloads) {
    await step.untag?.(ctx, name, keys);
    done(name);
  }
}

/** The record says fixed-ip made it, its tags name this stack, and the kind's rule proves it. */
function ours(ctx: StackContext, kind: Kind, record: ResourceRecord, live: Listed): boolean {
  return record.owned && tagValue(live.tags, TAG_STACK) === ctx.name && provenOurs(ctx, kind, record, live);
}

/** The context's world, with the recorded resources it lacks described by id. */
async function withRecorded(ctx: StackContext, records: readonly ResourceRecord[]): Promise<World> {
  const wanted = new Map<WorldPart, string[]>();
  for (const record of records) {
    const { part } = kindOf(record.kind);
    if (!record.owned || (ctx.world.loaded.has(part.name) && idsIn(ctx.world, part).has(record.id))) continue;
    wanted.set(part, [...(wanted.get(part) ?? []), record.id]);
  }
  return wanted.size === 0 ? ctx.world : mergeWorlds(ctx.world, await loadByIds(ctx.aws, wanted));
}
