/**
 * The few lines setup ends with: the path the functions' traffic takes, per zone (functions ->
 * private subnet -> NAT -> IP -> internet gateway), what fixed-ip created and what it reused, the
 * IPs and the next commands (the cost was in the plan). A run that changed nothing says "No changes".
 */
import { inSentence } from './model/kind.js';
import type { SetupResult } from './commands/setup.js';
import { kindOf } from './kinds/index.js';
import { NAT_MODE } from './kinds/nat-modes.js';
import { recordOf, type StackState } from './state/schema.js';

export function setupSummary(result: SetupResult): string[] {
  const { state } = result;
  const ips = result.elasticIps.join(', ');
  if (!result.changed)
    return [
      `No changes: stack ${state.name} is as setup left it; allowlisted IP${result.elasticIps.length > 1 ? 's' : ''} ${ips}`,
    ];
  const workloads = [
    ...Object.keys(state.functions),
    ...Object.keys(state.services ?? {}).map((key) => `${key} (ECS)`),
  ];
  const lines = ['', `Summary of stack ${state.name} (${NAT_MODE[state.shape.nat].title}):`];
  lines.push(`  ${workloads.length > 0 ? workloads.join(', ') : '(no functions)'}`);
  lines.push('    zone: private subnet → NAT → IP → internet gateway');
  for (const path of paths(state)) lines.push(`    ${path}`);
  const records = Object.values(state.resources);
  const title = (kind: (typeof records)[number]['kind']): string =>
    kind === 'vpc' ? 'VPC' : kind === 'elasticIp' ? 'Elastic IP' : inSentence(kindOf(kind).title);
  const counted = new Map<string, number>();
  for (const record of records.filter((r) => r.owned))
    counted.set(title(record.kind), (counted.get(title(record.kind)) ?? 0) + 1);
  const created = [...counted].map(([name, count]) => (count > 1 ? `${count} x ${name}` : name)).join(', ');
  const reused = records
    .filter((r) => !r.owned)
    .map((r) => `${title(r.kind)} ${r.id}`)
    .join(', ');
  lines.push(`  Created: ${created || 'nothing'}`);
  lines.push(`  Reused:  ${reused || 'nothing'}`);
  lines.push(`  IP${result.elasticIps.length > 1 ? 's' : ''} to allowlist: ${ips}`);
  lines.push('  Next:');
  lines.push('    is it still wired?         fixed-ip status');
  lines.push('    prove the IP from inside:  fixed-ip verify');
  lines.push('    stop the hourly charge:    fixed-ip teardown');
  return lines;
}

/** One line per zone: private subnet -> NAT -> IP -> internet gateway. */
function paths(state: StackState): string[] {
  const mode = NAT_MODE[state.shape.nat];
  const zones = state.shape.zones;
  const igw = recordOf(state, 'internetGateway')?.id ?? '?';
  return zones.map((zone) => {
    const subnet = recordOf(state, 'privateSubnet', zone)?.id ?? '?';
    const target = mode.target(zones, zone);
    const nat = state.resources[target.zone === undefined ? target.kind : `${target.kind}@${target.zone}`];
    const eip =
      recordOf(state, 'elasticIp', zone) ??
      (target.zone === undefined ? undefined : recordOf(state, 'elasticIp', target.zone)) ??
      recordOf(state, 'elasticIp', mode.addressZones(zones)[0]);
    return `${zone}: ${subnet} → ${nat?.id ?? '?'} → ${eip?.publicIp ?? '?'} → ${igw}`;
  });
}
