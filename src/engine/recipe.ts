/**
 * The article's recipe for a stack's shape, as data: which resources in which zones, and what each
 * waits for. setup walks it forward, teardown backward, status and plan only look.
 */
import { KINDS, kindOf, widest, WORKLOADS } from '../kinds/index.js';
import {
  identityKey,
  type Identity,
  isWorkload,
  type KindName,
  type PlanLine,
  type Step,
} from '../model/kind.js';
import { NAT_MODE } from '../kinds/nat-modes.js';
import { NAT_MODES } from '../state/schema.js';
import { type RecordOf, recordOf, type Shape, type StackState } from '../state/schema.js';
import { BASE_PARTS, type WorldPart } from '../model/world.js';

export interface RecipeNode {
  /** `natGateway@ap-northeast-1a`, `vpc`, or `functions`. */
  key: string;
  step: Step;
  zone: string | undefined;
  after: string[];
  /**
   * Of `after`, what this node only points at (a route to the NAT): setup still waits for it, but
   * its removal need not wait for this node (a route to a deleted NAT is a harmless blackhole), so
   * teardown stops the NAT's charge as soon as the workloads have left.
   */
  pointsAt?: string[];
}

/** A node of the recipe and what setup would do for it now. */
export interface PlannedStep {
  node: RecipeNode;
  line: PlanLine;
}

export function recipe(shape: Shape, options: { newVpc: boolean }): RecipeNode[] {
  const mode = NAT_MODE[shape.nat];
  const zones = shape.zones;
  const nodes: RecipeNode[] = [];
  const add = (id: Identity, after: Identity[], pointsAt: Identity[] = []): void => {
    nodes.push({
      key: identityKey(id),
      step: kindOf(id.kind),
      zone: id.zone,
      after: [...after, ...pointsAt].map(identityKey),
      ...(pointsAt.length > 0 ? { pointsAt: pointsAt.map(identityKey) } : {}),
    });
  };
  const vpc: Identity[] = options.newVpc ? [{ kind: 'vpc' }] : [];
  if (options.newVpc) add({ kind: 'vpc' }, []);
  add({ kind: 'internetGateway' }, vpc); // 1. the internet gateway
  for (const zone of mode.publicZones(zones)) {
    add({ kind: 'publicSubnet', zone }, vpc); // 2. a public subnet
    add({ kind: 'publicRouteTable', zone }, [{ kind: 'internetGateway' }, { kind: 'publicSubnet', zone }]); // 3.
  }
  for (const zone of zones) add({ kind: 'privateSubnet', zone }, vpc); // 4. a private subnet per zone
  add({ kind: 'securityGroup' }, vpc);
  for (const zone of mode.addressZones(zones)) add({ kind: 'elasticIp', zone }, []); // 5. the IPs
  for (const nat of mode.nats(zones, shape)) add(nat.id, nat.after); //    and the NAT
  for (const zone of zones) {
    // 6. each private subnet routes to its NAT
    add(
      { kind: 'privateRouteTable', zone },
      [{ kind: 'privateSubnet', zone }],
      [mode.target(zones, zone), ...(mode.routeAfter?.(zones, zone, shape) ?? [])],
    );
  }
  // The kinds outside the article's six steps (a gateway endpoint), where the shape asks for them.
  for (const kind of KINDS) for (const node of kind.nodes?.(shape) ?? []) add(node.id, node.after);
  // Then, and only then, the workloads move in: a private subnet without its NAT route has no internet.
  for (const workload of WORKLOADS)
    nodes.push({
      key: workload.name,
      step: workload,
      zone: undefined,
      after: [...zones.map((zone) => identityKey({ kind: 'privateRouteTable', zone })), 'securityGroup'],
    });
  return nodes;
}

/** "5/6", "0/6" for a VPC fixed-ip makes, " → " for moving the functions: the one place a step's number is formatted. */
export function stepNumber(article: number): string {
  return article >= 1 && article <= 6 ? `${article}/6` : article === 0 ? '0/6' : ' → ';
}

/** "5/6 NAT gateway (ap-northeast-1a)". */
export function stepLabel(step: Step, zone: string | undefined): string {
  return `${stepNumber(step.article)} ${step.title}${zone ? ` (${zone})` : ''}`;
}

/** The Elastic IPs traffic leaves from, first zone first: one per zone the NAT mode gives an address. */
export function allowlistRecords(state: StackState): RecordOf<'elasticIp'>[] {
  const { shape } = state;
  return NAT_MODE[shape.nat]
    .addressZones(shape.zones)
    .map((zone) => recordOf(state, 'elasticIp', zone))
    .filter((record): record is RecordOf<'elasticIp'> => record !== undefined);
}

/**
 * The world parts a run needs: every shape's, plus what the kinds of these shapes and of the
 * recorded resources read (a NAT instance's instances and interfaces), so other shapes pay nothing.
 */
export function worldPartsFor(shapes: readonly Shape[], recorded: readonly KindName[] = []): WorldPart[] {
  const kinds = new Set<KindName>(recorded);
  for (const shape of shapes)
    for (const node of recipe(
      { ...shape, zones: shape.zones.length ? shape.zones : ['zone'] },
      { newVpc: false },
    ))
      if (!isWorkload(node.step)) kinds.add(node.step.name);
  return [
    ...new Set([
      ...BASE_PARTS,
      ...[...kinds].flatMap((kind) => [kindOf(kind).part, ...(kindOf(kind).needs ?? [])]),
    ]),
  ];
}

type StepName = Step['name'];

let dependents: ReadonlyMap<StepName, ReadonlySet<StepName>> | undefined;

/**
 * The recipe's one graph, walked backward: for each step, every step that depends on it, directly
 * or through others, in any NAT mode (with a VPC fixed-ip makes, over two zones, every kind's
 * widest setting). Teardown and a
 * change of shape remove a resource only once everything of these steps is removed, whatever mix
 * of shapes the records come from; nothing else says what goes first.
 */
export function dependentsOf(name: StepName): ReadonlySet<StepName> {
  dependents ??= closure();
  return dependents.get(name) ?? new Set();
}

const WORKLOAD_NAMES: ReadonlySet<StepName> = new Set(WORKLOADS.map((workload) => workload.name));

function closure(): Map<StepName, Set<StepName>> {
  // Direct dependents, each marked when it only points at its upstream.
  const direct = new Map<StepName, Map<StepName, boolean>>();
  // Every mode with its kinds' widest settings and with none (--ha has its kinds, and its absence others).
  for (const nat of NAT_MODES)
    for (const shape of [widest({ nat, zones: ['a', 'b'] }), { nat, zones: ['a', 'b'] }]) {
      const nodes = recipe(shape, { newVpc: true });
      const byKey = new Map(nodes.map((node) => [node.key, node.step.name]));
      for (const node of nodes)
        for (const key of node.after) {
          const upstream = byKey.get(key);
          if (upstream === undefined || upstream === node.step.name) continue;
          const edges = direct.get(upstream) ?? new Map<StepName, boolean>();
          const pointsOnly = node.pointsAt?.includes(key) === true;
          edges.set(node.step.name, (edges.get(node.step.name) ?? true) && pointsOnly);
          direct.set(upstream, edges);
        }
    }
  // A step waits for what depends on it, and for the workloads (the functions) behind what only
  // points at it (a route), but not for the pointer itself.
  const all = new Map<StepName, Set<StepName>>();
  const of = (name: StepName): Set<StepName> => {
    const known = all.get(name);
    if (known) return known;
    const into = new Set<StepName>();
    all.set(name, into);
    for (const [next, pointsOnly] of direct.get(name) ?? []) {
      if (!pointsOnly) into.add(next);
      // Through a pointer, only the workloads behind it (not, say, an endpoint in the same route table).
      for (const further of of(next)) if (!pointsOnly || WORKLOAD_NAMES.has(further)) into.add(further);
    }
    return into;
  };
  for (const name of direct.keys()) of(name);
  return all;
}
