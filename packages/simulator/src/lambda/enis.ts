/**
 * Lambda's Hyperplane ENIs: one per subnet + security-group set, shared by every function using
 * that pair, released eniReleaseMs after the last one leaves (up to 20 minutes in AWS).
 */
import type { SimContext } from '../context.js';
import { recordsOf } from '../describe.js';
import { allocatePrivateIp } from '../ec2/network-interfaces.js';
import { newId } from '../ids.js';
import { lambdaEniIsLive } from '../lifecycle.js';
import type { FunctionRecord, LambdaEniRecord } from '../model.js';

export interface EniPair {
  subnetId: string;
  groupIds: string[];
}

function pairKey(pair: EniPair): string {
  return `${pair.subnetId}|${pair.groupIds.join(',')}`;
}

export function pairsOf(subnetIds: readonly string[], securityGroupIds: readonly string[]): EniPair[] {
  const groupIds = [...new Set(securityGroupIds)].sort();
  return [...new Set(subnetIds)].map((subnetId) => ({ subnetId, groupIds }));
}

function liveEniFor(ctx: SimContext, pair: EniPair): LambdaEniRecord | undefined {
  const key = pairKey(pair);
  return recordsOf(ctx.state.lambdaEnis).find((eni) => lambdaEniIsLive(eni, ctx.now) && pairKey(eni) === key);
}

/** The pairs a configuration needs that have no ENI yet. */
export function missingPairs(
  ctx: SimContext,
  subnetIds: readonly string[],
  securityGroupIds: readonly string[],
): EniPair[] {
  return pairsOf(subnetIds, securityGroupIds).filter((pair) => !liveEniFor(ctx, pair));
}

/** The subnets among the new pairs that have no address left for an ENI. */
export function subnetsWithoutRoom(ctx: SimContext, pairs: readonly EniPair[]): string[] {
  const taken: Record<string, string[]> = {};
  const full: string[] = [];
  for (const pair of pairs) {
    const subnet = ctx.state.subnets[pair.subnetId];
    const already = taken[pair.subnetId] ?? [];
    const ip = subnet ? allocatePrivateIp(ctx, subnet, already) : undefined;
    if (ip === undefined) full.push(pair.subnetId);
    else taken[pair.subnetId] = [...already, ip];
  }
  return full;
}

/**
 * Brings the ENIs in line with every function's current VpcConfig: creates those a pair now needs
 * (named after `requester`), starts the release clock on those no function uses, and stops it on
 * those used again. Returns whether an ENI was created.
 */
export function reconcileLambdaEnis(ctx: SimContext, requester: FunctionRecord): boolean {
  const used = new Set<string>();
  // A published version keeps its VpcConfig, and with it its ENIs.
  for (const fn of recordsOf(ctx.state.functions)) {
    for (const config of [fn, ...(fn.versions ?? [])])
      for (const pair of pairsOf(config.subnetIds, config.securityGroupIds)) used.add(pairKey(pair));
  }
  for (const eni of recordsOf(ctx.state.lambdaEnis)) {
    if (!lambdaEniIsLive(eni, ctx.now)) continue;
    if (used.has(pairKey(eni))) eni.releaseAt = null;
    else eni.releaseAt ??= ctx.now + ctx.timings.eniReleaseMs;
  }
  let created = false;
  for (const pair of missingPairs(ctx, requester.subnetIds, requester.securityGroupIds)) {
    const subnet = ctx.state.subnets[pair.subnetId];
    const privateIp = subnet ? allocatePrivateIp(ctx, subnet) : undefined;
    if (!subnet || privateIp === undefined) continue;
    const eni: LambdaEniRecord = {
      id: newId(ctx.state, 'eni'),
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      groupIds: pair.groupIds,
      privateIp,
      description: `AWS Lambda VPC ENI-${requester.name}`,
      createdAt: ctx.now,
      releaseAt: null,
    };
    ctx.state.lambdaEnis[eni.id] = eni;
    created = true;
  }
  return created;
}
