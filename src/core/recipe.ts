/**
 * The article's recipe for a stack's shape, as data: which resources in which zones, and what each
 * waits for. setup walks it forward, teardown backward, status and plan only look.
 */
import { functions, kindOf } from '../kinds/index.js';
import { identityKey, type Identity, type KindName, type PlanLine, type Step } from '../kinds/kind.js';
import { NAT_MODE } from '../kinds/nat-modes.js';
import { type RecordOf, recordOf, type Shape, type StackState } from '../state/schema.js';
import { BASE_PARTS, type WorldPart } from './world.js';

export interface RecipeNode {
  /** `natGateway@ap-northeast-1a`, `vpc`, or `functions`. */
  key: string;
  step: Step;
  zone: string | undefined;
  after: string[];
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
  const add = (id: Identity, after: Identity[]): void => {
    nodes.push({ key: identityKey(id), step: kindOf(id.kind), zone: id.zone, after: after.map(identityKey) });
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
  for (const nat of mode.nats(zones)) add(nat.id, nat.after); //    and the NAT
  for (const zone of zones) {
    // 6. each private subnet routes to its NAT
    add({ kind: 'privateRouteTable', zone }, [
      { kind: 'privateSubnet', zone },
      mode.target(zones, zone),
      ...(mode.routeAfter?.(zones, zone) ?? []),
    ]);
  }
  // Then, and only then, the functions move in: a private subnet without its NAT route has no internet.
  nodes.push({
    key: 'functions',
    step: functions,
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
      if (node.step.name !== 'functions') kinds.add(node.step.name);
  return [...new Set([...BASE_PARTS, ...[...kinds].flatMap((kind) => kindOf(kind).needs ?? [])])];
}
